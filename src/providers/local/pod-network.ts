import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { NetbenchError } from '../../errors.ts'
import { run } from '../../exec.ts'
import { BETWEEN, type Between, type EndpointKind, type NetworkSpec, type PolicyStep, type Via } from '../../model.ts'
import { runLocalPolicy } from './policy.ts'
import { componentVersions } from './features.ts'
import type { EndpointPair, Network } from '../types.ts'
import { EXEC_CONCURRENCY, mapLimit } from './concurrency.ts'
import { pathShapers, UNDERLAY_MTU, type LocalLab, type LabNode } from './lab.ts'
import { pickNodePair } from './placement.ts'
import { disjointNodePairs, nodesForPairs, pairsNeed } from '../../node-pairs.ts'
import { createPodNamespaces, deleteNamespaces, deletePods, pickPodPair, podSlots, waitReachable, type Pod, type PodSlot } from './pods.ts'
import { installServices, type Backend, type LabServices, type ServiceSlot } from './services.ts'
import type { Endpoint } from '../../endpoint.ts'
import { trace } from '../../trace.ts'

/** What the tests and the policy step need to know about a datapath besides its pods. */
export interface Encapsulation {
  kind: 'vxlan' | 'ipip' | 'none'
  /** UDP destination port on the underlay (vxlan). */
  port?: number
  /** The tunnel device on every node. */
  device?: string
  vni?: number
}

/** A network installed in the local lab: the provider-neutral Network plus what the lab knows. */
export interface LocalNetwork extends Network {
  readonly cni: string
  readonly spec: NetworkSpec
  readonly lab: LocalLab
  readonly pods: readonly Pod[]
  readonly mtu: number
  readonly encapsulation: Encapsulation
  /** Whether the real CNI enforces Kubernetes NetworkPolicy (and so does the lab's). */
  readonly policy: 'enforced' | 'unsupported'
  /** BIRD control sockets by node name (Calico with BGP): `birdc -s <socket> show protocols`. */
  readonly birdSockets: Readonly<Record<string, string>>
  /**
   * Stops the network's daemons and forgets it, leaving its pods and node state to the lab's
   * removal: what a dispose does besides would be undone by deleting the namespaces anyway.
   */
  abandon(): Promise<void>
}

export interface InstallContext {
  lab: LocalLab
  spec: NetworkSpec
  podsPerNode: number
  /** Network-scoped directory under the run's temp dir: IPAM state, BIRD configs and sockets. */
  workDir: string
  signal?: AbortSignal
  /** Creates the pods' namespaces (recorded for teardown) and returns their slots. */
  createPodSlots(): Promise<PodSlot[]>
  /** `netbench lab up`: daemons must outlive this process (no pipes, own process group). */
  persistent?: boolean
  /** Registers cleanup that must run before the pods and node objects go (e.g. stop BIRD). */
  onTeardown(step: () => Promise<void>): void
}

/** What a CNI's builder returns once its datapath is programmed. */
export interface Datapath {
  pods: Pod[]
  mtu: number
  encapsulation: Encapsulation
  policy: 'enforced' | 'unsupported'
  describe: Record<string, unknown>
  /** Readiness beyond reachability, e.g. BGP sessions Established (counted in setup time). */
  ready?(signal?: AbortSignal): Promise<void>
  birdSockets?: Record<string, string>
}

export type DatapathBuilder = (context: InstallContext) => Promise<Datapath>

/**
 * Links, routes and xfrm state a network leaves on a node, removed so the next network starts
 * from the bare node (eth0 + its address). Pod veths are gone with the pods already.
 */
const RESET_GROUP = 99

export async function resetNode(node: LabNode): Promise<void> {
  const links = await run('ip', ['-n', node.namespace, '-o', 'link', 'show'])
  const extra = links.stdout.split('\n').map((line) => line.split(': ')[1]?.split('@')[0] ?? '').filter((name) => name && name !== 'lo' && name !== 'eth0')
  // Into one link group, then one delete: the kernel unregisters them together (one RCU grace
  // period instead of one per device, which is what makes teardown slow).
  const commands = [
    ...extra.map((name) => `link set dev ${name} group ${RESET_GROUP}`),
    ...extra.length ? [`link del group ${RESET_GROUP}`] : [],
    'route flush proto boot',
    'route flush proto static',
    'route flush proto bird',
    'xfrm state flush',
    'xfrm policy flush',
  ]
  await run('ip', ['-n', node.namespace, '-force', '-batch', '-'], { input: `${commands.join('\n')}\n` })
}


export interface InstallOptions {
  lab: LocalLab
  spec: NetworkSpec
  podsPerNode: number
  runDir: string
  signal?: AbortSignal
  persistent?: boolean
  /** The Service paths steps take: kube-proxy's datapath is built for these only. */
  vias?: ReadonlyArray<Exclude<Via, 'pod'>>
}

/**
 * Installs a pod network: runs the CNI's builder, waits until it is ready and every pod reaches
 * every other, and records that span as setupMs. Any failure undoes whatever was created.
 */
export async function installPodNetwork(options: InstallOptions, build: DatapathBuilder): Promise<LocalNetwork> {
  const { lab, spec } = options
  const started = performance.now()
  // Looked up once per run (dpkg, bird --version) while the network is built, not after it.
  const versions = componentVersions()
  const workDir = join(options.runDir, `net-${spec.name}`)
  const teardown: Array<() => Promise<void>> = []
  let slots: PodSlot[] = []
  let pods: Pod[] = []
  const context: InstallContext = {
    lab, spec, podsPerNode: options.podsPerNode, workDir, signal: options.signal, persistent: options.persistent,
    async createPodSlots() {
      slots = podSlots(lab, options.podsPerNode)
      await createPodNamespaces(slots)
      return slots
    },
    onTeardown: (step) => { teardown.push(step) },
  }
  let disposed = false
  let services: LabServices | undefined
  const dispose = async () => {
    if (disposed) return
    disposed = true
    await services?.remove()
    for (const step of teardown.reverse()) await step().catch(() => undefined)
    await deletePods(pods)
    await deleteNamespaces(slots.filter((slot) => !pods.some((pod) => pod.namespace === slot.namespace)).map((slot) => slot.namespace))
    await mapLimit(lab.nodes, EXEC_CONCURRENCY, resetNode)
    await rm(workDir, { recursive: true, force: true })
  }
  let datapath: Datapath
  try {
    await mkdir(workDir, { recursive: true })
    datapath = await build(context)
    pods = datapath.pods
    await datapath.ready?.(options.signal)
    trace('install:ready')
    await waitReachable(pods, { signal: options.signal })
    trace('install:reachable')
  } catch (error) {
    await dispose()
    if (error instanceof NetbenchError) throw new NetbenchError(error.code, `${spec.name}: ${error.message}`, { hint: error.hint, detail: error.detail, cause: error })
    throw error
  }
  const setupMs = Math.round(performance.now() - started)
  // kube-proxy's part, not the CNI's: after the setup time.
  services = options.vias?.length ? await installServicePaths(lab, pods, options.vias).catch(async (error: unknown) => { await dispose(); throw error }) : undefined
  const components = componentsOf(await versions, datapath)
  const network: LocalNetwork = {
    name: spec.name,
    cni: spec.cni,
    spec,
    lab,
    pods,
    mtu: datapath.mtu,
    encapsulation: datapath.encapsulation,
    policy: datapath.policy,
    birdSockets: datapath.birdSockets ?? {},
    setupMs,
    pair: (between: Between, endpoint?: EndpointKind, via?: Via) => pairOf(lab, pods, between, endpoint, via === 'pod' ? undefined : via && { via, services }),
    pairs: (between: Between, endpoint: EndpointKind | undefined, count: number) => pairsOf(lab, pods, between, endpoint, count),
    describe: () => describeNetwork(spec, datapath, options.podsPerNode, components),
    runPolicy: (step: PolicyStep, id: string) => runLocalPolicy(network, step, id),
    [Symbol.asyncDispose]: dispose,
    abandon: async () => {
      if (disposed) return
      disposed = true
      for (const step of teardown.reverse()) await step().catch(() => undefined)
      await rm(workDir, { recursive: true, force: true })
    },
  }
  return network
}

/** The component versions a report names: the CNI plugins, and BIRD where the datapath runs it. */
function componentsOf({ cniPlugins, bird }: { cniPlugins?: string; bird?: string }, datapath: Datapath): Record<string, string> {
  return { ...cniPlugins ? { cniPlugins } : {}, ...bird && datapath.birdSockets && Object.keys(datapath.birdSockets).length ? { bird: `BIRD ${bird}` } : {} }
}

function describeNetwork(spec: NetworkSpec, datapath: Datapath, podsPerNode: number, components: Record<string, string>): Record<string, unknown> {
  return {
    cni: spec.cni,
    ...Object.keys(spec.options).length ? { options: spec.options } : {},
    mtu: datapath.mtu,
    encapsulation: describeEncapsulation(datapath.encapsulation),
    podsPerNode,
    policy: datapath.policy,
    ...datapath.describe,
    ...Object.keys(components).length ? { versions: components } : {},
  }
}

/** Bytes a full-size datagram of this network takes on the underlay's wire (its outer frame). */
export function fullFrameBytes(network: { mtu: number; encapsulation: Encapsulation }): number {
  const overhead = { none: 0, ipip: 20, vxlan: 50 }[network.encapsulation.kind]
  return Math.min(UNDERLAY_MTU, network.mtu + overhead) + 14
}

export function describeEncapsulation(encapsulation: Encapsulation): string {
  if (encapsulation.kind === 'none') return 'none (routed)'
  if (encapsulation.kind === 'ipip') return `ipip (${encapsulation.device ?? 'tunl0'})`
  return `vxlan (${encapsulation.device}, VNI ${encapsulation.vni}, UDP ${encapsulation.port})`
}

/** A Service path asked of a pair, and the Services the network built (none: it built none). */
export interface ServicePathRequest {
  via: Exclude<Via, 'pod'>
  services: LabServices | undefined
}

export function pairOf(lab: LocalLab, pods: readonly Pod[], between: Between, endpoint: EndpointKind | undefined, service?: ServicePathRequest): EndpointPair {
  if (service) return servicePair(lab, pods, between, endpoint, service)
  if (endpoint === 'host' || !pods.length) {
    if (between === 'same-node') {
      throw new NetbenchError('SUITE_INVALID', 'between: same-node between nodes measures a node with itself', { hint: 'use between: nodes or zones with endpoint: host' })
    }
    const [client, server] = pickNodePair(lab.nodes, between)
    return { client: client.endpoint, server: server.endpoint, shapers: pathShapers(lab, client.name, server.name) }
  }
  const [client, server] = pickPodPair(pods, between)
  return { client: client.endpoint, server: server.endpoint, shapers: pathShapers(lab, client.endpoint.node, server.endpoint.node) }
}

/** `count` pairs over distinct nodes (pods: the first pods of each node; same-node: two pods of one node). */
export function pairsOf(lab: LocalLab, pods: readonly Pod[], between: Between, endpoint: EndpointKind | undefined, count: number): EndpointPair[] {
  if (count === 1) return [pairOf(lab, pods, between, endpoint)]
  const host = endpoint === 'host' || !pods.length
  if (host && between === 'same-node') return [pairOf(lab, pods, between, endpoint)]
  const nodes = lab.nodes.filter((node) => host || pods.filter((pod) => pod.node.name === node.name).length >= (between === 'same-node' ? 2 : 1))
  const picked = disjointNodePairs(nodes, between, count)
  if (picked.length < count) {
    throw new NetbenchError('SUITE_INVALID', `${pairsNeed(between, count)}; the lab has ${nodes.length} that can take them`, { hint: `set cluster.nodes: ${nodesForPairs(between, count)} or pairs: ${picked.length}` })
  }
  const podOn = (node: LabNode, slot: number) => pods.filter((pod) => pod.node.name === node.name)[slot]!.endpoint
  return picked.map(([client, server]) => host
    ? { client: client.endpoint, server: server.endpoint, shapers: pathShapers(lab, client.name, server.name) }
    : { client: podOn(client, 0), server: podOn(server, between === 'same-node' ? 1 : 0), shapers: pathShapers(lab, client.name, server.name) })
}

/** A Service's backend with the endpoint probes run in: a pod, or a node of the host network. */
type Member = Backend & { endpoint: Endpoint }

const nodeMember = (node: LabNode): Member => ({ name: node.name, ip: node.ip, node, endpoint: node.endpoint })

/** The client and server a step of `between` measures: pods, or the nodes where there are none. */
function membersOf(lab: LocalLab, pods: readonly Pod[], between: Between): [Member, Member] {
  if (pods.length) return pickPodPair(pods, between)
  if (between === 'same-node') throw new NetbenchError('SUITE_INVALID', 'between: same-node between nodes measures a node with itself', { hint: 'use between: nodes or zones on the host network' })
  const [client, server] = pickNodePair(lab.nodes, between)
  return [nodeMember(client), nodeMember(server)]
}

/**
 * kube-proxy's Services for the servers any placement picks (a pod network's pods, or the host
 * network's nodes as hostNetwork pods): their own table, since host coexists with a pod network.
 */
export function installServicePaths(lab: LocalLab, pods: readonly Pod[], vias: ReadonlyArray<Exclude<Via, 'pod'>>): Promise<LabServices> {
  const servers = new Map<string, Member>()
  for (const between of BETWEEN) {
    try {
      const server = membersOf(lab, pods, between)[1]
      servers.set(server.name, server)
    } catch { /* a placement this lab cannot provide: no step measures it */ }
  }
  const slot: ServiceSlot = pods.length ? 'pods' : 'host'
  return installServices(lab, [...servers.values()], vias, slot)
}

/**
 * The pair of `between` reaching its server through a Service; hairpin: the server as its own
 * client. On a pod network the client is a pod (`endpoint: host` with a Service path is invalid).
 */
function servicePair(lab: LocalLab, pods: readonly Pod[], between: Between, endpoint: EndpointKind | undefined, request: ServicePathRequest): EndpointPair {
  if (pods.length && endpoint === 'host') throw new NetbenchError('SUITE_INVALID', `via: ${request.via} reaches a pod through a Service; endpoint: host measures the nodes`, { hint: 'remove via, or remove endpoint: host' })
  if (!request.services) {
    throw new NetbenchError('SERVICE_PATH_MISSING', `no Service path via ${request.via} was built`, { hint: 'the lab builds the Service paths the suite\'s steps name (cluster.vias); this is a netbench bug' })
  }
  const [client, server] = membersOf(lab, pods, between)
  const from = request.via === 'hairpin' ? server : client
  const route = request.services.route(request.via, from, server)
  return { client: from.endpoint, server: server.endpoint, service: route, shapers: pathShapers(lab, from.node.name, server.node.name) }
}
