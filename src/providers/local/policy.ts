import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NetbenchError } from '../../errors.ts'
import { run, runChecked } from '../../exec.ts'
import type { PolicyCell, PolicyResult } from '../../results/policy.ts'
import type { NetworkPolicy, PolicyPeer, PolicyPort, PolicyStep } from '../../model.ts'
import { probeThrough, startConnectServer } from '../../tools/connect/agent.ts'
import { parseCidr } from '../../tools/connect/network-policy.ts'
import { selectingPolicies, selects, type Direction, type PolicyPod } from '../../tools/connect/network-policy.ts'
import { connectivityMatrix, policyVerdict } from '../../tools/connect/matrix.ts'
import { stepPhases, stepPolicyNames, type PhaseView } from '../../tools/connect/phases.ts'
import type { RunningProcess } from '../../endpoint.ts'
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
    placed.push({ name: spec.name, ip: pod.ip, namespace: spec.namespace, labels: spec.labels, namedPorts: spec.namedPorts, pod })
  }
  for (const spec of step.pods.filter((candidate) => candidate.node !== null)) assign(spec, take(spec.node!))
  for (const spec of step.pods.filter((candidate) => candidate.node === null)) {
    const node = [...free.keys()].filter((name) => free.get(name)!.length).sort((a, b) => (used.get(a) ?? 0) - (used.get(b) ?? 0))[0]
    assign(spec, node === undefined ? undefined : take(node))
  }
  return step.pods.map((spec) => placed.find((pod) => pod.name === spec.name)!)
}

const nftString = (text: string) => `"${text.replace(/[^A-Za-z0-9_.-]/g, '')}"`

/**
 * nft port matches of one policy port, as (address, match) pairs: a numeric port or range matches
 * any destination; a named port becomes the destination pod's own port of that name, so it is
 * one match per pod that has it (address null: the chain's own pod, for ingress).
 */
function portMatches(port: PolicyPort, direction: Direction, pod: PolicyPod, all: readonly PolicyPod[]): Array<{ daddr: string | null; match: string }> {
  const protocol = (port.protocol ?? 'TCP').toLowerCase()
  if (port.port === undefined) return [{ daddr: null, match: `meta l4proto ${protocol}` }]
  if (typeof port.port === 'number') {
    const range = port.endPort !== undefined && port.endPort !== port.port ? `${port.port}-${port.endPort}` : String(port.port)
    return [{ daddr: null, match: `meta l4proto ${protocol} th dport ${range}` }]
  }
  const name = port.port
  const destinations = direction === 'Ingress' ? [pod] : all
  return destinations.flatMap((destination) => {
    const named = destination.namedPorts?.[name]
    if (!named || named.protocol.toLowerCase() !== protocol) return []
    return [{ daddr: direction === 'Ingress' ? null : destination.ip, match: `meta l4proto ${protocol} th dport ${named.port}` }]
  })
}

/** nft match expressions for one peer (`ip saddr { … }`), or null when it matches no address. */
function peerMatch(peer: PolicyPeer, policy: NetworkPolicy, all: readonly PolicyPod[], namespaces: PolicyStep['namespaces'], field: 'saddr' | 'daddr'): string | null {
  if (peer.ipBlock) {
    const except = peer.ipBlock.except?.length ? ` ip ${field} != { ${peer.ipBlock.except.map(canonicalCidr).join(', ')} }` : ''
    return `ip ${field} ${canonicalCidr(peer.ipBlock.cidr)}${except}`
  }
  const ips = all.filter((other) => {
    const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, namespaces[other.namespace] ?? { 'kubernetes.io/metadata.name': other.namespace }) : other.namespace === policy.metadata.namespace
    const podOk = peer.podSelector ? selects(peer.podSelector, other.labels) : true
    return namespaceOk && podOk
  }).map((other) => other.ip)
  return ips.length ? `ip ${field} { ${ips.join(', ')} }` : null
}

/** `198.19.1.7/24` as nft wants it, `198.19.1.0/24` (the API server accepts host bits). */
function canonicalCidr(cidr: string): string {
  const parsed = parseCidr(cidr)
  if (typeof parsed === 'string') throw new NetbenchError('SUITE_INVALID', `ipBlock ${cidr} ${parsed}`, { hint: 'write an IPv4 CIDR such as 198.19.0.0/16' })
  return `${[24, 16, 8, 0].map((shift) => Math.floor(parsed.base / 2 ** shift) % 256).join('.')}/${parsed.bits}`
}

/**
 * The rules of one isolated pod and direction, as Felix renders them per workload interface: one
 * `… accept|return` line per (peer, port) of every selecting policy's rules, then drop.
 */
function directionRules(pod: PolicyPod, direction: Direction, view: PhaseView<PolicyPod>, all: readonly PolicyPod[]): string[] {
  const field = direction === 'Ingress' ? 'saddr' : 'daddr'
  const verdict = direction === 'Ingress' ? 'accept' : 'return'
  const lines: string[] = []
  for (const policy of selectingPolicies(view.policies, pod, direction)) {
    const rules = direction === 'Ingress'
      ? (policy.spec.ingress ?? []).map((rule) => ({ peers: rule.from, ports: rule.ports }))
      : (policy.spec.egress ?? []).map((rule) => ({ peers: rule.to, ports: rule.ports }))
    for (const rule of rules) {
      const peers = rule.peers?.length ? rule.peers.map((peer) => peerMatch(peer, policy, all, view.namespaces, field)) : ['']
      const ports = rule.ports?.length ? rule.ports.flatMap((port) => portMatches(port, direction, pod, all)) : [{ daddr: null, match: '' }]
      for (const peer of peers) {
        if (peer === null) continue
        for (const port of ports) {
          const parts = [peer, port.daddr ? `ip daddr ${port.daddr}` : '', port.match].filter(Boolean)
          lines.push(`${parts.join(' ')} ${verdict} comment ${nftString(policy.metadata.name)}`.trim())
        }
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
export function nodeRuleset(runId: string, node: LabNode, placed: readonly PlacedPod[], view: PhaseView<PolicyPod>, all: readonly PolicyPod[], bridged: boolean): string | null {
  const local = placed.filter((pod) => pod.pod.node === node)
  const chains: string[] = []
  const jumps: string[] = []
  local.forEach((pod, i) => {
    for (const direction of ['Egress', 'Ingress'] as const) {
      if (!selectingPolicies(view.policies, pod, direction).length) continue
      const chain = `${direction === 'Ingress' ? 'to' : 'from'}_${i}`
      const select = bridged
        ? `ip ${direction === 'Ingress' ? 'daddr' : 'saddr'} ${pod.ip}`
        : `${direction === 'Ingress' ? 'oifname' : 'iifname'} ${nftString(pod.pod.hostInterface ?? '')}`
      jumps.push(`    ${select} jump ${chain} comment ${nftString(`${pod.name} ${direction.toLowerCase()}`)}`)
      chains.push(`  chain ${chain} {\n${directionRules(pod, direction, view, all).map((line) => `    ${line}`).join('\n')}\n  }`)
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
  routed: "nftables on the pods' host-side interfaces (per-pod chains, stateful, default deny for selected pods; updates replace a node's table in one transaction)",
  bridged: "nftables on the pods' addresses at the bridge (br_netfilter, as weave-npc), stateful, default deny for selected pods; updates replace a node's table in one transaction",
} as const

/** How long the second probe of a mismatching phase waits: a loaded machine can be slow to connect. */
const RECHECK_FACTOR = 3

/**
 * Runs a policy step on a local network: places the labelled pods, starts a probe server in each,
 * then for the first state and every update programs nftables on every node (when the network
 * enforces policy; an update replaces a node's table in one transaction while the servers keep
 * running, as an agent updates a live node), probes the TCP/UDP matrix from each pod and compares
 * it with what the policies call for. Everything is removed again before returning.
 */
export async function runLocalPolicy(network: LocalNetwork, step: PolicyStep, id: string): Promise<PolicyResult> {
  const base = { id, network: network.name, stepIndex: step.index, policies: stepPolicyNames(step) }
  if (!network.pods.length) {
    return { ...base, status: 'unsupported', error: null, enforcement: null, pods: [], matrix: [] }
  }
  const placed = placePolicyPods(step, network.pods)
  const placedIds = new Set(placed.map((pod) => pod.pod))
  // Pods of the network outside the step: in `default`, unlabelled (selectors can still match them).
  const all: Array<PolicyPod & { pod?: Pod }> = [...placed, ...network.pods.filter((pod) => !placedIds.has(pod)).map((pod) => ({ name: pod.name, ip: pod.ip, namespace: 'default', labels: {} }))]
  const enforce = network.policy === 'enforced'
  const bridged = network.cni === 'weave'
  const runId = network.lab.runId
  const programmed = new Set<LabNode>()
  const servers: RunningProcess[] = []
  const pods = placed.map((pod) => ({ name: pod.name, endpoint: pod.pod.name, ip: pod.ip, namespace: pod.namespace, labels: pod.labels }))
  const program = async (view: PhaseView<PolicyPod & { pod?: Pod }>) => {
    const placedNow = view.pods.filter((pod): pod is PlacedPod => pod.pod !== undefined && placedIds.has(pod.pod))
    await mapLimit(network.lab.nodes, EXEC_CONCURRENCY, async (node) => {
      const ruleset = nodeRuleset(runId, node, placedNow, view, view.pods, bridged)
      if (!ruleset && !programmed.has(node)) return
      if (bridged && !programmed.has(node)) await runChecked('ip', ['netns', 'exec', node.namespace, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1'], { what: `enabling br_netfilter on node ${node.name}` })
      programmed.add(node)
      // One transaction: the node never runs without policy between two states.
      const table = `inet ${policyTableName(runId)}`
      await runChecked('ip', ['netns', 'exec', node.namespace, 'nft', '-f', '-'], { input: `table ${table} {}\ndelete table ${table}\n${ruleset ?? ''}`, what: `programming NetworkPolicy on node ${node.name}` })
    })
  }
  const controlDir = await mkdtemp(join(tmpdir(), `${prefix(runId)}-policy-`))
  const control = (pod: PolicyPod) => join(controlDir, `${placed.findIndex((entry) => entry.name === pod.name)}.sock`)
  const probe = async (view: PhaseView<PolicyPod & { pod?: Pod }>, timeoutMs: number) => {
    const current = view.pods.filter((pod): pod is PlacedPod => placed.some((entry) => entry.name === pod.name))
    const observed = await Promise.all(current.map(async (from) => ({
      from,
      results: await probeThrough(control(from), from.pod.endpoint.label, current.filter((to) => to !== from).map((to) => ({ name: to.name, ip: to.ip })), step.ports, timeoutMs),
    })))
    return connectivityMatrix(observed, { ...view, pods: current }, step.ports)
  }
  try {
    // Servers with a control socket: every phase probes through them, starting no process.
    const started = await Promise.allSettled(placed.map((pod) => startConnectServer(pod.pod.endpoint, step.ports, undefined, control(pod))))
    for (const server of started) if (server.status === 'fulfilled') servers.push(server.value)
    // Every server that did start is stopped below, even when another did not.
    const failed = started.find((server) => server.status === 'rejected')
    if (failed) throw failed.reason
    const matrix: PolicyCell[] = []
    for (const view of stepPhases(step, all)) {
      if (enforce) await program(view)
      let phase = await probe(view, step.probeTimeoutMs)
      if (!phase.refused && policyVerdict(phase.matrix) !== 'enforced') phase = await probe(view, step.probeTimeoutMs * RECHECK_FACTOR)
      matrix.push(...phase.matrix)
      if (phase.refused) return { ...base, status: 'error', error: phase.refused, enforcement: null, pods, matrix }
    }
    const status = policyVerdict(matrix)
    return { ...base, status, error: null, enforcement: enforce ? ENFORCEMENT[bridged ? 'bridged' : 'routed'] : null, pods, matrix }
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
    await rm(controlDir, { recursive: true, force: true })
    await mapLimit([...programmed], EXEC_CONCURRENCY, async (node) => {
      await run('ip', ['netns', 'exec', node.namespace, 'nft', 'delete', 'table', 'inet', policyTableName(runId)])
      if (bridged) await run('ip', ['netns', 'exec', node.namespace, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=0'])
    })
  }
}
