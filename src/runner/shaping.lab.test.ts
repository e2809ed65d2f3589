import { readFile, writeFile } from 'node:fs/promises'
import { afterAll, describe, expect, test } from 'vitest'
import { labLeftovers } from '../../test/leftovers.ts'
import { runChecked } from '../exec.ts'
import type { PlannedPoint } from './planned.ts'
import { runIperf3 } from '../tools/iperf3/run.ts'
import { createLab, pathShapers, type LocalLab } from '../providers/local/lab.ts'
import { prefix } from '../providers/local/names.ts'
import { newRunId } from '../run-id.ts'
import { policerTable, readShaperCounters } from '../providers/local/shaping.ts'
import { claimRun, removeRun } from '../providers/local/runs.ts'
import { limitNote, shaperTotals } from '../results/attribution.ts'
import type { PointResult } from '../results/types.ts'
import { measureSenderCeiling } from '../tools/iperf3/ceiling.ts'
import { STOCK_SOCKET_BUFFER_MAX } from '../tools/iperf3/socket-buffer.ts'
import { formatRate } from '../units.ts'
import { measurePoint, type SenderCeiling } from './measure.ts'

// Issue 10's proofs on the real lab: a shaped uplink drops what exceeds its rate, as a cloud link
// does, instead of slowing the sender down to it — and where this machine's sender cannot offer
// twice the link, the point says so rather than passing in silence.

/** iperf3's payload share of a full-size frame on the wire (tbf counts the Ethernet frame). */
const PAYLOAD_SHARE = 1472 / 1514

async function withLab<T>(bandwidthBps: number, body: (lab: LocalLab) => Promise<T>): Promise<T> {
  const runId = newRunId()
  await claimRun(runId, '')
  try {
    return await body(await createLab(runId, { provider: 'local', nodes: 2, zones: 2, instance: null, bandwidthBps, pods: 1 }))
  } finally {
    await removeRun(runId)
  }
}

function udpPoint(bitrateBps: number, durationMs = 2000): PlannedPoint {
  return { id: 'host|0|', network: 'host', stepIndex: 0, step: 'udp', label: `udp ${formatRate(bitrateBps)}`, bitrateBps, streams: null, durationMs, omitMs: 0, between: 'zones', repeat: 1 }
}

const ceilings = new Map<string, Promise<number | null>>()
const senderCeiling: SenderCeiling = (client) => {
  if (!ceilings.has(client.node)) ceilings.set(client.node, measureSenderCeiling(client, null))
  return ceilings.get(client.node)!
}

const pairOf = (lab: LocalLab) => {
  const [a, b] = lab.nodes
  return { client: a!.endpoint, server: b!.endpoint, shapers: pathShapers(lab, a!.name, b!.name) }
}

const measure = (lab: LocalLab, bitrateBps: number): Promise<PointResult> => measurePoint('s', udpPoint(bitrateBps), pairOf(lab), { senderCeiling })

function summary(point: PointResult): string {
  const shaper = shaperTotals(point)
  return `offered ${formatRate(point.bitrateBps)}, sent ${formatRate(point.metrics.senderBps)}, received ${formatRate(point.metrics.throughputBps)}, loss ${point.metrics.lossPercent?.toFixed(1)}%, shaper drops ${shaper?.drops} overlimits ${shaper?.overlimits}, limited by ${point.limitedBy}`
}

/** The lab as it shaped before issue 10: tbf alone, its UDP policers removed. */
async function withoutPolicers(lab: LocalLab): Promise<void> {
  const table = policerTable(prefix(lab.runId))
  for (const node of lab.nodes) await runChecked('ip', ['netns', 'exec', node.namespace, 'nft', 'delete', 'table', 'netdev', table])
  await runChecked('ip', ['netns', 'exec', lab.underlayNamespace, 'nft', 'delete', 'table', 'bridge', table])
}

/** The tbf counters of the path alone (for a lab whose policers were removed). */
const tbfCounters = (lab: LocalLab) => () => readShaperCounters(lab.underlayNamespace, [lab.nodes[0]!.shaper!.ifb, lab.nodes[1]!.shaper!.port])

/** One UDP run with a fixed socket buffer, and the shapers' counters around it. */
async function udpWithBuffer(lab: LocalLab, bitrateBps: number, socketBufferBytes: number, counters = pairOf(lab).shapers!) {
  const pair = pairOf(lab)
  const before = (await counters())!
  const sample = await runIperf3({ client: pair.client, server: pair.server, probe: { kind: 'udp', bitrateBps, durationMs: 2000, socketBufferBytes } })
  const after = (await counters())!
  const drops = after.drops - before.drops
  const text = `-w ${socketBufferBytes}: sent ${formatRate(sample.metrics.senderBps)}, received ${formatRate(sample.metrics.throughputBps)}, loss ${sample.metrics.lossPercent?.toFixed(1)}%, shaper drops ${drops}, overlimits ${after.overlimits - before.overlimits}`
  return { sample, drops, text }
}

afterAll(() => {
  expect(labLeftovers()).toEqual([])
})

describe('the mechanism: a packet charges its sender\'s socket until it leaves the shaper', () => {
  // tbf as the lab shaped before issue 10: a 20 ms queue plus a 128 KiB bucket.
  const deepQueue = async (lab: LocalLab, rateBps: number) => {
    const devices = lab.nodes.flatMap((node) => node.shaper ? [node.shaper.ifb, node.shaper.port] : [])
    const input = devices.map((device) => `qdisc replace dev ${device} root tbf rate ${rateBps}bit burst 131072 latency 20ms`).join('\n') + '\n'
    await runChecked('tc', ['-n', lab.underlayNamespace, '-batch', '-'], { input, what: 'deepening the shapers\' queues' })
  }

  test('stock socket buffer, 20 ms queue: the sender is paced to the link and nothing is dropped; a shallow queue drops the excess', async ({ annotate }) => {
    const rate = 100e6
    await withLab(rate, async (lab) => {
      await withoutPolicers(lab)
      const shallow = await udpWithBuffer(lab, 2 * rate, STOCK_SOCKET_BUFFER_MAX, tbfCounters(lab))
      await deepQueue(lab, rate)
      const deepStock = await udpWithBuffer(lab, 2 * rate, STOCK_SOCKET_BUFFER_MAX, tbfCounters(lab))
      const deepLarge = await udpWithBuffer(lab, 2 * rate, 4 * 1024 * 1024, tbfCounters(lab))
      for (const line of [`shallow queue, ${shallow.text}`, `20 ms queue, ${deepStock.text}`, `20 ms queue, ${deepLarge.text}`]) await annotate(line)
      // 20 ms of 100M plus the bucket (~380 KB, ~260 datagrams, ~600 KB in truesize) outlasts the
      // stock buffer (SO_SNDBUF 2 × 212992): the sender blocks in sendmsg, the queue never overflows.
      expect(deepStock.sample.metrics.senderBps!).toBeLessThan(rate * 1.1)
      // (A busy host's receiver may still drop a little at its socket: paced means ~nothing, not ~half.)
      expect(deepStock.drops).toBeLessThan(deepStock.sample.packets! * 0.05)
      expect(deepStock.sample.metrics.lossPercent!).toBeLessThan(5)
      // The same queue with a buffer larger than it overflows: the socket charge, not the queue, paced.
      expect(deepLarge.sample.metrics.lossPercent!).toBeGreaterThan(40)
      // The lab's shallow queue overflows before the stock buffer fills, and counts what it drops.
      expect(shallow.sample.metrics.lossPercent!).toBeGreaterThan(40)
      expect(Math.abs(shallow.drops - shallow.sample.lostPackets!)).toBeLessThan(shallow.sample.packets! * 0.03)
    })
  })
})

describe('the mechanism above ~450M: a throttling tbf costs the sender\'s CPU; a policer does not', () => {
  // veths forward in the sender's softirq, and a tbf holding traffic above its rate releases each
  // packet from a timer on that CPU: with tbf alone a 2-core host's sender slows to the link rate
  // (no loss); with the policer in front the excess is dropped cheaply and the sender keeps offering.
  test('450M link offered 1G: policed, the sender offers well above the link and the excess is lost; tbf alone paces it', async ({ annotate }) => {
    await withLab(450e6, async (lab) => {
      const policed = await udpWithBuffer(lab, 1e9, 4 * 1024 * 1024)
      await withoutPolicers(lab)
      const tbfAlone = await udpWithBuffer(lab, 1e9, 4 * 1024 * 1024, tbfCounters(lab))
      await annotate(`policed: ${policed.text}`)
      await annotate(`tbf alone: ${tbfAlone.text}`)
      const sent = (run: typeof policed) => run.sample.metrics.senderBps!
      expect(sent(policed) / sent(tbfAlone)).toBeGreaterThan(1.3)
      expect(policed.sample.metrics.lossPercent!).toBeGreaterThan(25)
      // What the policer dropped is what iperf3 lost.
      expect(Math.abs(policed.drops - policed.sample.lostPackets!)).toBeLessThan(policed.sample.packets! * 0.03)
    })
  })
})

describe('loss above the link across the rates the lab shapes to', () => {
  for (const rate of [100e6, 300e6, 450e6, 750e6, 1e9]) {
    test(`${formatRate(rate)} link offered twice its rate: the excess is dropped and counted by the shaper`, async ({ annotate }) => {
      await withLab(rate, async (lab) => {
        const point = await measure(lab, 2 * rate)
        const shaper = shaperTotals(point)!
        const packets = point.samples[0]!.packets!
        const sent = point.metrics.senderBps!
        await annotate(summary(point) + (point.senderCeilingBps ? `, sender ceiling ${formatRate(point.senderCeilingBps)}` : ''))
        expect(point.status).toBe('ok')
        // What the shaper dropped is what iperf3 lost on the network, within a few percent of sent.
        expect(Math.abs((shaper.drops / packets) * 100 - point.metrics.lossNetworkPercent!)).toBeLessThan(3)
        if (sent >= 1.8 * rate) {
          expect(point.metrics.lossPercent!).toBeGreaterThanOrEqual(40)
          expect(point.limitedBy).toBe('network')
          expect(Math.abs(point.metrics.throughputBps! / (rate * PAYLOAD_SHARE) - 1)).toBeLessThan(0.05)
          return
        }
        // This machine could not offer twice the link: the point must say so, and still be right.
        await annotate(`this host's sender offered only ${formatRate(sent)}: twice the link was not tested`)
        expect(limitNote(point)).toMatch(/could offer only|held the sender/)
        const linkPayload = rate * PAYLOAD_SHARE
        if (sent > linkPayload * 1.05) {
          // Above the link: what exceeds it is still dropped, not pushed back.
          expect(point.limitedBy).toBe('network')
          expect(point.metrics.lossPercent!).toBeGreaterThan((1 - linkPayload / sent) * 100 - 3)
        } else {
          // At or below the link on average: the host's sender or receiver set the limit, or the link
          // held it — unless a descheduled sender's catch-up burst overflowed the bucket, and then
          // the network really dropped (the shaper's count matched the loss above).
          if (point.limitedBy === 'network') expect(shaper.drops).toBeGreaterThan(0)
          else expect(['sender', 'link', 'receiver']).toContain(point.limitedBy)
        }
      })
    })
  }
})

describe('stock socket-buffer limits (net.core.wmem_max/rmem_max = 212992)', () => {
  const files = ['/proc/sys/net/core/wmem_max', '/proc/sys/net/core/rmem_max']

  // These sysctls are global (a network namespace sees them read-only), so the test sets the stock
  // values on the machine for one short point and restores them at once, whatever happens.
  test('UDP runs with the buffer the kernel grants, records it, and the shaper still drops the excess', async () => {
    const rate = 100e6
    await withLab(rate, async (lab) => {
      const saved = await Promise.all(files.map((file) => readFile(file, 'utf8')))
      let point: PointResult
      try {
        await Promise.all(files.map((file) => writeFile(file, String(STOCK_SOCKET_BUFFER_MAX))))
        point = await measure(lab, 2 * rate)
      } finally {
        await Promise.all(files.map((file, index) => writeFile(file, saved[index]!)))
      }
      expect(point.status, point.error ?? '').toBe('ok')
      expect(point.samples[0]!.socketBufferBytes).toBe(STOCK_SOCKET_BUFFER_MAX)
      expect(point.metrics.lossPercent!).toBeGreaterThan(40)
      expect(point.limitedBy).toBe('network')
    })
    expect((await readFile(files[0]!, 'utf8')).trim()).not.toBe('')
  })
})
