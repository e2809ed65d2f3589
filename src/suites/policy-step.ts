import type { NetworkPolicy, PolicyStep } from './model.ts'
import type { PolicyStepInput } from './schema.ts'
import type { PathSegment } from './validate.ts'

type Fail = (path: PathSegment[], message: string, hint: string) => never

export const DEFAULT_POLICY_PORTS = { tcp: 8080, udp: 5353 } as const

/**
 * A policy step after validation: namespaces defaulted (`default`), namespace labels completed
 * with `kubernetes.io/metadata.name`, and what the schema cannot say checked with a pointed error.
 */
export function normalizePolicyStep(input: PolicyStepInput, index: number, capacity: { nodes: number; podsPerNode: number } | null, fail: Fail): PolicyStep {
  const path: PathSegment[] = ['steps', index, 'policy']
  const pods = Object.entries(input.pods).map(([name, pod]) => ({
    name,
    labels: { ...pod.labels ?? {} },
    namespace: pod.namespace ?? 'default',
    node: pod.node ?? null,
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
  const namespaces: Record<string, Record<string, string>> = {}
  const known = new Set([...pods.map((pod) => pod.namespace), ...Object.keys(input.namespaces ?? {}), 'default'])
  for (const name of known) namespaces[name] = { ...input.namespaces?.[name] ?? {}, 'kubernetes.io/metadata.name': name }
  const policies: NetworkPolicy[] = input.policies.map((policy, i) => {
    const where: PathSegment[] = [...path, 'policies', i]
    const spec = policy.spec
    const rules = [...(spec.ingress ?? []).map((rule, r) => ({ peers: rule.from, ports: rule.ports, at: [...where, 'spec', 'ingress', r] })),
      ...(spec.egress ?? []).map((rule, r) => ({ peers: rule.to, ports: rule.ports, at: [...where, 'spec', 'egress', r] }))]
    for (const rule of rules) {
      rule.peers?.forEach((peer, p) => {
        if (!peer.podSelector && !peer.namespaceSelector && !peer.ipBlock) fail([...rule.at, p], 'an empty peer selects nothing', 'give podSelector, namespaceSelector or ipBlock')
        if (peer.ipBlock && (peer.podSelector || peer.namespaceSelector)) fail([...rule.at, p], 'ipBlock cannot be combined with a selector in one peer', 'write them as two peers')
      })
      rule.ports?.forEach((port, p) => {
        if (port.endPort !== undefined && (port.port === undefined || port.endPort < port.port)) fail([...rule.at, 'ports', p, 'endPort'], 'endPort needs a port no greater than it', 'write e.g. { port: 8000, endPort: 9000 }')
      })
    }
    return { metadata: { name: policy.metadata.name, namespace: policy.metadata.namespace ?? 'default' }, spec: structuredClone(spec) }
  })
  const names = policies.map((policy) => `${policy.metadata.namespace}/${policy.metadata.name}`)
  names.forEach((name, i) => { if (names.indexOf(name) !== i) fail([...path, 'policies', i, 'metadata', 'name'], `policy ${name} is defined twice`, 'give each policy its own name') })
  const ports = { tcp: input.ports?.tcp ?? DEFAULT_POLICY_PORTS.tcp, udp: input.ports?.udp ?? DEFAULT_POLICY_PORTS.udp }
  return { kind: 'policy', index, pods, namespaces, policies, ports }
}
