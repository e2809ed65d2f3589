import { describe, expect, test } from 'vitest'
import { emptyMetrics, type Sample } from './metrics.ts'
import { aggregatePairs, jainIndex, offeredBps, pairFigures, pairsCaption } from './pairs.ts'

describe("Jain's fairness index", () => {
  test('1 when every pair carried the same, 1/n when one carried everything', () => {
    expect(jainIndex([5, 5, 5, 5])).toBe(1)
    expect(jainIndex([9, 0, 0])).toBeCloseTo(1 / 3, 12)
  })
  test('worked by hand: 100 and 300 give 400² / (2 · 100000) = 0.8', () => {
    expect(jainIndex([100, 300])).toBeCloseTo(0.8, 12)
  })
  test('nothing to judge: no pairs, or nothing moved', () => {
    expect(jainIndex([])).toBeNull()
    expect(jainIndex([0, 0])).toBeNull()
  })
})

function udpSample(received: number, sent: number, packets: number, lost: number, jitterMs: number): Sample {
  const metrics = { ...emptyMetrics(), throughputBps: received, senderBps: sent, lossPercent: (100 * lost) / packets, jitterMs }
  return { metrics, packets, lostPackets: lost, receiverDrops: 0, datagramBytes: 1472, mtu: 1500, durationMs: 1000, raw: { pair: received } }
}

describe('one repeat of several pairs as one sample', () => {
  const ends = [{ from: 'n1', to: 'n2' }, { from: 'n3', to: 'n4' }]
  test('rates summed, loss over all packets, the worst jitter, each pair kept, their fairness', () => {
    const sample = aggregatePairs([udpSample(90e6, 100e6, 1000, 100, 0.2), udpSample(30e6, 100e6, 3000, 0, 1.5)], ends)
    expect(sample.metrics.throughputBps).toBe(120e6)
    expect(sample.metrics.senderBps).toBe(200e6)
    // 100 lost of 4000 sent: 2.5%, not the mean of 10% and 0%.
    expect(sample.metrics.lossPercent).toBeCloseTo(2.5, 12)
    expect(sample.metrics.jitterMs).toBe(1.5)
    expect([sample.packets, sample.lostPackets, sample.receiverDrops]).toEqual([4000, 100, 0])
    expect(sample.pairs!.map((pair) => [pair.from, pair.to, pair.throughputBps, pair.lossPercent])).toEqual([['n1', 'n2', 90e6, 10], ['n3', 'n4', 30e6, 0]])
    expect(sample.fairness).toBeCloseTo(120 ** 2 / (2 * (90 ** 2 + 30 ** 2)), 12)
    expect(sample.raw).toEqual([{ pair: 90e6 }, { pair: 30e6 }])
  })
  test('TCP: retransmits summed; a pair without a figure leaves the aggregate without it', () => {
    const tcp = (throughputBps: number | null, retransmits: number): Sample => ({ metrics: { ...emptyMetrics(), throughputBps, retransmits }, mtu: 1500, durationMs: 1000, raw: {} })
    const sample = aggregatePairs([tcp(1e9, 3), tcp(2e9, 4)], ends)
    expect([sample.metrics.throughputBps, sample.metrics.retransmits, sample.metrics.lossPercent]).toEqual([3e9, 7, null])
    const partial = aggregatePairs([tcp(1e9, 3), tcp(null, 4)], ends)
    expect([partial.metrics.throughputBps, partial.fairness]).toEqual([null, null])
  })
})

describe('what a pairs point shows', () => {
  test('a udp bitrate is per pair: N pairs offer N times it', () => {
    expect(offeredBps({ bitrateBps: 50e6, pairs: 2 })).toBe(100e6)
    expect(offeredBps({ bitrateBps: 50e6 })).toBe(50e6)
    expect(offeredBps({ bitrateBps: null, pairs: 2 })).toBeNull()
  })
  test('each pair: the median of its repeats; the caption only for pairs', () => {
    const repeat = (a: number, b: number) => ({ pairs: [{ from: 'n1', to: 'n2', throughputBps: a }, { from: 'n3', to: 'n4', throughputBps: b }] }) as never
    expect(pairFigures({ samples: [repeat(1, 10), repeat(3, 30), repeat(2, 20)] })).toEqual([
      { from: 'n1', to: 'n2', throughputBps: 2 }, { from: 'n3', to: 'n4', throughputBps: 20 },
    ])
    expect(pairsCaption({ pairs: 2, fairness: 0.976 })).toBe('2 pairs, J=0.98')
    expect(pairsCaption({})).toBeNull()
  })
})

test('node CPU: the busiest pair\'s reading; on one kernel (the lab) it names every pair\'s nodes and costs the aggregate', () => {
  const reading = (nodes: string[], percent: number): Sample => ({
    metrics: { ...emptyMetrics(), throughputBps: 1e9, cpuNodePercent: percent },
    nodeCpu: { scope: 'machine', kernels: [{ nodes, cpus: 2, userPercent: percent, systemPercent: 0, softirqPercent: 0, seconds: 1 }] },
    mtu: 1500, durationMs: 1000, raw: {},
  })
  const sample = aggregatePairs([reading(['n1', 'n2'], 40), reading(['n3', 'n4'], 60)], [{ from: 'n1', to: 'n2' }, { from: 'n3', to: 'n4' }])
  expect(sample.nodeCpu!.kernels[0]!.nodes).toEqual(['n1', 'n2', 'n3', 'n4'])
  expect(sample.metrics.cpuNodePercent).toBe(60)
  // 60% of 2 CPUs = 1.2 CPU-seconds per second, over the 2 Gbit/s of both pairs.
  expect(sample.metrics.cpuNodePerGbps).toBeCloseTo(0.6, 12)
})
