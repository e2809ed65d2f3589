/**
 * `pairs: N`: N probes that ran at once over distinct nodes, summed into the one sample a repeat
 * records (its figures are the aggregate), with each pair's own figures and their fairness kept.
 */
import { emptyMetrics, type Metrics, type PairSample, type Sample } from './metrics.ts'
import { nodeCpuFigures } from './node-cpu.ts'
import type { PointResult } from './types.ts'
import { percentile } from './stats.ts'
import { formatRate } from '../units.ts'

/** The rate offered in all: a udp bitrate is each pair's, so N pairs offer N times it. */
export function offeredBps(point: Pick<PointResult, 'bitrateBps' | 'pairs'>): number | null {
  return point.bitrateBps === null ? null : point.bitrateBps * (point.pairs ?? 1)
}

/**
 * Jain's fairness index of the pairs' throughputs, (Σx)² / (n·Σx²): 1 when every pair carried
 * the same, 1/n when one carried everything. Null without figures, or when nothing moved.
 */
export function jainIndex(values: readonly number[]): number | null {
  if (!values.length) return null
  const sum = values.reduce((total, value) => total + value, 0)
  const squares = values.reduce((total, value) => total + value * value, 0)
  return squares > 0 ? (sum * sum) / (values.length * squares) : null
}

/** Every value present: their sum (or `combine`); any missing: null, an aggregate must not hide a pair. */
function combined(values: ReadonlyArray<number | null | undefined>, combine: (values: readonly number[]) => number = (all) => all.reduce((a, b) => a + b, 0)): number | null {
  return values.length && values.every((value): value is number => typeof value === 'number' && Number.isFinite(value)) ? combine(values) : null
}

const worst = (values: readonly number[]) => Math.max(...values)

/** The aggregate figures: rates and retransmits summed, loss over all pairs' packets, jitter and iperf3's CPU the worst pair's. */
function aggregateMetrics(samples: readonly Sample[]): Metrics {
  const metrics = emptyMetrics()
  const pick = (key: keyof Metrics) => samples.map((sample) => sample.metrics[key])
  metrics.throughputBps = combined(pick('throughputBps'))
  metrics.senderBps = combined(pick('senderBps'))
  metrics.retransmits = combined(pick('retransmits'))
  metrics.jitterMs = combined(pick('jitterMs'), worst)
  metrics.cpuSenderPercent = combined(pick('cpuSenderPercent'), worst)
  metrics.cpuReceiverPercent = combined(pick('cpuReceiverPercent'), worst)
  const packets = combined(samples.map((sample) => sample.packets))
  const lost = combined(samples.map((sample) => sample.lostPackets))
  metrics.lossPercent = packets !== null && lost !== null && packets > 0 ? (100 * lost) / packets : combined(pick('lossPercent'), worst)
  return metrics
}

/** Node CPU: the busiest pair's reading; per Gbit/s only where it covers every pair (the lab's one kernel). */
function aggregateNodeCpu(samples: readonly Sample[], into: Sample): void {
  const read = samples.filter((sample) => sample.nodeCpu && typeof sample.metrics.cpuNodePercent === 'number')
  if (read.length !== samples.length || !read.length) return
  const busiest = read.reduce((a, b) => (b.metrics.cpuNodePercent! > a.metrics.cpuNodePercent! ? b : a))
  const machine = busiest.nodeCpu!.scope === 'machine'
  // The lab's one kernel runs every pair's nodes: say so, not just the busiest pair's two.
  const nodes = [...new Set(read.flatMap((sample) => sample.nodeCpu!.kernels.flatMap((kernel) => kernel.nodes)))]
  into.nodeCpu = machine ? { ...busiest.nodeCpu!, kernels: busiest.nodeCpu!.kernels.map((kernel) => ({ ...kernel, nodes })) } : busiest.nodeCpu!
  const figures = nodeCpuFigures(busiest.nodeCpu!, into.metrics.throughputBps)
  into.metrics.cpuNodePercent = figures.percent
  into.metrics.cpuNodePerGbps = machine ? figures.perGbps : null
}

function pairOf(sample: Sample, ends: { from: string; to: string }): PairSample {
  const { metrics } = sample
  return {
    ...ends,
    throughputBps: metrics.throughputBps, senderBps: metrics.senderBps, lossPercent: metrics.lossPercent, jitterMs: metrics.jitterMs,
    retransmits: metrics.retransmits, packets: sample.packets ?? null, lostPackets: sample.lostPackets ?? null,
  }
}

/** One repeat of N pairs (`samples[i]` ran between `ends[i]`) as one sample: the aggregate, each pair, and their fairness. */
export function aggregatePairs(samples: readonly Sample[], ends: ReadonlyArray<{ from: string; to: string }>): Sample {
  const sum = (values: ReadonlyArray<number | undefined>) => combined(values) ?? undefined
  const first = samples[0]!
  const shapers = samples.map((sample) => sample.shaper)
  const sample: Sample = {
    metrics: aggregateMetrics(samples),
    mtu: Math.min(...samples.map((one) => one.mtu)),
    durationMs: Math.max(...samples.map((one) => one.durationMs)),
    raw: samples.map((one) => one.raw),
    pairs: samples.map((one, index) => pairOf(one, ends[index]!)),
  }
  const throughputs = samples.map((one) => one.metrics.throughputBps)
  sample.fairness = throughputs.every((value) => typeof value === 'number') ? jainIndex(throughputs as number[]) : null
  const packets = sum(samples.map((one) => one.packets))
  if (packets !== undefined) sample.packets = packets
  const lostPackets = sum(samples.map((one) => one.lostPackets))
  if (lostPackets !== undefined) sample.lostPackets = lostPackets
  const receiverDrops = sum(samples.map((one) => one.receiverDrops))
  if (receiverDrops !== undefined) sample.receiverDrops = receiverDrops
  if (first.datagramBytes !== undefined) sample.datagramBytes = first.datagramBytes
  if (first.socketBufferBytes !== undefined) sample.socketBufferBytes = first.socketBufferBytes
  if (first.congestion) sample.congestion = first.congestion
  if (shapers.every((shaper) => shaper)) {
    sample.shaper = { packets: sum(shapers.map((s) => s!.packets))!, drops: sum(shapers.map((s) => s!.drops))!, overlimits: sum(shapers.map((s) => s!.overlimits))! }
  }
  aggregateNodeCpu(samples, sample)
  return sample
}

/** Each pair of a point: its ends and its median throughput over the repeats. */
export function pairFigures(point: Pick<PointResult, 'samples'>): Array<{ from: string; to: string; throughputBps: number | null }> {
  const first = point.samples.find((sample) => sample.pairs)?.pairs ?? []
  return first.map((pair, index) => {
    const values = point.samples.flatMap((sample) => {
      const value = sample.pairs?.[index]?.throughputBps
      return typeof value === 'number' ? [value] : []
    })
    return { from: pair.from, to: pair.to, throughputBps: values.length ? percentile(values, 50) : null }
  })
}

/** `2 pairs, J=0.98`: the compact form reports show beside the aggregate; null for a one-pair point. */
export function pairsCaption(point: Pick<PointResult, 'pairs' | 'fairness'>): string | null {
  if (!point.pairs) return null
  return `${point.pairs} pairs, J=${typeof point.fairness === 'number' ? point.fairness.toFixed(2) : '—'}`
}

/** `2 pairs, J=0.98: n1 → n2 9.42 Gbit/s · n3 → n4 7.17 Gbit/s`; null for a one-pair point. */
export function pairsText(point: Pick<PointResult, 'pairs' | 'fairness' | 'samples'>): string | null {
  const caption = pairsCaption(point)
  if (!caption) return null
  const each = pairFigures(point).map((pair) => `${pair.from} → ${pair.to} ${formatRate(pair.throughputBps)}`)
  return each.length ? `${caption}: ${each.join(' · ')}` : caption
}
