import { NetbenchError } from '../../errors.ts'
import { run, runChecked } from '../../exec.ts'
import type { PolicyResult } from '../../results/policy.ts'
import type { NetworkPolicy, PolicyPeer, PolicyPort, PolicyStep } from '../../suites/model.ts'
import { probeFrom, startConnectServer } from '../../tools/connect/agent.ts'
import { selectingPolicies, type Direction, type PolicyPod } from '../../tools/connect/semantics.ts'
import { connectivityMatrix } from '../../tools/connect/matrix.ts'
import type { RunningProcess } from '../endpoint.ts'
import { EXEC_CONCURRENCY, mapLimit } from './concurrency.ts'
import type { LabNode } from './lab.ts'
import { prefix } from './names.ts'
import type { LocalNetwork } from './pod-network.ts'
import type { Pod } from './pods.ts'

/** A policy pod placed on a lab pod. */
export interface PlacedPod extends PolicyPod {
  pod: Pod
}

/**
 * Places the step's pods on the network's pods in suite order: a pinned pod takes the next free
 * pod of its node, the others go to the node with the fewest placed so far (spreading them).
 */
export function placePolicyPods(step: PolicyStep, pods: readonly Pod[]): PlacedPod[] {
  const free = new Map<string, Pod[]>()
  for (const pod of pods) free.set(pod.node.name, [...free.get(pod.node.name) ?? [], pod])
  const used = new Map<string, number>()
  const take = (node: string): Pod | undefined => {
    const pod = free.get(node)?.shift()
    if (pod) used.set(node, (used.get(node) ?? 0) + 1)
    return pod
  }
  const placed: PlacedPod[] = []
  const assign = (spec: PolicyStep['pods'][number], pod: Pod | undefined) => {
    if (!pod) throw new NetbenchError('SUITE_INVALID', `no free pod for policy pod '${spec.name}'${spec.node ? ` on ${spec.node}` : ''}`, { hint: 'raise cluster.pods or pin fewer pods to one node' })
    placed.push({ name: spec.name, ip: pod.ip, namespace: spec.namespace, labels: spec.labels, pod })
  }
  for (const spec of step.pods.filter((candidate) => candidate.node !== null)) assign(spec, take(spec.node!))
  for (const spec of step.pods.filter((candidate) => candidate.node === null)) {
    const node = [...free.keys()].filter((name) => free.get(name)!.length).sort((a, b) => (used.get(a) ?? 0) - (used.get(b) ?? 0))[0]
    assign(spec, node === undefined ? undefined : take(node))
  }
  return step.pods.map((spec) => placed.find((pod) => pod.name === spec.name)!)
}

const nftString = (text: string) => `"${text.replace(/[^A-Za-z0-9_.-]/g, '')}"`

function portMatch(port: PolicyPort, field: 'dport'): string {
  const protocol = (port.protocol ?? 'TCP').toLowerCase()
  if (port.port === undefined) return `meta l4proto ${protocol}`
  const range = port.endPort !== undefined && port.endPort !== port.port ? `${port.port}-${port.endPort}` : String(port.port)
  return `meta l4proto ${protocol} th ${field} ${range}`
}

/** nft match expressions for one peer (`ip saddr { … }`), or null when it matches no address. */
function peerMatch(peer: PolicyPeer, policy: NetworkPolicy, all: readonly PolicyPod[], namespaces: PolicyStep['namespaces'], field: 'saddr' | 'daddr'): string | null {
  if (peer.ipBlock) {
    const except = peer.ipBlock.except?.length ? ` ip ${field} != { ${peer.ipBlock.except.join(', ')} }` : ''
    return `ip ${field} ${peer.ipBlock.cidr}${except}`
  }
  const ips = all.filter((other) => {
    const namespaceOk = peer.namespaceSelector ? selectsNamespace(peer, namespaces, other.namespace) : other.namespace === policy.metadata.namespace
    const podOk = peer.podSelector ? selectsLabels(peer.podSelector, other.labels) : true
    return namespaceOk && podOk
  }).map((other) => other.ip)
  return ips.length ? `ip ${field} { ${ips.join(', ')} }` : null
}

function selectsLabels(selector: NonNullable<PolicyPeer['podSelector']>, labels: Record<string, string>): boolean {
  return selectingPolicies([{ metadata: { name: 'x', namespace: 'x' }, spec: { podSelector: selector, policyTypes: ['Ingress'] } }], { name: '', ip: '', namespace: 'x', labels }, 'Ingress').length > 0
}

function selectsNamespace(peer: PolicyPeer, namespaces: PolicyStep['namespaces'], namespace: string): boolean {
  return selectsLabels(peer.namespaceSelector!, namespaces[namespace] ?? { 'kubernetes.io/metadata.name': namespace })
}

/**
 * The rules of one isolated pod and direction, as Felix renders them per workload interface: one
 * `… accept|return` line per (peer, port) of every selecting policy's rules, then drop.
 */
function directionRules(pod: PlacedPod, direction: Direction, step: PolicyStep, all: readonly PolicyPod[]): string[] {
  const field = direction === 'Ingress' ? 'saddr' : 'daddr'
  const verdict = direction === 'Ingress' ? 'accept' : 'return'
  const lines: string[] = []
  for (const policy of selectingPolicies(step.policies, pod, direction)) {
    const rules = direction === 'Ingress'
      ? (policy.spec.ingress ?? []).map((rule) => ({ peers: rule.from, ports: rule.ports }))
      : (policy.spec.egress ?? []).map((rule) => ({ peers: rule.to, ports: rule.ports }))
    for (const rule of rules) {
      const peers = rule.peers?.length ? rule.peers.map((peer) => peerMatch(peer, policy, all, step.namespaces, field)) : ['']
      const ports = rule.ports?.length ? rule.ports.map((port) => portMatch(port, 'dport')) : ['']
      for (const peer of peers) {
        if (peer === null) continue
        for (const port of ports) lines.push(`${[peer, port].filter(Boolean).join(' ')} ${verdict} comment ${nftString(policy.metadata.name)}`.trim())
      }
    }
  }
  return [...lines, `drop comment "default deny"`]
}

export function policyTableName(runId: string): string {
  return `${prefix(runId)}-policy`
}

/**
 * The node's ruleset: stateful (replies of allowed connections pass), then per local isolated pod
 * a jump to its egress chain (traffic from the pod) and its ingress chain (traffic to it). Routed
 * datapaths select a pod by its host-side interface (cali…, veth…); a bridged one (weave) by its
 * address, its bridged traffic passing the inet hooks through br_netfilter as weave-npc needs.
 */
export function nodeRuleset(runId: string, node: LabNode, placed: readonly PlacedPod[], step: PolicyStep, all: readonly PolicyPod[], bridged: boolean): string | null {
  const local = placed.filter((pod) => pod.pod.node === node)
  const chains: string[] = []
  const jumps: string[] = []
  local.forEach((pod, i) => {
    for (const direction of ['Egress', 'Ingress'] as const) {
      if (!selectingPolicies(step.policies, pod, direction).length) continue
      const chain = `${direction === 'Ingress' ? 'to' : 'from'}_${i}`
      const select = bridged
        ? `ip ${direction === 'Ingress' ? 'daddr' : 'saddr'} ${pod.ip}`
        : `${direction === 'Ingress' ? 'oifname' : 'iifname'} ${nftString(pod.pod.hostInterface ?? '')}`
      jumps.push(`    ${select} jump ${chain} comment ${nftString(`${pod.name} ${direction.toLowerCase()}`)}`)
      chains.push(`  chain ${chain} {\n${directionRules(pod, direction, step, all).map((line) => `    ${line}`).join('\n')}\n  }`)
    }
  })
  if (!jumps.length) return null
  // Egress chains first: they return, so the destination's ingress chain still runs.
  jumps.sort((a, b) => Number(a.includes(' jump to_')) - Number(b.includes(' jump to_')))
  return [
    `table inet ${policyTableName(runId)} {`,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    '    ct state established,related accept',
    ...jumps,
    '  }',
    ...chains,
    '}',
    '',
  ].join('\n')
}

export const ENFORCEMENT = {
  routed: "nftables on the pods' host-side interfaces (per-pod chains, stateful, default deny for selected pods)",
  bridged: "nftables on the pods' addresses at the bridge (br_netfilter, as weave-npc), stateful, default deny for selected pods",
} as const

/**
 * Runs a policy step on a local network: places the labelled pods, programs nftables on every
 * node (when the network enforces policy), starts a probe server in every placed pod, probes the
 * TCP/UDP matrix from each and compares it with what the policies call for. Everything is
 * removed again before returning.
 */
export async function runLocalPolicy(network: LocalNetwork, step: PolicyStep, id: string): Promise<PolicyResult> {
  const base = { id, network: network.name, stepIndex: step.index, policies: step.policies.map((policy) => `${policy.metadata.namespace}/${policy.metadata.name}`) }
  if (!network.pods.length) {
    return { ...base, status: 'unsupported', error: null, enforcement: null, pods: [], matrix: [] }
  }
  const placed = placePolicyPods(step, network.pods)
  const placedIds = new Set(placed.map((pod) => pod.pod))
  // Pods of the network outside the step: in `default`, unlabelled (selectors can still match them).
  const all: PolicyPod[] = [...placed, ...network.pods.filter((pod) => !placedIds.has(pod)).map((pod) => ({ name: pod.name, ip: pod.ip, namespace: 'default', labels: {} }))]
  const enforce = network.policy === 'enforced'
  const bridged = network.cni === 'weave'
  const runId = network.lab.runId
  const programmed: LabNode[] = []
  const servers: RunningProcess[] = []
  try {
    if (enforce) {
      await mapLimit(network.lab.nodes, EXEC_CONCURRENCY, async (node) => {
        const ruleset = nodeRuleset(runId, node, placed, step, all, bridged)
        if (!ruleset) return
        if (bridged) await runChecked('ip', ['netns', 'exec', node.namespace, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1'], { what: `enabling br_netfilter on node ${node.name}` })
        programmed.push(node)
        await runChecked('ip', ['netns', 'exec', node.namespace, 'nft', '-f', '-'], { input: ruleset, what: `programming NetworkPolicy on node ${node.name}` })
      })
    }
    servers.push(...await Promise.all(placed.map((pod) => startConnectServer(pod.pod.endpoint, step.ports))))
    const observed = await Promise.all(placed.map(async (from) => ({
      from,
      results: await probeFrom(from.pod.endpoint, placed.filter((to) => to !== from).map((to) => ({ name: to.name, ip: to.ip })), step.ports),
    })))
    const { matrix, refused } = connectivityMatrix(observed, placed, step)
    const pods = placed.map((pod) => ({ name: pod.name, endpoint: pod.pod.name, ip: pod.ip, namespace: pod.namespace, labels: pod.labels }))
    if (refused) return { ...base, status: 'error', error: refused, enforcement: null, pods, matrix }
    const status = !enforce ? 'unsupported' : matrix.every((cell) => cell.observed === cell.expected) ? 'enforced' : 'violated'
    return { ...base, status, error: null, enforcement: enforce ? ENFORCEMENT[bridged ? 'bridged' : 'routed'] : null, pods, matrix }
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
    await mapLimit(programmed, EXEC_CONCURRENCY, async (node) => {
      await run('ip', ['netns', 'exec', node.namespace, 'nft', 'delete', 'table', 'inet', policyTableName(runId)])
      if (bridged) await run('ip', ['netns', 'exec', node.namespace, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=0'])
    })
  }
}
