/**
 * A network on a Kubernetes cluster: whatever CNI the cluster runs, measured between pods pinned
 * to chosen nodes (or hostNetwork pods for the no-overlay baseline). Installing it means starting
 * its pods and learning their IPs and MTUs; releasing it deletes them.
 */
import { NetbenchError } from '../../errors.ts'
import type { Between, EndpointKind, Placement, PolicyStep, Via } from '../../model.ts'
import type { PortRange } from '../../endpoint.ts'
import type { EndpointPair, Network } from '../types.ts'
import { DEFAULT_PORTS } from '../../tools/iperf3/run.ts'
import { CONTAINER } from './labels.ts'
import { mtuFromIpJson, mtuFromRouteJson, mtuFromSysfs } from './mtu.ts'
import { PodEndpoint } from './pod-endpoint.ts'
import { runKubePolicy } from './policy.ts'
import { checkReachability } from './reachability.ts'
import { allPairs, placementKey, planPods, type PlannedPod, type PodPlan } from './placement.ts'
import { installServicePaths, type ServicePaths } from './services.ts'
import type { KubeTarget, ReadyPod } from './cluster-client.ts'

export interface KubeNetworkOptions {
  target: KubeTarget
  name: string
  placements: readonly Placement[]
  podImage: string
  readyTimeoutMs: number
  /** The namespace needs the privileged Pod Security level (some network uses hostNetwork pods). */
  privileged: boolean
  /** Extra facts for describe() (the k3s provider adds its own). */
  facts?: Record<string, unknown>
  runId: string
  deleteTimeoutMs: number
  signal?: AbortSignal
  /** Ports iperf3 may use between the pods (default 5201–5250). */
  ports?: PortRange
  /** Programs the steps run in the pods besides iperf3 (cluster.programs). */
  programs?: readonly string[]
}

/** Reads the MTU of a pod's interface: `ip -json`, else sysfs eth0; a clear error otherwise. */
async function readMtu(target: KubeTarget, pod: ReadyPod): Promise<{ mtu: number; ifname: string }> {
  const ip = await target.run(pod.name, ['ip', '-json', 'addr', 'show'])
  const found = ip.exitCode === 0 ? mtuFromIpJson(ip.stdout, pod.ip) : undefined
  if (found) return found
  const sysfs = await target.run(pod.name, ['cat', '/sys/class/net/eth0/mtu'])
  const mtu = sysfs.exitCode === 0 ? mtuFromSysfs(sysfs.stdout) : undefined
  if (mtu !== undefined) return { mtu, ifname: 'eth0' }
  const why = (ip.message ?? ip.stderr.trim().split('\n')[0]) || `no interface holds ${pod.ip}`
  throw new NetbenchError('PROVIDER', `cannot read the MTU of pod ${pod.name} (context '${target.context}'): ${why}`, {
    hint: 'the pod image needs `ip` (iproute2); set cluster.podImage to one that has it, e.g. nicolaka/netshoot',
  })
}

/** The route MTU towards a peer, when the route sets one; the link MTU alone otherwise. */
async function routeMtu(target: KubeTarget, pod: string, peer: string): Promise<number | undefined> {
  const route = await target.run(pod, ['ip', '-json', 'route', 'get', peer])
  return route.exitCode === 0 ? mtuFromRouteJson(route.stdout) : undefined
}

/**
 * Each pod's MTU for datagram sizing: the smaller of its link MTU and the route MTU towards every
 * peer it is paired with (a route MTU below the link's would otherwise make datagrams fragment).
 */
async function pathMtus(target: KubeTarget, plan: ReturnType<typeof planPods>, ready: Map<string, ReadyPod>): Promise<Map<string, number>> {
  const mtus = new Map<string, number>()
  for (const pod of plan.pods) mtus.set(pod.name, (await readMtu(target, ready.get(pod.name)!)).mtu)
  for (const { client, server } of allPairs(plan)) {
    if (client === server) continue
    for (const [from, to] of [[client, server], [server, client]] as const) {
      const route = await routeMtu(target, from, ready.get(to)!.ip)
      if (route !== undefined) mtus.set(from, Math.min(mtus.get(from)!, route))
    }
  }
  return mtus
}

/** `iperf3 3.12 (cJSON 1.7.15)`; fails clearly when the image has no iperf3. */
async function iperf3Version(target: KubeTarget, pod: string, image: string): Promise<string> {
  const result = await target.run(pod, ['iperf3', '--version'])
  const line = result.stdout.split('\n')[0]?.trim()
  if (result.exitCode === 0 && line) return line
  throw new NetbenchError('MISSING_PROGRAM', `iperf3 does not run in pod ${pod} (image ${image}): ${(result.message ?? result.stderr.trim().split('\n')[0]) || `exit ${result.exitCode}`}`, {
    hint: 'set cluster.podImage to an image with iperf3 3.x, sh and ip (the default nicolaka/netshoot has them)',
  })
}

/** Each program the steps need besides iperf3 (`sockperf --version`) runs in the pod; else exit 3 naming cluster.podImage. */
async function checkPrograms(target: KubeTarget, pod: string, image: string, programs: readonly string[]): Promise<void> {
  for (const program of programs) {
    const result = await target.run(pod, [program, '--version'])
    if (result.exitCode === 0) continue
    throw new NetbenchError('MISSING_PROGRAM', `${program} does not run in pod ${pod} (image ${image}), and a latency step with a protocol needs it: ${(result.message ?? result.stderr.trim().split('\n')[0]) || `exit ${result.exitCode}`}`, {
      hint: `set cluster.podImage to an image with iperf3, ${program}, sh and ip (docs/kubernetes.md shows one)`,
    })
  }
}

export async function installKubeNetwork(options: KubeNetworkOptions): Promise<Network> {
  const { target, name } = options
  const started = Date.now()
  const nodes = await target.kubeNodes()
  const plan = planPods(name, nodes, options.placements, target.context)
  await target.ensureNamespace(options.privileged)
  let endpoints = new Map<string, PodEndpoint>()
  let iperf3: string | null = null
  let services: ServicePaths | undefined
  // A suite with only policy steps measures no pairs: its pods come with each policy step.
  if (plan.pods.length) try {
    await target.createPods(name, plan.pods, options.podImage)
    const ready = await target.waitReady(name, plan.pods.map((pod) => pod.name), options.readyTimeoutMs, options.signal)
    endpoints = new Map()
    const mtus = await pathMtus(target, plan, ready)
    const ports = options.ports ?? DEFAULT_PORTS
    for (const pod of plan.pods) endpoints.set(pod.name, endpointFor(target, pod, ready.get(pod.name)!, mtus.get(pod.name)!, options.podImage, ports))
    iperf3 = await iperf3Version(target, plan.pods[0]!.name, options.podImage)
    await checkPrograms(target, plan.pods[0]!.name, options.podImage, options.programs ?? [])
    await checkReachability(allPairs(plan).map((pair) => ({ client: endpoints.get(pair.client)!, server: endpoints.get(pair.server)! })), target.context, ports)
    services = await installServicePaths(plan, options.placements, { target, runId: options.runId, network: name, ports, readyTimeoutMs: options.readyTimeoutMs, signal: options.signal })
  } catch (error) {
    await target.deletePods(name).catch(() => undefined)
    throw error
  }
  const setupMs = Date.now() - started
  const server = await target.server().catch(() => null)
  const cni = name === 'host' ? { name: 'none (hostNetwork)', version: null, source: null } : await target.cni()
  const usedNodes = new Set(plan.pods.map((pod) => pod.node.name))
  const nodeFacts = (await target.nodeFacts()).filter((node) => usedNodes.has(node.name))
  const mtus = [...endpoints.values()].map((endpoint) => endpoint.mtu)
  const mtu = mtus.length ? Math.min(...mtus) : null
  const network: Network = {
    name,
    setupMs,
    pair: (between: Between, endpoint: EndpointKind = 'pod', via: Via = 'pod') => pairOf({ name, plan, endpoints, services }, between, endpoint, via),
    pairs: (between: Between, endpoint: EndpointKind = 'pod', count: number) => count === 1 ? [network.pair(between, endpoint)] : plannedPairs(plan, endpoints, name, between, endpoint, count),
    describe: () => ({
      provider: 'kube',
      context: target.context,
      server: server?.version ?? null,
      namespace: target.namespace,
      cni: cni.name,
      cniVersion: cni.version,
      cniSource: cni.source,
      mtu,
      encapsulation: null,
      podImage: options.podImage,
      iperf3,
      nodes: nodeFacts,
      nodeCount: nodes.length,
      warnings: plan.warnings,
      services: services?.facts() ?? [],
      endpoints: [...endpoints.values()].map((endpoint) => ({
        name: endpoint.name, pod: endpoint.pod, node: endpoint.node, zone: endpoint.zone, ip: endpoint.ip, mtu: endpoint.mtu,
        hostNetwork: plan.pods.find((pod) => pod.name === endpoint.pod)?.hostNetwork ?? false,
      })),
      ...options.facts,
    }),
    runPolicy: (step: PolicyStep, id: string, signal?: AbortSignal) => runKubePolicy({
      target, network: name, runId: options.runId, podImage: options.podImage, readyTimeoutMs: options.readyTimeoutMs,
      deleteTimeoutMs: options.deleteTimeoutMs, cni: cni.name, signal,
    }, step, id),
    async [Symbol.asyncDispose]() {
      await services?.remove()
      await target.deletePods(name)
    },
  }
  return network
}

/** `pairs: N`: the placement's pairs over distinct nodes, as planPods made them for the most pairs a step asks. */
function plannedPairs(plan: PodPlan, endpoints: ReadonlyMap<string, PodEndpoint>, network: string, between: Between, endpoint: EndpointKind, count: number): EndpointPair[] {
  const list = plan.pairLists.get(placementKey(between, endpoint))
  if (!list || list.length < count) {
    throw new NetbenchError('SUITE_INVALID', `network ${network} was installed with ${list?.length ?? 1} ${endpoint} pairs for between: ${between}, not ${count}`, {
      hint: 'internal: the suite\'s placements were not passed to the kube provider',
    })
  }
  return list.slice(0, count).map((pair) => ({ client: endpoints.get(pair.client)!, server: endpoints.get(pair.server)! }))
}

interface Installed {
  name: string
  plan: ReturnType<typeof planPods>
  endpoints: Map<string, PodEndpoint>
  services: ServicePaths | undefined
}

/** The pods a placement measures between, and the Service route on Service paths. */
function pairOf({ name, plan, endpoints, services }: Installed, between: Between, endpoint: EndpointKind, via: Via): EndpointPair {
  const key = placementKey(between, endpoint)
  const impossible = plan.impossible.get(key)
  if (impossible) throw impossible
  const pair = plan.pairs.get(key)
  if (!pair) {
    throw new NetbenchError('SUITE_INVALID', `network ${name} was installed without ${endpoint} endpoints for between: ${between}`, {
      hint: 'internal: the suite\'s placements were not passed to the kube provider',
    })
  }
  if (via === 'pod') return { client: endpoints.get(pair.client)!, server: endpoints.get(pair.server)! }
  if (!services) throw new NetbenchError('SERVICE_PATH_MISSING', `network ${name} has no Service paths`, { hint: 'internal: the suite\'s placements (with their via) were not passed to the kube provider' })
  const path = services.path(between, endpoint, via)
  return { client: endpoints.get(path.client)!, server: endpoints.get(path.server)!, service: path.route }
}

function endpointFor(target: KubeTarget, pod: PlannedPod, live: ReadyPod, mtu: number, image: string, ports: PortRange): PodEndpoint {
  const zone = pod.node.zone ?? '-'
  const kind = pod.hostNetwork ? 'hostNetwork pod' : 'pod'
  return new PodEndpoint({
    name: pod.name,
    label: `${kind} ${pod.name} on ${pod.node.name}${pod.node.zone ? ` (zone ${pod.node.zone})` : ''}`,
    node: pod.node.name,
    zone,
    ip: live.ip,
    mtu,
    config: target.config,
    ref: { namespace: target.namespace, pod: pod.name, container: CONTAINER },
    image,
    ports,
  })
}
