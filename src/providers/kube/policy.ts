/**
 * A policy step on a real cluster: the step's namespaces and labelled pods are created (in
 * namespaces of the run), its NetworkPolicies become real networking.k8s.io/v1 objects, and the
 * same TCP/UDP connectivity matrix as in the lab is probed between the pods. The cluster's CNI
 * enforces (or ignores) the policies; netbench only compares what it sees with what the policies
 * call for. Everything the step created is deleted before the next step.
 */
import { NetworkingV1Api } from '@kubernetes/client-node'
import { NetbenchError } from '../../errors.ts'
import type { PolicyCell, PolicyResult } from '../../results/policy.ts'
import type { PolicyStep } from '../../model.ts'
import { type PolicyPod } from '../../tools/connect/network-policy.ts'
import { connectivityMatrix, policyVerdict } from '../../tools/connect/matrix.ts'
import { stepPhases, stepPolicyNames, type PhaseView } from '../../tools/connect/phases.ts'
import type { RunningProcess } from '../../endpoint.ts'
import { CONTAINER, MANAGED_SELECTOR, RUN_LABEL } from './labels.ts'
import { endpointPodManifest, networkPolicyManifest, policyNamespaceManifest, policyNamespaceOf } from './manifests.ts'
import { currentOwner } from './owner.ts'
import type { KubeNode } from './placement.ts'
import { PodEndpoint } from './pod-endpoint.ts'
import { PYTHON_AGENT } from './policy-agent.ts'
import { probeFrom, startConnectServer, type ProbePorts, type ProbeResult } from '../../tools/connect/agent.ts'
import { deleteNamespace, waitNamespaceGone, type KubeTarget } from './cluster-client.ts'
import { applyPolicyUpdate } from './policy-update.ts'

export const POLICY_POD_LABEL = 'netbench.io/policy-pod'
/**
 * CNIs program policies asynchronously (Cilium and the AWS network policy agent can take tens of
 * seconds): probe again while the matrix does not match yet, up to this long, and say how long.
 * Mutable so tests can shorten it.
 */
export const policyProgramming = { timeoutMs: 30_000 }
const SETTLE_MS = 1000

export interface KubePolicyOptions {
  target: KubeTarget
  network: string
  runId: string
  podImage: string
  readyTimeoutMs: number
  deleteTimeoutMs: number
  /** The CNI as recognised, for the result's `enforcement`. */
  cni: string
  signal?: AbortSignal
}

/** Which node each policy pod goes to: `nK` is the K-th schedulable node, the rest are spread. */
export function placePolicyPods(step: PolicyStep, nodes: readonly KubeNode[]): Map<string, KubeNode> {
  const usable = nodes.filter((node) => node.unusable === null).sort((a, b) => (a.zone ?? '').localeCompare(b.zone ?? '') || a.name.localeCompare(b.name))
  if (!usable.length) throw new NetbenchError('PROVIDER', 'no schedulable node for the policy pods', { hint: 'uncordon a node or wait until nodes are Ready' })
  const placed = new Map<string, KubeNode>()
  const used = new Map<string, number>()
  for (const pod of step.pods.filter((candidate) => candidate.node !== null)) {
    const node = usable[Number(pod.node!.slice(1)) - 1]
    if (!node) throw new NetbenchError('SUITE_INVALID', `policy pod '${pod.name}' is pinned to ${pod.node}, but the cluster has ${usable.length} schedulable node(s)`, { hint: `on kube, nK is the K-th schedulable node (${usable.map((entry) => entry.name).join(', ')})` })
    placed.set(pod.name, node)
    used.set(node.name, (used.get(node.name) ?? 0) + 1)
  }
  for (const pod of step.pods.filter((candidate) => candidate.node === null)) {
    const node = [...usable].sort((a, b) => (used.get(a.name) ?? 0) - (used.get(b.name) ?? 0))[0]!
    placed.set(pod.name, node)
    used.set(node.name, (used.get(node.name) ?? 0) + 1)
  }
  return placed
}

/**
 * A policy engine that REJECTs (kube-router, as k3s runs it; Calico `action: Reject`) refuses a TCP
 * connection exactly as a port nobody listens on. A target whose server answers a probe from its
 * own pod (traffic no NetworkPolicy applies to) is listening: its refusal was the network's, a block.
 */
async function rejectsAsBlocked(observed: Array<{ from: PolicyPod; results: ProbeResult[] }>, endpoints: ReadonlyMap<string, PodEndpoint>, ports: ProbePorts, listening: Map<string, boolean>) {
  for (const { results } of observed) {
    for (const result of results) {
      for (const [port, outcome] of Object.entries(result.tcp)) {
        if (outcome !== 'refused') continue
        if (!listening.has(`${result.name}:${port}`)) {
          const target = endpoints.get(result.name)!
          const [self] = await probeFrom(target, [{ name: result.name, ip: target.ip }], ports, PYTHON_AGENT)
          for (const [selfPort, selfOutcome] of Object.entries(self?.tcp ?? {})) listening.set(`${result.name}:${selfPort}`, selfOutcome === 'allowed')
        }
        if (listening.get(`${result.name}:${port}`)) result.tcp[port] = 'blocked'
      }
    }
  }
  return observed
}

interface PhaseOutcome { matrix: PolicyCell[]; refused: string | undefined; waitedMs: number }

/** One phase's matrix, probed again while it does not match yet, up to the programming timeout. */
async function probePhase(view: PhaseView<PolicyPod>, step: PolicyStep, endpoints: ReadonlyMap<string, PodEndpoint>, listening: Map<string, boolean>, signal: AbortSignal | undefined): Promise<PhaseOutcome> {
  const started = Date.now()
  for (let round = 0; ; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
    signal?.throwIfAborted()
    const observed = await Promise.all(view.pods.map(async (from) => ({
      from,
      results: await probeFrom(endpoints.get(from.name)!, view.pods.filter((to) => to !== from).map((to) => ({ name: to.name, ip: to.ip })), step.ports, PYTHON_AGENT, step.probeTimeoutMs),
    })))
    const result = connectivityMatrix(await rejectsAsBlocked(observed, endpoints, step.ports, listening), view, step.ports)
    const waitedMs = Date.now() - started
    if (result.refused || policyVerdict(result.matrix) === 'enforced' || waitedMs >= policyProgramming.timeoutMs) return { ...result, waitedMs }
  }
}

/** Waits until the step's pods are ready, namespace by namespace; each as an endpoint by its name. */
async function readyPolicyEndpoints(options: KubePolicyOptions, step: PolicyStep, namespaces: readonly string[], placement: Map<string, KubeNode>, kubeNamespace: (name: string) => string): Promise<Map<string, PodEndpoint>> {
  const { target } = options
  const endpoints = new Map<string, PodEndpoint>()
  for (const name of namespaces) {
    const pods = step.pods.filter((pod) => pod.namespace === name)
    if (!pods.length) continue
    const ready = await target.waitPodsReady(kubeNamespace(name), `${MANAGED_SELECTOR},${RUN_LABEL}=${options.runId}`, pods.map((pod) => `policy-${pod.name}`), options.readyTimeoutMs, 'the policy pods', options.signal)
    for (const pod of pods) {
      const live = ready.get(`policy-${pod.name}`)!
      const node = placement.get(pod.name)!
      endpoints.set(pod.name, new PodEndpoint({
        name: `policy-${pod.name}`, label: `policy pod ${pod.name} on ${node.name}`, node: node.name, zone: node.zone ?? '-', ip: live.ip, mtu: 1500,
        config: target.config, ref: { namespace: kubeNamespace(pod.namespace), pod: `policy-${pod.name}`, container: CONTAINER }, image: options.podImage,
      }))
    }
  }
  return endpoints
}

export async function runKubePolicy(options: KubePolicyOptions, step: PolicyStep, id: string): Promise<PolicyResult> {
  const { target } = options
  const base = { id, network: options.network, stepIndex: step.index, policies: stepPolicyNames(step) }
  if (options.network === 'host') {
    // hostNetwork pods are not subject to NetworkPolicy, on any CNI.
    return { ...base, status: 'unsupported', error: null, enforcement: null, pods: [], matrix: [] }
  }
  const kubeNamespace = (name: string) => policyNamespaceOf(target.namespace, step.index, name)
  const namespaces = [...new Set([...Object.keys(step.namespaces), ...step.pods.map((pod) => pod.namespace), ...step.policies.map((policy) => policy.metadata.namespace)])]
  const placement = placePolicyPods(step, await target.kubeNodes())
  const owner = currentOwner()
  const created: string[] = []
  const servers: RunningProcess[] = []
  const networking = target.config.makeApiClient(NetworkingV1Api)
  try {
    for (const name of namespaces) {
      const body = policyNamespaceManifest({ runId: options.runId, owner, name, labels: step.namespaces[name] ?? {}, kubeName: kubeNamespace(name) })
      await target.call(`creating namespace ${body.metadata!.name}`, () => target.core.createNamespace({ body }))
      created.push(body.metadata!.name!)
    }
    for (const pod of step.pods) {
      const body = endpointPodManifest({
        runId: options.runId, namespace: kubeNamespace(pod.namespace), labels: { ...pod.labels, [POLICY_POD_LABEL]: pod.name },
        name: `policy-${pod.name}`, network: options.network, node: placement.get(pod.name)!.name, image: options.podImage, hostNetwork: false,
      })
      // Named container ports, so policies naming a port resolve on the pod as on any cluster.
      const ports = Object.entries(pod.namedPorts).map(([name, port]) => ({ name, containerPort: port.port, protocol: port.protocol }))
      if (ports.length) body.spec!.containers[0]!.ports = ports
      await target.createPod(kubeNamespace(pod.namespace), body, `creating policy pod ${pod.name}`)
    }
    const endpoints = await readyPolicyEndpoints(options, step, namespaces, placement, kubeNamespace)
    const pods: PolicyPod[] = step.pods.map((pod) => ({ name: pod.name, ip: endpoints.get(pod.name)!.ip, namespace: pod.namespace, labels: pod.labels, namedPorts: pod.namedPorts }))
    // `{pod}/N` ipBlocks are resolved now that the pods have addresses.
    const phases = stepPhases(step, pods)
    for (const policy of phases[0]!.policies) {
      const body = networkPolicyManifest(policy, kubeNamespace(policy.metadata.namespace), options.runId)
      await target.call(`creating NetworkPolicy ${policy.metadata.namespace}/${policy.metadata.name}`, () => networking.createNamespacedNetworkPolicy({ namespace: body.metadata!.namespace!, body }))
    }
    servers.push(...await Promise.all(step.pods.map((pod) => startConnectServer(endpoints.get(pod.name)!, step.ports, PYTHON_AGENT))))
    const matrix: PolicyCell[] = []
    let refused: string | undefined
    let waitedMs = 0
    const listening = new Map<string, boolean>()
    const update = { target, networking, runId: options.runId, kubeNamespace, kubePod: (name: string) => `policy-${name}` }
    for (const view of phases) {
      if (view.phase > 0) await applyPolicyUpdate(update, phases[view.phase - 1]!, view)
      const phase = await probePhase(view, step, endpoints, listening, options.signal)
      matrix.push(...phase.matrix)
      waitedMs += phase.waitedMs
      refused = phase.refused
      if (refused) break
    }
    const described = step.pods.map((pod) => ({ name: pod.name, endpoint: `${kubeNamespace(pod.namespace)}/policy-${pod.name}`, ip: endpoints.get(pod.name)!.ip, namespace: pod.namespace, labels: pod.labels }))
    if (refused) return { ...base, status: 'error', error: refused, enforcement: null, pods: described, matrix }
    const status = policyVerdict(matrix)
    const waited = Math.round(waitedMs / 1000)
    return {
      ...base, status, error: null,
      enforcement: status === 'unsupported' ? null : `NetworkPolicy objects (networking.k8s.io/v1) enforced by the cluster's CNI (${options.cni})${status === 'enforced' && waited ? `, as expected after ${waited} s of programming` : ''}${status === 'violated' ? `; still not as expected after ${waited} s` : ''}`,
      pods: described, matrix,
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
    // Deleting the step's namespaces takes its pods and NetworkPolicies along.
    for (const name of created) await deleteNamespace(target.core, name, target.where)
    for (const name of created) await waitNamespaceGone(target.core, name, target.where, options.deleteTimeoutMs)
  }
}
