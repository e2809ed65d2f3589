import { NetbenchError } from '../../errors.ts'
import { run, runChecked } from '../../exec.ts'
import type { Between } from '../../model.ts'
import { execCni } from './cni-plugin.ts'
import { EXEC_CONCURRENCY, mapLimit, sleep } from './concurrency.ts'
import type { LocalLab, LabNode } from './lab.ts'
import { namespaceName } from './names.ts'
import { NetnsEndpoint } from './netns-endpoint.ts'
import { pickNodePair } from './placement.ts'

/** Where a pod will live before its network gives it an address. */
export interface PodSlot {
  /** `n1-p1`: the endpoint name results show. */
  name: string
  /** `nb<id>-n1p1`. */
  namespace: string
  node: LabNode
  nodeIndex: number
  /** 1-based within its node. */
  index: number
}

/** How to undo a pod's CNI ADD: the same plugin and configuration, with DEL. */
export interface CniRelease {
  plugin: string
  config: Record<string, unknown>
}

export interface Pod extends PodSlot {
  ip: string
  /** MTU of the pod's eth0, read back from the kernel. */
  mtu: number
  /** The pod's veth end on the node: where policy is enforced (cali…, veth…). */
  hostInterface: string | undefined
  release: CniRelease | undefined
  endpoint: NetnsEndpoint
}

const podSysctls = [
  // A pod is an end host: no forwarding, no reverse-path filtering (asymmetric overlays).
  'net.ipv4.ip_forward=0',
  'net.ipv4.conf.all.rp_filter=0',
  'net.ipv4.conf.default.rp_filter=0',
]

export function podSlots(lab: LocalLab, perNode: number): PodSlot[] {
  return lab.nodes.flatMap((node, nodeIndex) => Array.from({ length: perNode }, (_, i) => ({
    name: `${node.name}-p${i + 1}`,
    namespace: namespaceName(lab.runId, `${node.name}p${i + 1}`),
    node,
    nodeIndex,
    index: i + 1,
  })))
}

/**
 * Runs `ip -batch` over chunks of lines in parallel: one process per chunk instead of one per
 * line, yet several at once, since each `netns exec` line forks and waits. Outputs in order.
 */
export async function parallelBatch(lines: readonly string[], what: string, chunkSize = 16): Promise<string[]> {
  const chunks: string[][] = []
  for (let i = 0; i < lines.length; i += chunkSize) chunks.push(lines.slice(i, i + chunkSize))
  return mapLimit(chunks, EXEC_CONCURRENCY, (chunk) => runChecked('ip', ['-batch', '-'], { input: `${chunk.join('\n')}\n`, what }))
}

/** Creates the pods' namespaces in batches: loopback up, sysctls set explicitly. */
export async function createPodNamespaces(slots: readonly PodSlot[]): Promise<void> {
  if (!slots.length) return
  await parallelBatch(slots.map((slot) => `netns add ${slot.namespace}`), 'creating pod namespaces', 64)
  await parallelBatch(slots.flatMap((slot) => [
    `netns exec ${slot.namespace} ip link set lo up`,
    `netns exec ${slot.namespace} sysctl -qw ${podSysctls.join(' ')}`,
  ]), 'setting up pod namespaces')
}

/** Reads every pod's eth0 MTU from the kernel, so Endpoint.mtu is what the pod really has. */
export async function readPodMtus(slots: readonly PodSlot[]): Promise<number[]> {
  if (!slots.length) return []
  const output = (await parallelBatch(slots.map((slot) => `netns exec ${slot.namespace} ip -o link show dev eth0`), 'reading pod MTUs')).join('\n')
  const mtus = output.split('\n').filter((line) => /\beth0\b/.test(line)).map((line) => Number(/ mtu (\d+)/.exec(line)?.[1]))
  if (mtus.length !== slots.length || mtus.some((mtu) => !Number.isFinite(mtu))) {
    throw new NetbenchError('PROVIDER', `could not read the MTU of every pod (${mtus.length} of ${slots.length})`, { hint: 'run `netbench clean` and try again' })
  }
  return mtus
}

export function makePod(slot: PodSlot, init: { ip: string; mtu: number; hostInterface?: string; release?: CniRelease }): Pod {
  const endpoint = new NetnsEndpoint({
    name: slot.name,
    label: `pod ${slot.name} on node ${slot.node.name} (zone ${slot.node.zone})`,
    node: slot.node.name,
    zone: slot.node.zone,
    namespace: slot.namespace,
    ip: init.ip,
    mtu: init.mtu,
  })
  return { ...slot, ip: init.ip, mtu: init.mtu, hostInterface: init.hostInterface, release: init.release, endpoint }
}

/** Pods measure like nodes do: same-node takes two pods of one node, otherwise one pod per node. */
export function pickPodPair(pods: readonly Pod[], between: Between): [Pod, Pod] {
  if (between === 'same-node') {
    const first = pods.find((pod) => pods.some((other) => other !== pod && other.node === pod.node))
    const second = first && pods.find((other) => other !== first && other.node === first.node)
    if (!first || !second) throw new NetbenchError('SUITE_INVALID', 'between: same-node needs 2 pods on a node', { hint: 'set cluster.pods: 2 or more' })
    return [first, second]
  }
  const firstPods = pods.filter((pod) => pod.index === 1)
  const [a, b] = pickNodePair(firstPods.map((pod) => ({ pod, zone: pod.node.zone })), between)
  return [a.pod, b.pod]
}

/**
 * The pairs that prove every pod reaches every other: all ordered pairs up to 16 pods; beyond
 * that a ring over all pods plus a star through the first pod in both directions (every node's
 * routes towards a neighbour and towards the first node are exercised, in O(pods) probes).
 */
export function reachabilityPairs(pods: readonly Pod[]): Array<[Pod, Pod]> {
  if (pods.length <= 16) return pods.flatMap((a) => pods.filter((b) => b !== a).map((b) => [a, b] as [Pod, Pod]))
  const pairs: Array<[Pod, Pod]> = []
  const perNodeFirst = pods.filter((pod) => pod.index === 1)
  const seen = new Set<string>()
  const add = (a: Pod, b: Pod) => {
    const key = `${a.name}>${b.name}`
    if (a !== b && !seen.has(key)) { seen.add(key); pairs.push([a, b]) }
  }
  pods.forEach((pod, i) => add(pod, pods[(i + 1) % pods.length]!))
  perNodeFirst.forEach((pod, i) => add(pod, perNodeFirst[(i + 1) % perNodeFirst.length]!))
  for (const pod of pods) { add(pods[0]!, pod); add(pod, pods[0]!) }
  return pairs
}

/** One ICMP echo from `from` to `ip`; true when answered within a second. */
export async function ping(from: string, ip: string, options: { size?: number; dontFragment?: boolean; timeoutS?: number } = {}): Promise<{ ok: boolean; output: string }> {
  const args = ['netns', 'exec', from, 'ping', '-n', '-q', '-c', '1', '-W', String(options.timeoutS ?? 1)]
  if (options.dontFragment) args.push('-M', 'do')
  if (options.size !== undefined) args.push('-s', String(options.size))
  const result = await run('ip', [...args, ip], { timeoutMs: Math.ceil((options.timeoutS ?? 1) * 1000) + 3000 })
  if (/exec of "ping" failed|ping: not found/.test(result.stderr)) {
    throw new NetbenchError('MISSING_PROGRAM', 'ping is not installed', { hint: 'run `netbench setup` or `apt-get install iputils-ping`' })
  }
  return { ok: result.exitCode === 0, output: `${result.stdout}${result.stderr}` }
}

/**
 * Probes many pairs with one `ip -force -batch` process per source pod (a `netns exec … ping`
 * line per target) instead of one process per pair, and reads each target's answer from ping's
 * summary. Returns the pairs that did not answer.
 */
export async function unansweredPairs(pairs: ReadonlyArray<[Pod, Pod]>, timeoutS: number): Promise<Array<[Pod, Pod]>> {
  const bySource = new Map<Pod, Pod[]>()
  for (const [a, b] of pairs) bySource.set(a, [...bySource.get(a) ?? [], b])
  // At most 16 targets per process, so a source with many (the star's hub) runs in parallel too.
  const groups = [...bySource].flatMap(([source, targets]) => Array.from({ length: Math.ceil(targets.length / 16) }, (_, i) => [source, targets.slice(i * 16, i * 16 + 16)] as const))
  const failed: Array<[Pod, Pod]> = []
  await mapLimit(groups, EXEC_CONCURRENCY, async ([source, targets]) => {
    const input = targets.map((target) => `netns exec ${source.namespace} ping -n -q -c 1 -W ${timeoutS} ${target.ip}\n`).join('')
    const result = await run('ip', ['-force', '-batch', '-'], { input, timeoutMs: targets.length * (timeoutS * 1000 + 500) + 5000 })
    if (/exec of "ping" failed/.test(result.stderr)) {
      throw new NetbenchError('MISSING_PROGRAM', 'ping is not installed', { hint: 'run `netbench setup` or `apt-get install iputils-ping`' })
    }
    const answered = new Set<string>()
    for (const match of result.stdout.matchAll(/--- (\S+) ping statistics ---\n\s*\d+ packets transmitted, (\d+) (?:packets )?received/g)) {
      if (Number(match[2]) > 0) answered.add(match[1]!)
    }
    for (const target of targets) if (!answered.has(target.ip)) failed.push([source, target])
  })
  return failed
}

/**
 * Waits until every pod answers every other (see reachabilityPairs), re-probing only the pairs
 * that failed. Throws a provider error naming the pairs still unreachable at the deadline.
 */
export async function waitReachable(pods: readonly Pod[], options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  let pending = reachabilityPairs(pods)
  while (pending.length) {
    options.signal?.throwIfAborted()
    // A short timeout per probe: an unanswered one is simply retried in the next round.
    pending = await unansweredPairs(pending, 0.3)
    if (!pending.length) return
    if (Date.now() > deadline) {
      const shown = pending.slice(0, 5).map(([a, b]) => `${a.name}→${b.name}`).join(', ')
      throw new NetbenchError('PROVIDER', `pods did not become reachable: ${shown}${pending.length > 5 ? ` and ${pending.length - 5} more` : ''}`, {
        hint: 'inspect the lab with `netbench lab up` and `ip netns exec …`; this is a netbench bug if it persists',
      })
    }
    await sleep(50)
  }
}

/** CNI DEL for every pod (errors ignored: teardown goes on), then the namespaces themselves. */
export async function deletePods(pods: readonly Pod[]): Promise<void> {
  await mapLimit(pods, EXEC_CONCURRENCY, async (pod) => {
    if (!pod.release) return
    await execCni({ nodeNamespace: pod.node.namespace, plugin: pod.release.plugin, command: 'DEL', podNamespace: pod.namespace, config: pod.release.config }).catch(() => undefined)
  })
  await deleteNamespaces(pods.map((pod) => pod.namespace))
}

export async function deleteNamespaces(names: readonly string[]): Promise<void> {
  if (!names.length) return
  // -force: go on past a namespace that is already gone.
  await run('ip', ['-force', '-batch', '-'], { input: names.map((name) => `netns del ${name}\n`).join('') })
}
