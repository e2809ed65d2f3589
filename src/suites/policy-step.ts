import type { NamedPort, NetworkPolicy, PolicyState, PolicyStep } from '../model.ts'
import { validateNetworkPolicy } from './policy-validate.ts'
import { defaultPolicyTypes } from '../tools/connect/network-policy.ts'
import type { NetworkPolicyInput, PolicyStepInput } from './schema.ts'
import type { PathSegment } from './validate.ts'
import { parseDuration } from '../units.ts'

type Fail = (path: PathSegment[], message: string, hint: string) => never

export const DEFAULT_POLICY_PORTS = { tcp: 8080, udp: 5353 } as const
const DEFAULT_PROBE_TIMEOUT_MS = 1000

/**
 * A policy step after validation: namespaces defaulted (`default`), namespace labels completed
 * with `kubernetes.io/metadata.name`, and what the schema cannot say checked with a pointed error.
 */
export function normalizePolicyStep(input: PolicyStepInput, index: number, capacity: { nodes: number; podsPerNode: number } | null, fail: Fail): PolicyStep {
  const path: PathSegment[] = ['steps', index, 'policy']
  const named = (ports: Record<string, { port: number; protocol?: 'TCP' | 'UDP' }> | undefined): Record<string, NamedPort> =>
    Object.fromEntries(Object.entries(ports ?? {}).map(([name, port]) => [name, { port: port.port, protocol: port.protocol ?? 'TCP' }]))
  const pods = Object.entries(input.pods).map(([name, pod]) => ({
    name,
    labels: { ...pod.labels ?? {} },
    namespace: pod.namespace ?? 'default',
    node: pod.node ?? null,
    namedPorts: { ...named(input.namedPorts), ...named(pod.namedPorts) },
  }))
  if (pods.length < 2) fail([...path, 'pods'], `a connectivity matrix needs at least 2 pods, the step has ${pods.length}`, 'add pods, e.g. client: { labels: { app: client } }')
  if (capacity) {
    if (pods.length > capacity.nodes * capacity.podsPerNode) {
      fail([...path, 'pods'], `${pods.length} pods do not fit on ${capacity.nodes} nodes × ${capacity.podsPerNode} pods`, 'raise cluster.pods or cluster.nodes')
    }
    for (const pod of pods) {
      if (pod.node !== null && Number(pod.node.slice(1)) > capacity.nodes) fail([...path, 'pods', pod.name, 'node'], `node '${pod.node}' does not exist: the cluster has n1…n${capacity.nodes}`, `use n1 to n${capacity.nodes}`)
    }
    for (let n = 1; n <= capacity.nodes; n++) {
      const pinned = pods.filter((pod) => pod.node === `n${n}`)
      if (pinned.length > capacity.podsPerNode) fail([...path, 'pods', pinned[capacity.podsPerNode]!.name, 'node'], `${pinned.length} pods pinned to n${n}, which runs ${capacity.podsPerNode}`, 'raise cluster.pods or pin fewer pods there')
    }
  }
  const podNames = new Set(pods.map((pod) => pod.name))
  const namespaceLabels = (labels: Record<string, Record<string, string>> | undefined, previous: Record<string, Record<string, string>>) => {
    const result: Record<string, Record<string, string>> = {}
    for (const name of Object.keys(previous)) result[name] = { ...labels?.[name] ?? previous[name], 'kubernetes.io/metadata.name': name }
    return result
  }
  const known = new Set([...pods.map((pod) => pod.namespace), ...Object.keys(input.namespaces ?? {}), 'default'])
  const namespaces = namespaceLabels(input.namespaces, Object.fromEntries([...known].map((name) => [name, {}])))
  const policies = normalizePolicies(input.policies, [...path, 'policies'], podNames, fail)
  let state: PolicyState = { policies, labels: Object.fromEntries(pods.map((pod) => [pod.name, pod.labels])), namespaces }
  const updates = (input.updates ?? []).map((update, u) => {
    const at: PathSegment[] = [...path, 'updates', u]
    for (const name of Object.keys(update.labels ?? {})) if (!podNames.has(name)) fail([...at, 'labels', name], `'${name}' is not a pod of this step`, `name one of ${[...podNames].join(', ')}`)
    for (const name of Object.keys(update.namespaces ?? {})) if (!known.has(name)) fail([...at, 'namespaces', name], `namespace '${name}' has no pod of this step`, 'update the labels of a namespace the step uses')
    state = {
      policies: update.policies ? normalizePolicies(update.policies, [...at, 'policies'], podNames, fail) : state.policies,
      labels: { ...state.labels, ...Object.fromEntries(Object.entries(update.labels ?? {}).map(([name, labels]) => [name, { ...labels }])) },
      namespaces: namespaceLabels(update.namespaces, state.namespaces),
    }
    return state
  })
  const list = (value: number | number[] | undefined, fallback: number) => value === undefined ? [fallback] : Array.isArray(value) ? [...value] : [value]
  const ports = { tcp: list(input.ports?.tcp, DEFAULT_POLICY_PORTS.tcp), udp: list(input.ports?.udp, DEFAULT_POLICY_PORTS.udp) }
  const probeTimeoutMs = input.probeTimeout === undefined ? DEFAULT_PROBE_TIMEOUT_MS : parseDuration(input.probeTimeout)!
  if (probeTimeoutMs < 50 || probeTimeoutMs > 30_000) fail([...path, 'probeTimeout'], `a probe timeout of ${probeTimeoutMs} ms is outside 50ms–30s`, 'write e.g. 500ms or 2s')
  return { kind: 'policy', index, pods, namespaces, policies, ports, probeTimeoutMs, updates }
}

/**
 * Policies validated as the API server does, namespace and policy types defaulted as it does (so
 * every target — the expected matrix, the lab, a real cluster — sees the same explicit types).
 */
function normalizePolicies(input: NetworkPolicyInput[], path: PathSegment[], pods: ReadonlySet<string>, fail: Fail): NetworkPolicy[] {
  const policies: NetworkPolicy[] = input.map((policy, i) => {
    validateNetworkPolicy(policy, [...path, i], pods, fail)
    const spec = structuredClone(policy.spec)
    return { metadata: { name: policy.metadata.name, namespace: policy.metadata.namespace ?? 'default' }, spec: { ...spec, policyTypes: defaultPolicyTypes(spec) } }
  })
  const names = policies.map((policy) => `${policy.metadata.namespace}/${policy.metadata.name}`)
  names.forEach((name, i) => { if (names.indexOf(name) !== i) fail([...path, i, 'metadata', 'name'], `policy ${name} is defined twice`, 'give each policy its own name') })
  return policies
}
