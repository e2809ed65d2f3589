import { NetbenchError } from '../../errors.ts'
import { run } from '../../exec.ts'
import { UDP_SOCKET_BUFFER_BYTES } from '../../tools/iperf3/run.ts'
import type { ShaperCounters } from '../../results/metrics.ts'

/** Fewest and most bytes a shaper queues: a cloud link's shallow buffer, not a bufferbloated one. */
export const SHAPER_QUEUE_MIN_BYTES = 16 * 1024
export const SHAPER_QUEUE_MAX_BYTES = 128 * 1024
/** Queue time at low rates, where the byte cap does not bind (it binds from ~50 Mbit/s on). */
const SHAPER_QUEUE_MS = 20

/**
 * Bytes the shaper queues before it drops: 20 ms of the rate, within fixed bounds. The cap is
 * what keeps loss above the link visible: a packet stays charged to its sending socket across
 * veths and bridges (Linux >= 4.19 no longer orphans it there), so a queue holding more than the
 * sender's socket buffer (SO_SNDBUF 212992 by default, doubled by the kernel: ~185 full-size
 * datagrams at ~2.3 KB truesize each) blocks the sender in sendmsg instead of overflowing.
 * 128 KiB is ~90 datagrams, half of that: the queue overflows first, with stock buffers too.
 */
export function shaperQueueBytes(rateBps: number): number {
  const bytes = Math.round((rateBps / 8) * (SHAPER_QUEUE_MS / 1000))
  return Math.min(SHAPER_QUEUE_MAX_BYTES, Math.max(SHAPER_QUEUE_MIN_BYTES, bytes))
}

/**
 * tbf parameters for a shaped uplink. The bucket holds 20 ms of traffic (at least 512 KiB; 64 KiB
 * GSO superpackets pass whole): a sender that a busy host descheduled for a few tens of
 * milliseconds catches up in a burst, which the bucket passes rather than drops below the rate;
 * it holds tokens, not packets, so it charges no socket. The queue is shallow (`shaperQueueBytes`), so
 * traffic above the rate is dropped as a cloud link drops it rather than pushed back on the sender.
 */
export function tbfArgs(device: string, rateBps: number): string[] {
  const bytesPerMs = rateBps / 8 / 1000
  const burst = Math.max(512 * 1024, Math.round(bytesPerMs * 20))
  return ['qdisc', 'replace', 'dev', device, 'root', 'tbf', 'rate', `${Math.round(rateBps)}bit`, 'burst', String(burst), 'limit', String(shaperQueueBytes(rateBps))]
}

/** A full-size frame on a 1500-byte underlay: netbench sizes every UDP datagram to fill the path's MTU. */
export const FULL_FRAME_BYTES = 1500 + 14

/**
 * What the policer admits, as a share of the tbf behind it. At exactly tbf's rate, tbf's bucket
 * never refills: it queues the policed UDP and releases it from a timer on the sending CPU, which
 * slows the sender to the link rate, and then nothing is over the policer's rate any more. That
 * state holds itself: back-to-back 3 s probes at 3G on a 450M link were held at 440 Mbit/s with 0%
 * loss from the second probe on (the first reached 1.5–2 Gbit/s and lost 75%). At 99% tbf's
 * bucket refills, its queue stays empty, and every such probe sent ~2 Gbit/s and lost 79%.
 */
export const POLICER_SHARE_OF_LINK = 0.99

/**
 * The UDP policer of a link: packets per second at POLICER_SHARE_OF_LINK of the link's rate in the
 * installed network's full-size frames (netbench's datagrams fill the path MTU, so every probe
 * datagram is one), and a bucket of 20 ms of them (at least 512 KiB, as tbf's) so a descheduled
 * sender's catch-up burst below the rate passes. Counted in packets: nftables' byte limits always
 * hold a whole second of tokens, which would let the first second of an overload through.
 */
export function policerRate(rateBps: number, frameBytes = FULL_FRAME_BYTES): { packetsPerSecond: number; burstPackets: number } {
  const packetsPerSecond = Math.max(1, Math.floor((rateBps * POLICER_SHARE_OF_LINK) / (frameBytes * 8)))
  return { packetsPerSecond, burstPackets: Math.max(Math.ceil((512 * 1024) / frameBytes), Math.round(packetsPerSecond * 0.02)) }
}

/**
 * Only datagrams of at least half a full frame are policed: the packet rate is right for them
 * alone. Small ones (request/response messages, DNS-sized traffic) go to tbf's byte-rate queue, as
 * on a real link, where a policer counting them as full frames would drop a 64-byte ping-pong at a
 * tenth of the link's rate.
 */
const policerRule = (rateBps: number, frameBytes: number) => {
  const { packetsPerSecond, burstPackets } = policerRate(rateBps, frameBytes)
  return `meta l4proto udp meta length >= ${Math.floor(frameBytes / 2)} limit rate over ${packetsPerSecond}/second burst ${burstPackets} packets counter drop`
}

export interface PolicedUplink { nodeNamespace: string; port: string; node: string; rateBps: number }

/** The nftables table of a run's policers, in the node's and in the underlay's namespace. */
export const policerTable = (runPrefix: string) => `${runPrefix}_police`

/**
 * UDP above a link's rate is dropped before any queue, as a cloud's policer drops it: on the way
 * out of the node (its NIC's egress) and on the way into the receiving node (the underlay bridge
 * forwarding to its port). tbf behind a policer rarely throttles. Without it, a tbf holding UDP
 * above its rate releases every packet from a timer on the sending CPU (veths forward in the
 * sender's softirq), which made each datagram cost 3–4× more and slowed a 2-core host's sender to
 * the link rate from ~450 Mbit/s up: no loss, where a cloud link loses the excess. TCP (and
 * overlays' GSO superpackets, one packet each) is left to tbf's queue. Called again when a
 * network is installed, with the size of its full frames (Weave's are smaller). One `nft` per
 * node and one for every download chain in the underlay, side by side.
 */
export async function policeUplinks(runPrefix: string, underlayNamespace: string, uplinks: readonly PolicedUplink[], frameBytes = FULL_FRAME_BYTES): Promise<void> {
  if (!uplinks.length) return
  const table = policerTable(runPrefix)
  const upload = (uplink: PolicedUplink) => `table netdev ${table} {\n  chain upload { type filter hook egress device eth0 priority 0; }\n}\nflush chain netdev ${table} upload\nadd rule netdev ${table} upload ${policerRule(uplink.rateBps, frameBytes)}\n`
  const download = (uplink: PolicedUplink) => `table bridge ${table} {\n  chain download_${uplink.node} { type filter hook forward priority 0; }\n}\nflush chain bridge ${table} download_${uplink.node}\nadd rule bridge ${table} download_${uplink.node} oifname "${uplink.port}" ${policerRule(uplink.rateBps, frameBytes)}\n`
  const batches: Array<[string, string]> = [...uplinks.map((uplink): [string, string] => [uplink.nodeNamespace, upload(uplink)]), [underlayNamespace, uplinks.map(download).join('')]]
  const results = await Promise.all(batches.map(([namespace, input]) => run('ip', ['netns', 'exec', namespace, 'nft', '-f', '-'], { input })))
  const failed = results.find((result) => result.exitCode !== 0)
  if (failed) throw featureError('an nftables policer', failed.stderr, 'the kernel lacks nf_tables netdev egress or bridge filtering (Linux ≥ 5.16 with nf_tables): load nf_tables, or set cluster.bandwidth: none')
}

/** Packets the policers on a path dropped: the sender's upload and the receiver's download. */
async function policerDrops(path: { runPrefix: string; senderNamespace?: string; underlayNamespace: string; receiverNode?: string }): Promise<number | undefined> {
  const table = policerTable(path.runPrefix)
  const chains: Array<[string, string]> = []
  if (path.senderNamespace) chains.push([path.senderNamespace, `netdev ${table} upload`])
  if (path.receiverNode) chains.push([path.underlayNamespace, `bridge ${table} download_${path.receiverNode}`])
  const counted = await Promise.all(chains.map(async ([namespace, chain]) => {
    const result = await run('ip', ['netns', 'exec', namespace, 'nft', '-j', 'list', 'chain', ...chain.split(' ')])
    const packets = result.exitCode === 0 ? /"counter":\s*\{\s*"packets":\s*(\d+)/.exec(result.stdout)?.[1] : undefined
    return packets === undefined ? undefined : Number(packets)
  }))
  return counted.some((drops) => drops === undefined) ? undefined : counted.reduce<number>((total, drops) => total + drops!, 0)
}

/**
 * Shapes a node's uplink the way a cloud hypervisor does: outside the node, dropping what exceeds
 * the rate. Both directions are shaped on the underlay side of the node's veth — towards the node
 * on the port itself, from the node through an ifb the port's ingress is redirected to. Shaping
 * inside the node instead would push back on the sender's socket and hide loss.
 */
export async function shapeUplink(underlayNamespace: string, port: string, ifb: string, rateBps: number): Promise<void> {
  const commands = [
    ['link', 'add', ifb, 'type', 'ifb'],
    ['link', 'set', ifb, 'up'],
  ]
  const ipResult = await run('ip', ['-n', underlayNamespace, '-batch', '-'], { input: commands.map((c) => c.join(' ')).join('\n') + '\n' })
  if (ipResult.exitCode !== 0) throw featureError('ifb', ipResult.stderr, 'the kernel lacks ifb (needed to shape upload): `modprobe ifb`, or set cluster.bandwidth: none')
  const tcCommands = [
    tbfArgs(port, rateBps),
    tbfArgs(ifb, rateBps),
    ['qdisc', 'add', 'dev', port, 'handle', 'ffff:', 'ingress'],
    ['filter', 'add', 'dev', port, 'parent', 'ffff:', 'protocol', 'all', 'u32', 'match', 'u32', '0', '0', 'action', 'mirred', 'egress', 'redirect', 'dev', ifb],
  ]
  const tcResult = await run('tc', ['-n', underlayNamespace, '-batch', '-'], { input: tcCommands.map((c) => c.join(' ')).join('\n') + '\n' })
  if (tcResult.exitCode !== 0) throw featureError('tbf', tcResult.stderr, 'the kernel lacks tbf, ingress or mirred (sch_tbf, sch_ingress, act_mirred, cls_u32): load them with modprobe, or set cluster.bandwidth: none')
}

/**
 * Sums the root qdisc counters of the given devices (`tc -s -j`) and the drops of the path's UDP
 * policers; undefined if any is unreadable.
 */
export async function readShaperCounters(namespace: string, devices: readonly string[], policers?: { runPrefix: string; senderNamespace?: string; receiverNode?: string }): Promise<ShaperCounters | undefined> {
  // Read side by side, and every device's qdisc in one listing: this runs twice around every UDP
  // probe, so each process saved is one less between probes.
  const [policed, listing] = await Promise.all([
    policers ? policerDrops({ ...policers, underlayNamespace: namespace }) : 0,
    run('tc', ['-n', namespace, '-s', '-j', 'qdisc', 'show']),
  ])
  const roots = devices.map((device) => listing.exitCode === 0 ? parseRootQdisc(listing.stdout, device) : undefined)
  if (policed === undefined || roots.some((root) => root === undefined)) return undefined
  return roots.reduce<ShaperCounters>((total, root) => ({ packets: total.packets + root!.packets, drops: total.drops + root!.drops, overlimits: total.overlimits + root!.overlimits }), { packets: 0, drops: policed, overlimits: 0 })
}

function parseRootQdisc(json: string, device: string): ShaperCounters | undefined {
  try {
    const qdiscs = JSON.parse(json) as Array<Record<string, unknown>>
    const root = qdiscs.find((qdisc) => qdisc.root === true && qdisc.dev === device)
    if (!root || typeof root.packets !== 'number' || typeof root.drops !== 'number' || typeof root.overlimits !== 'number') return undefined
    return { packets: root.packets, drops: root.drops, overlimits: root.overlimits }
  } catch {
    return undefined
  }
}

function featureError(what: string, stderr: string, hint: string): NetbenchError {
  const reason = stderr.trim().split('\n')[0] ?? ''
  return new NetbenchError('KERNEL_FEATURE', `cannot shape the lab's uplinks with ${what}: ${reason}`, { hint })
}

/** How the lab shapes and probes, recorded in every result so a run can be reproduced. */
export const LAB_FACTS: Record<string, string> = {
  shaping: `tbf on the underlay side of each node uplink, both directions (ifb for upload); bucket max(512 KiB, 20 ms), queue 20 ms within ${SHAPER_QUEUE_MIN_BYTES / 1024}–${SHAPER_QUEUE_MAX_BYTES / 1024} KiB, so the excess is dropped`,
  policing: `UDP above ${POLICER_SHARE_OF_LINK * 100}% of each link's rate dropped by nftables policers (packets/s of the installed network's full-size frames, ${FULL_FRAME_BYTES} bytes for 1500-byte packets, bucket max(512 KiB, 20 ms)) at the node's egress and the underlay's forward to the receiving node, before tbf`,
  udpSocketBuffer: `iperf3 -w ${UDP_SOCKET_BUFFER_BYTES} bytes, or less where net.core.wmem_max/rmem_max grant less (each point records what it used)`,
  offloads: 'veth defaults (TSO/GSO/GRO on)',
  addresses: '198.18.0.0/15',
}
