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
import type { NetworkPolicy, PolicyStep } from '../../model.ts'
import { type PolicyPod } from '../../tools/connect/network-policy.ts'
import { policyVerdict } from '../../tools/connect/matrix.ts'
import { stepPhases, stepPolicyNames } from '../../tools/connect/phases.ts'
import type { RunningProcess } from '../../endpoint.ts'
import { CONTAINER, MANAGED_SELECTOR, RUN_LABEL } from './labels.ts'
import { endpointPodManifest, networkPolicyManifest, policyNamespaceManifest, policyNamespaceOf } from './manifests.ts'
import { currentOwner } from './owner.ts'
import type { KubeNode } from './placement.ts'
import { PodEndpoint } from './pod-endpoint.ts'
import { PYTHON_AGENT } from './policy-agent.ts'
import { startConnectServer } from '../../tools/connect/agent.ts'
import { deleteNamespace, waitNamespaceGone, type KubeTarget } from './cluster-client.ts'
import { cniSemantics, probePhases } from './policy-probe.ts'

export const POLICY_POD_LABEL = 'netbench.io/policy-pod'

export interface KubePolicyOptions {
  target: KubeTarget
  network: string
  runId: string
  podImage: string
  readyTimeoutMs: number
  deleteTimeoutMs: number
  /** The CNI as recognised: for the result's `enforcement`, and how it reads ipBlock (see cniSemantics). */
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

interface PolicyRun {
  options: KubePolicyOptions
  step: PolicyStep
  networking: NetworkingV1Api
  /** The cluster namespace of a step namespace. */
  kubeNamespace(name: string): string
  /** Cluster namespaces created so far, deleted at the end. */
  created: string[]
  servers: RunningProcess[]
}

const kubePod = (name: string) => `policy-${name}`

/** The step's namespaces: the ones it labels, its pods' and its policies'. */
async function createNamespaces(run: PolicyRun): Promise<void> {
  const { step, options } = run
  const owner = currentOwner()
  const names = [...new Set([...Object.keys(step.namespaces), ...step.pods.map((pod) => pod.namespace), ...step.policies.map((policy) => policy.metadata.namespace)])]
  for (const name of names) {
    const body = policyNamespaceManifest({ runId: options.runId, owner, name, labels: step.namespaces[name] ?? {}, kubeName: run.kubeNamespace(name) })
    await options.target.call(`creating namespace ${body.metadata!.name}`, () => options.target.core.createNamespace({ body }))
    run.created.push(body.metadata!.name!)
  }
}

async function createPods(run: PolicyRun, placement: ReadonlyMap<string, KubeNode>): Promise<void> {
  const { step, options } = run
  for (const pod of step.pods) {
    const body = endpointPodManifest({
      runId: options.runId, namespace: run.kubeNamespace(pod.namespace), labels: { ...pod.labels, [POLICY_POD_LABEL]: pod.name },
      name: kubePod(pod.name), network: options.network, node: placement.get(pod.name)!.name, image: options.podImage, hostNetwork: false,
    })
    // Named container ports, so policies naming a port resolve on the pod as on any cluster.
    const ports = Object.entries(pod.namedPorts).map(([name, port]) => ({ name, containerPort: port.port, protocol: port.protocol }))
    if (ports.length) body.spec!.containers[0]!.ports = ports
    await options.target.createPod(run.kubeNamespace(pod.namespace), body, `creating policy pod ${pod.name}`)
  }
}

/** Each pod once Ready, as an endpoint to exec the probe agent in. */
async function readyEndpoints(run: PolicyRun, placement: ReadonlyMap<string, KubeNode>): Promise<Map<string, PodEndpoint>> {
  const { step, options } = run
  const { target } = options
  const endpoints = new Map<string, PodEndpoint>()
  for (const name of new Set(step.pods.map((pod) => pod.namespace))) {
    const pods = step.pods.filter((pod) => pod.namespace === name)
    const ready = await target.waitPodsReady(run.kubeNamespace(name), `${MANAGED_SELECTOR},${RUN_LABEL}=${options.runId}`, pods.map((pod) => kubePod(pod.name)), options.readyTimeoutMs, 'the policy pods', options.signal)
    for (const pod of pods) {
      const node = placement.get(pod.name)!
      endpoints.set(pod.name, new PodEndpoint({
        name: kubePod(pod.name), label: `policy pod ${pod.name} on ${node.name}`, node: node.name, zone: node.zone ?? '-', ip: ready.get(kubePod(pod.name))!.ip, mtu: 1500,
        config: target.config, ref: { namespace: run.kubeNamespace(pod.namespace), pod: kubePod(pod.name), container: CONTAINER }, image: options.podImage,
      }))
    }
  }
  return endpoints
}

async function createPolicies(run: PolicyRun, policies: readonly NetworkPolicy[]): Promise<void> {
  for (const policy of policies) {
    const body = networkPolicyManifest(policy, run.kubeNamespace(policy.metadata.namespace), run.options.runId)
    await run.options.target.call(`creating NetworkPolicy ${policy.metadata.namespace}/${policy.metadata.name}`, () => run.networking.createNamespacedNetworkPolicy({ namespace: body.metadata!.namespace!, body }))
  }
}

/** The verdict, and what enforced it, with how long programming took (or that it never matched). */
function policyResult(run: PolicyRun, base: Pick<PolicyResult, 'id' | 'network' | 'stepIndex' | 'policies'>, endpoints: ReadonlyMap<string, PodEndpoint>, probed: { matrix: PolicyCell[]; refused: string | undefined; waitedMs: number }): PolicyResult {
  const { step, options } = run
  const pods = step.pods.map((pod) => ({ name: pod.name, endpoint: `${run.kubeNamespace(pod.namespace)}/${kubePod(pod.name)}`, ip: endpoints.get(pod.name)!.ip, namespace: pod.namespace, labels: pod.labels }))
  if (probed.refused) return { ...base, status: 'error', error: probed.refused, enforcement: null, pods, matrix: probed.matrix }
  const status = policyVerdict(probed.matrix)
  const waited = Math.round(probed.waitedMs / 1000)
  return {
    ...base, status, error: null,
    enforcement: status === 'unsupported' ? null : `NetworkPolicy objects (networking.k8s.io/v1) enforced by the cluster's CNI (${options.cni})${status === 'enforced' && waited ? `, as expected after ${waited} s of programming` : ''}${status === 'violated' ? `; still not as expected after ${waited} s` : ''}`,
    pods, matrix: probed.matrix,
  }
}

/** Probe servers stopped; deleting the step's namespaces takes its pods and NetworkPolicies along. */
async function cleanUp(run: PolicyRun): Promise<void> {
  const { target } = run.options
  await Promise.all(run.servers.map((server) => server.stop()))
  for (const name of run.created) await deleteNamespace(target.core, name, target.where)
  for (const name of run.created) await waitNamespaceGone(target.core, name, target.where, run.options.deleteTimeoutMs)
}

export async function runKubePolicy(options: KubePolicyOptions, step: PolicyStep, id: string): Promise<PolicyResult> {
  const { target } = options
  const base = { id, network: options.network, stepIndex: step.index, policies: stepPolicyNames(step) }
  // hostNetwork pods are not subject to NetworkPolicy, on any CNI.
  if (options.network === 'host') return { ...base, status: 'unsupported', error: null, enforcement: null, pods: [], matrix: [] }
  const kubeNamespace = (name: string) => policyNamespaceOf(target.namespace, step.index, name)
  const placement = placePolicyPods(step, await target.kubeNodes())
  const run: PolicyRun = { options, step, networking: target.config.makeApiClient(NetworkingV1Api), kubeNamespace, created: [], servers: [] }
  try {
    await createNamespaces(run)
    await createPods(run, placement)
    const endpoints = await readyEndpoints(run, placement)
    const pods: PolicyPod[] = step.pods.map((pod) => ({ name: pod.name, ip: endpoints.get(pod.name)!.ip, namespace: pod.namespace, labels: pod.labels, namedPorts: pod.namedPorts }))
    // `{pod}/N` ipBlocks are resolved now that the pods have addresses.
    const phases = stepPhases(step, pods)
    await createPolicies(run, phases[0]!.policies)
    run.servers.push(...await Promise.all(step.pods.map((pod) => startConnectServer(endpoints.get(pod.name)!, step.ports, PYTHON_AGENT))))
    const context = { step, endpoints, semantics: cniSemantics(options.cni), signal: options.signal, listening: new Map<string, boolean>() }
    const probed = await probePhases(phases, context, { target, networking: run.networking, runId: options.runId, kubeNamespace, kubePod })
    return policyResult(run, base, endpoints, probed)
  } finally {
    await cleanUp(run)
  }
}
