/**
 * Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), for the connectivity matrix a policy
 * step expects: a pod selected by any policy with an Ingress (Egress) type is isolated in that
 * direction, and then only what some rule of a selecting policy allows gets through; a connection
 * needs both the source's egress and the destination's ingress to allow it. Replies of allowed
 * connections always pass (policies are stateful). Also what suite validation and the lab's
 * enforcement share: policy-type defaulting and IPv4 CIDRs.
 */
import type { LabelSelector, NamedPort, NetworkPolicy, PolicyPeer, PolicyPort } from '../../model.ts'

export interface PolicyPod {
  name: string
  ip: string
  namespace: string
  labels: Record<string, string>
  /** Named container ports (a policy port given by name resolves on the destination pod). */
  namedPorts?: Record<string, NamedPort>
}

export type Direction = 'Ingress' | 'Egress'

/** How a CNI reads what the API leaves to it. */
export interface SemanticsOptions {
  /**
   * Whether an ipBlock selects pods of the cluster by their IPs (default true, as upstream's e2e
   * tests expect). Cilium applies ipBlock only to traffic from or to outside the cluster: false.
   */
  ipBlockSelectsPods?: boolean
}
export type Protocol = 'tcp' | 'udp'

/** `{pod}/N`: a pod of the step by its address, masked to N bits. */
export const POD_CIDR = /^\{([a-z][a-z0-9-]*)\}\/(\d{1,2})$/
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/

/** An IPv4 CIDR as [network as a number, prefix bits], or a reason it is not one. */
export function parseCidr(text: string): { base: number; bits: number } | string {
  const match = IPV4_CIDR.exec(text)
  if (!match) return 'is not an IPv4 CIDR (a.b.c.d/n)'
  const octets = match.slice(1, 5).map(Number)
  if (octets.some((octet, i) => octet > 255 || (match[i + 1]!.length > 1 && match[i + 1]!.startsWith('0')))) return 'has an octet outside 0–255 (or with a leading zero)'
  const bits = Number(match[5])
  if (bits > 32) return `has prefix length ${bits}, more than 32`
  const size = 2 ** (32 - bits)
  const value = octets.reduce((sum, octet) => sum * 256 + octet, 0)
  return { base: Math.floor(value / size) * size, bits }
}

/**
 * Policy types as the API server defaults them (SetDefaults_NetworkPolicy): a missing or empty
 * list becomes Ingress, plus Egress when the policy has egress rules.
 */
export function defaultPolicyTypes(spec: NetworkPolicy['spec']): Array<'Ingress' | 'Egress'> {
  if (spec.policyTypes?.length) return [...spec.policyTypes]
  return spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress']
}

export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false
  for (const requirement of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, requirement.key)
    const value = labels[requirement.key]
    const values = requirement.values ?? []
    switch (requirement.operator) {
      case 'In': if (!has || !values.includes(value!)) return false; break
      case 'NotIn': if (has && values.includes(value!)) return false; break
      case 'Exists': if (!has) return false; break
      case 'DoesNotExist': if (has) return false; break
      default: return false
    }
  }
  return true
}

/** Policy types as Kubernetes defaults a missing or empty list: Ingress, Egress when there are egress rules. */
export function policyTypes(policy: NetworkPolicy): Direction[] {
  return defaultPolicyTypes(policy.spec)
}

export function selectingPolicies(policies: readonly NetworkPolicy[], pod: PolicyPod, direction: Direction): NetworkPolicy[] {
  return policies.filter((policy) => policy.metadata.namespace === pod.namespace && policyTypes(policy).includes(direction) && selects(policy.spec.podSelector, pod.labels))
}

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0)
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split('/')
  const size = 2 ** (32 - Number(bits))
  const start = Math.floor(ipToNumber(base!) / size) * size
  const value = ipToNumber(ip)
  return value >= start && value < start + size
}

export function peerMatches(peer: PolicyPeer, policyNamespace: string, other: PolicyPod, namespaceLabels: Record<string, Record<string, string>>, options: SemanticsOptions = {}): boolean {
  if (peer.ipBlock) return options.ipBlockSelectsPods !== false && cidrContains(peer.ipBlock.cidr, other.ip) && !(peer.ipBlock.except ?? []).some((cidr) => cidrContains(cidr, other.ip))
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels[other.namespace] ?? { 'kubernetes.io/metadata.name': other.namespace })
    : other.namespace === policyNamespace
  const podOk = peer.podSelector ? selects(peer.podSelector, other.labels) : true
  return namespaceOk && podOk && (peer.namespaceSelector !== undefined || peer.podSelector !== undefined)
}

/**
 * Whether a rule's ports admit `protocol`/`port` on `destination`: a named port is the destination
 * pod's container port of that name and protocol (no such port: no match).
 */
export function portMatches(ports: readonly PolicyPort[] | undefined, protocol: Protocol, port: number, destination: Pick<PolicyPod, 'namedPorts'>): boolean {
  if (!ports?.length) return true
  return ports.some((entry) => {
    if ((entry.protocol ?? 'TCP').toLowerCase() !== protocol) return false
    if (entry.port === undefined) return true
    if (typeof entry.port === 'string') {
      const named = destination.namedPorts?.[entry.port]
      return named !== undefined && named.protocol.toLowerCase() === protocol && named.port === port
    }
    return port >= entry.port && port <= (entry.endPort ?? entry.port)
  })
}

/** Whether `pod` lets traffic in from (Ingress) or out to (Egress) `other`. */
export function directionAllows(policies: readonly NetworkPolicy[], pod: PolicyPod, other: PolicyPod, direction: Direction, protocol: Protocol, port: number, namespaceLabels: Record<string, Record<string, string>>, options: SemanticsOptions = {}): boolean {
  const selecting = selectingPolicies(policies, pod, direction)
  if (!selecting.length) return true
  return selecting.some((policy) => {
    const rules = direction === 'Ingress'
      ? (policy.spec.ingress ?? []).map((rule) => ({ peers: rule.from, ports: rule.ports }))
      : (policy.spec.egress ?? []).map((rule) => ({ peers: rule.to, ports: rule.ports }))
    const destination = direction === 'Ingress' ? pod : other
    return rules.some((rule) => (!rule.peers?.length || rule.peers.some((peer) => peerMatches(peer, policy.metadata.namespace, other, namespaceLabels, options))) && portMatches(rule.ports, protocol, port, destination))
  })
}

export function connectionAllowed(policies: readonly NetworkPolicy[], from: PolicyPod, to: PolicyPod, protocol: Protocol, port: number, namespaceLabels: Record<string, Record<string, string>>, options: SemanticsOptions = {}): boolean {
  return directionAllows(policies, from, to, 'Egress', protocol, port, namespaceLabels, options) && directionAllows(policies, to, from, 'Ingress', protocol, port, namespaceLabels, options)
}
