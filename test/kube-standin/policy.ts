/**
 * The stand-in's "CNI" for NetworkPolicy: every pod's IP is 127.0.0.1 here, so packets cannot be
 * filtered; instead the stand-in answers netbench's connectivity probe itself, from the
 * NetworkPolicy objects stored in it. Written independently of netbench's own policy semantics
 * (src/tools/connect/network-policy.ts) so a test compares two implementations, not one with itself.
 *
 * Modes: `enforce` (a CNI that implements NetworkPolicy), `ignore` (flannel: everything gets
 * through), `tcp-only` (a broken CNI that forgets UDP), `cilium` (enforces, but as Cilium an
 * ipBlock never selects a pod: its CIDR rules skip traffic between endpoints it manages, and here
 * every pod is one).
 */
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

export type PolicyEnforcement = 'enforce' | 'ignore' | 'tcp-only' | 'cilium'

export interface StandInPod {
  namespace: string
  labels: Record<string, string>
  containerPorts?: Array<{ name?: string; containerPort: number; protocol?: string }>
}

/** What the API server's defaulting does on create and update: an empty or missing policyTypes. */
export function defaultPolicy(body: Json): Json {
  const spec = body.spec ?? {}
  if (spec.policyTypes?.length) return body
  return { ...body, spec: { ...spec, policyTypes: spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'] } }
}

/** A JSON patch of an object's labels (add, replace, remove), as a policy step's update sends. */
export function patchLabels(object: Json, body: Json, contentType: string): Json {
  if (!contentType.includes('json-patch')) throw Object.assign(new Error(`the stand-in only applies application/json-patch+json, got ${contentType}`), { status: 415 })
  const labels: Record<string, string> = { ...object.metadata.labels }
  for (const op of body as unknown as Array<{ op: string; path: string; value?: string }>) {
    const match = /^\/metadata\/labels\/(.+)$/.exec(op.path)
    if (!match || !['add', 'replace', 'remove'].includes(op.op)) throw Object.assign(new Error(`the stand-in cannot apply ${op.op} ${op.path}`), { status: 422 })
    const key = match[1]!.replace(/~1/g, '/').replace(/~0/g, '~')
    if (op.op === 'remove') delete labels[key]
    else labels[key] = String(op.value)
  }
  object.metadata.labels = labels
  return object
}

function matches(selector: Json | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true
  for (const [key, value] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>)) if (labels[key] !== value) return false
  for (const expression of (selector.matchExpressions ?? []) as Array<{ key: string; operator: string; values?: string[] }>) {
    const present = expression.key in labels
    const inValues = (expression.values ?? []).includes(labels[expression.key] ?? '')
    if (expression.operator === 'In' && !(present && inValues)) return false
    if (expression.operator === 'NotIn' && present && inValues) return false
    if (expression.operator === 'Exists' && !present) return false
    if (expression.operator === 'DoesNotExist' && present) return false
  }
  return true
}

function types(policy: Json): string[] {
  return defaultPolicy(policy).spec.policyTypes as string[]
}

function peerAllows(mode: PolicyEnforcement, peer: Json, policyNamespace: string, other: StandInPod, namespaceLabels: (name: string) => Record<string, string>): boolean {
  if (peer.ipBlock && mode === 'cilium') return false
  // Every pod IP is 127.0.0.1 in the stand-in.
  if (peer.ipBlock) {
    const [base, bits] = String(peer.ipBlock.cidr).split('/')
    return Number(bits) === 0 || (base!.startsWith('127.') && Number(bits) <= 8) || base === '127.0.0.1'
  }
  const namespaceOk = peer.namespaceSelector ? matches(peer.namespaceSelector, namespaceLabels(other.namespace)) : other.namespace === policyNamespace
  return namespaceOk && matches(peer.podSelector, other.labels)
}

/** A named port is the destination pod's container port of that name (and protocol). */
function portAllows(ports: Json[] | undefined, protocol: string, port: number, destination: StandInPod): boolean {
  if (!ports?.length) return true
  return ports.some((entry) => {
    if ((entry.protocol ?? 'TCP') !== protocol.toUpperCase()) return false
    if (entry.port === undefined) return true
    if (typeof entry.port === 'string') return (destination.containerPorts ?? []).some((named) => named.name === entry.port && named.containerPort === port && (named.protocol ?? 'TCP') === protocol.toUpperCase())
    return port >= entry.port && port <= (entry.endPort ?? entry.port)
  })
}

/** One side of a connection: isolated pods only let through what a rule of a selecting policy allows. */
function sideAllows(mode: PolicyEnforcement, policies: Json[], pod: StandInPod, other: StandInPod, direction: 'Ingress' | 'Egress', protocol: string, port: number, namespaceLabels: (name: string) => Record<string, string>): boolean {
  const selecting = policies.filter((policy) => policy.metadata.namespace === pod.namespace && types(policy).includes(direction) && matches(policy.spec.podSelector, pod.labels))
  if (!selecting.length) return true
  for (const policy of selecting) {
    const rules = (direction === 'Ingress' ? policy.spec.ingress : policy.spec.egress) as Json[] | undefined
    for (const rule of rules ?? []) {
      const peers = (direction === 'Ingress' ? rule.from : rule.to) as Json[] | undefined
      const peerOk = !peers?.length || peers.some((peer) => peerAllows(mode, peer, policy.metadata.namespace, other, namespaceLabels))
      if (peerOk && portAllows(rule.ports, protocol, port, direction === 'Ingress' ? pod : other)) return true
    }
  }
  return false
}

export function standInAllows(mode: PolicyEnforcement, policies: Json[], from: StandInPod, to: StandInPod, protocol: 'tcp' | 'udp', port: number, namespaceLabels: (name: string) => Record<string, string>): boolean {
  if (mode === 'ignore' || (mode === 'tcp-only' && protocol === 'udp')) return true
  return sideAllows(mode, policies, from, to, 'Egress', protocol, port, namespaceLabels) && sideAllows(mode, policies, to, from, 'Ingress', protocol, port, namespaceLabels)
}
