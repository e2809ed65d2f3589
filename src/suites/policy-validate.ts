/**
 * What the Kubernetes API server refuses in a NetworkPolicy (pkg/apis/networking/validation and
 * the label-selector validation of apimachinery), refused here before anything is provisioned, so
 * a suite cannot run a policy a real cluster would never accept. IPv4 only: the lab has no IPv6.
 */
import type { LabelSelector, NetworkPolicy, PolicyPeer, PolicyPort } from '../model.ts'
import type { PathSegment } from './validate.ts'
import { parseCidr, POD_CIDR } from '../tools/connect/network-policy.ts'

type Fail = (path: PathSegment[], message: string, hint: string) => never

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

function validateSelector(selector: LabelSelector, at: PathSegment[], fail: Fail): void {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!QUALIFIED_NAME.test(key) || key.length > 316) fail([...at, 'matchLabels', key], `'${key}' is not a valid label key`, 'use [prefix/]name, name up to 63 characters of A-Z a-z 0-9 - _ .')
    if (!LABEL_VALUE.test(value) || value.length > 63) fail([...at, 'matchLabels', key], `'${value}' is not a valid label value`, 'up to 63 characters of A-Z a-z 0-9 - _ ., starting and ending alphanumeric')
  }
  selector.matchExpressions?.forEach((requirement, r) => {
    const where = [...at, 'matchExpressions', r]
    if (!QUALIFIED_NAME.test(requirement.key)) fail([...where, 'key'], `'${requirement.key}' is not a valid label key`, 'use [prefix/]name')
    const values = requirement.values ?? []
    if ((requirement.operator === 'In' || requirement.operator === 'NotIn') && !values.length) fail([...where, 'values'], `operator ${requirement.operator} needs at least one value`, "give values: ['…']")
    if ((requirement.operator === 'Exists' || requirement.operator === 'DoesNotExist') && values.length) fail([...where, 'values'], `operator ${requirement.operator} takes no values`, 'remove values')
    values.forEach((value, v) => { if (!LABEL_VALUE.test(value) || value.length > 63) fail([...where, 'values', v], `'${value}' is not a valid label value`, 'up to 63 characters of A-Z a-z 0-9 - _ .') })
  })
}

/** A CIDR or `{pod}/N`: `{ pod, bits }` for a placeholder, the parsed network otherwise. */
function validateCidr(text: string, at: PathSegment[], pods: ReadonlySet<string>, fail: Fail): { pod: string; bits: number } | { base: number; bits: number } {
  const placeholder = POD_CIDR.exec(text)
  if (placeholder) {
    const [, pod, bits] = placeholder as unknown as [string, string, string]
    if (!pods.has(pod)) fail(at, `'{${pod}}' names no pod of this step`, `name one of ${[...pods].join(', ')}`)
    if (Number(bits) > 32) fail(at, `${text} has prefix length ${bits}, more than 32`, 'use a prefix length from 0 to 32')
    return { pod, bits: Number(bits) }
  }
  const parsed = parseCidr(text)
  if (typeof parsed === 'string') fail(at, `${text} ${parsed}`, 'write an IPv4 CIDR such as 198.19.0.0/16, or {pod}/32 for a pod of the step')
  return parsed
}

function validateIpBlock(block: NonNullable<PolicyPeer['ipBlock']>, at: PathSegment[], pods: ReadonlySet<string>, fail: Fail): void {
  const cidr = validateCidr(block.cidr, [...at, 'cidr'], pods, fail)
  block.except?.forEach((text, e) => {
    const where = [...at, 'except', e]
    const except = validateCidr(text, where, pods, fail)
    if ('pod' in cidr !== 'pod' in except || ('pod' in cidr && 'pod' in except && cidr.pod !== except.pod)) {
      fail(where, `${text} cannot be checked against cidr ${block.cidr} before the pods have addresses`, 'write cidr and except both as {pod}/N of one pod, or both as addresses')
    }
    const inside = 'base' in cidr && 'base' in except ? Math.floor(except.base / 2 ** (32 - cidr.bits)) * 2 ** (32 - cidr.bits) === cidr.base : true
    if (!inside || except.bits <= cidr.bits) fail(where, `${text} must be a strict subset of cidr ${block.cidr}`, 'give an except range inside cidr with a longer prefix')
  })
}

const PORT_NAME = /^(?!-)(?!.*--)[a-z0-9-]{1,15}(?<!-)$/

function validatePort(port: PolicyPort, at: PathSegment[], fail: Fail): void {
  if (typeof port.port === 'string') {
    if (!PORT_NAME.test(port.port) || !/[a-z]/.test(port.port)) fail([...at, 'port'], `'${port.port}' is not a valid port name`, 'up to 15 characters of a-z 0-9 -, with a letter, no leading, trailing or double hyphen')
    if (port.endPort !== undefined) fail([...at, 'endPort'], 'endPort may not be given when port is a name', 'give a numeric port, or drop endPort')
    return
  }
  if (port.endPort !== undefined && port.port === undefined) fail([...at, 'endPort'], 'endPort may not be given without port', 'write e.g. { port: 8000, endPort: 9000 }')
  if (port.endPort !== undefined && port.endPort < port.port!) fail([...at, 'endPort'], `endPort ${port.endPort} is less than port ${port.port}`, 'endPort must be greater than or equal to port')
}

function validatePeer(peer: PolicyPeer, at: PathSegment[], pods: ReadonlySet<string>, fail: Fail): void {
  if (!peer.podSelector && !peer.namespaceSelector && !peer.ipBlock) fail(at, 'an empty peer selects nothing', 'give podSelector, namespaceSelector or ipBlock')
  if (peer.ipBlock && (peer.podSelector || peer.namespaceSelector)) fail(at, 'ipBlock cannot be combined with a selector in one peer', 'write them as two peers')
  if (peer.podSelector) validateSelector(peer.podSelector, [...at, 'podSelector'], fail)
  if (peer.namespaceSelector) validateSelector(peer.namespaceSelector, [...at, 'namespaceSelector'], fail)
  if (peer.ipBlock) validateIpBlock(peer.ipBlock, [...at, 'ipBlock'], pods, fail)
}

/** Refuses what the API server refuses in one policy; `pods` are the step's pod names. */
export function validateNetworkPolicy(policy: Pick<NetworkPolicy, 'spec'> & { metadata: { name: string } }, where: PathSegment[], pods: ReadonlySet<string>, fail: Fail): void {
  const name = policy.metadata.name
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) fail([...where, 'metadata', 'name'], `'${name}' is not a valid object name`, 'lowercase letters, digits, - and ., starting and ending alphanumeric')
  validateSelector(policy.spec.podSelector, [...where, 'spec', 'podSelector'], fail)
  const rules = [
    ...(policy.spec.ingress ?? []).map((rule, r) => ({ peers: rule.from, ports: rule.ports, at: [...where, 'spec', 'ingress', r, 'from'] })),
    ...(policy.spec.egress ?? []).map((rule, r) => ({ peers: rule.to, ports: rule.ports, at: [...where, 'spec', 'egress', r, 'to'] })),
  ]
  for (const rule of rules) {
    rule.peers?.forEach((peer, p) => validatePeer(peer, [...rule.at, p], pods, fail))
    rule.ports?.forEach((port, p) => validatePort(port, [...rule.at.slice(0, -1), 'ports', p], fail))
  }
}
