import { isNetbenchError } from '../errors.ts'
import type { PlannedPoint } from '../plan/plan.ts'
import type { EndpointPair } from '../providers/types.ts'
import { attributeLoss, isSenderLimited, limitedBy } from '../results/attribution.ts'
import { medianMetrics, metricStats } from '../results/aggregate.ts'
import { emptyMetrics, type Sample } from '../results/metrics.ts'
import { percentile } from '../results/stats.ts'
import type { PointResult, SampleResult } from '../results/types.ts'
import { runIperf3, type Iperf3Probe } from '../tools/iperf3/run.ts'
import type { Endpoint } from '../providers/endpoint.ts'
import { runPing } from '../tools/ping/ping.ts'
import { searchMaxRate } from './max-rate.ts'

function toSampleResult(sample: Sample): SampleResult {
  attributeLoss(sample.metrics, sample.packets, sample.receiverDrops)
  return {
    metrics: sample.metrics,
    packets: sample.packets ?? null,
    lostPackets: sample.lostPackets ?? null,
    receiverDrops: sample.receiverDrops ?? null,
    datagramBytes: sample.datagramBytes ?? null,
    socketBufferBytes: sample.socketBufferBytes ?? null,
    shaper: sample.shaper ?? null,
    mtu: sample.mtu,
    durationMs: sample.durationMs,
  }
}

interface Recorder {
  pair: EndpointPair
  signal: AbortSignal | undefined
  record(sample: Sample): SampleResult
}

/** The client's UDP sending ceiling, measured once per node and run by whoever passes it in. */
export type SenderCeiling = (client: Endpoint, signal?: AbortSignal) => Promise<number | null>

/** A UDP run with the counters of the shapers on its path read around it. */
async function runUdpCounted(pair: EndpointPair, probe: Extract<Iperf3Probe, { kind: 'udp' }>, signal: AbortSignal | undefined): Promise<Sample> {
  const before = await pair.shapers?.()
  const sample = await runIperf3({ server: pair.server, client: pair.client, probe, signal })
  const after = before && await pair.shapers?.()
  if (before && after) sample.shaper = { packets: after.packets - before.packets, drops: after.drops - before.drops, overlimits: after.overlimits - before.overlimits }
  return sample
}

/** One iperf3 run per repeat at the point's offered rate or stream count. */
async function measureIperf3(point: PlannedPoint, recorder: Recorder, result: PointResult): Promise<void> {
  const { pair, signal } = recorder
  for (let repeat = 0; repeat < point.repeat; repeat++) {
    const probe = point.step === 'udp'
      ? { kind: 'udp' as const, bitrateBps: point.bitrateBps!, durationMs: point.durationMs, omitMs: point.omitMs }
      : { kind: 'tcp' as const, streams: point.streams ?? 1, durationMs: point.durationMs, omitMs: point.omitMs, reverse: point.reverse, bidir: point.bidir }
    const sample = probe.kind === 'udp' ? await runUdpCounted(pair, probe, signal) : await runIperf3({ server: pair.server, client: pair.client, probe, signal })
    if (sample.congestion) result.congestion = sample.congestion
    recorder.record(sample)
  }
}

/** The max-rate search; the point's figures are those of the highest passing probe. */
async function measureSearch(point: PlannedPoint, recorder: Recorder, result: PointResult): Promise<void> {
  const search = point.search!
  const atRate = new Map<number, Sample>()
  const found = await searchMaxRate(search, async (offeredBps) => {
    const sample = await runUdpCounted(recorder.pair, { kind: 'udp', bitrateBps: offeredBps, durationMs: point.durationMs, omitMs: point.omitMs }, recorder.signal)
    atRate.set(offeredBps, sample)
    result.raw.push(sample.raw)
    return { offeredBps, senderBps: sample.metrics.senderBps, receivedBps: sample.metrics.throughputBps, lossPercent: sample.metrics.lossPercent }
  })
  result.search = { ...search, maxRateBps: found.maxRateBps, reachedUpperBound: found.reachedUpperBound, senderLimited: found.senderLimited, probes: found.probes }
  const best = found.maxRateBps === null ? undefined : atRate.get(found.maxRateBps)
  if (best) result.samples.push(toSampleResult(best))
}

/** How long the load runs before the pings start: iperf3's own start and ramp-up. */
const LOAD_LEAD_MS = 1000

/**
 * Echo requests per repeat; every reply's time is kept for the percentiles. Under load, an iperf3
 * run on the same pair starts first and outlasts the pings, so every echo crosses a loaded path.
 */
async function measureLatency(point: PlannedPoint, recorder: Recorder, result: PointResult): Promise<void> {
  const { count, intervalMs, underLoad } = point.latency!
  const { client, server } = recorder.pair
  const pingMs = count * intervalMs
  const rtts: number[] = []
  if (underLoad) result.load = { kind: underLoad.kind, offeredBps: underLoad.kind === 'udp' ? underLoad.bitrateBps : null, throughputBps: [] }
  for (let repeat = 0; repeat < point.repeat; repeat++) {
    const loadDurationMs = pingMs + 2 * LOAD_LEAD_MS
    const load = underLoad && runIperf3({
      client, server, signal: recorder.signal,
      probe: underLoad.kind === 'tcp' ? { kind: 'tcp', streams: 1, durationMs: loadDurationMs } : { kind: 'udp', bitrateBps: underLoad.bitrateBps, durationMs: loadDurationMs },
    })
    // A load that fails to start must not leave the pings racing it; its error surfaces below.
    load?.catch(() => undefined)
    if (load) await new Promise((resolve) => setTimeout(resolve, LOAD_LEAD_MS))
    const ping = await runPing({ client, server, probe: { count, intervalMs }, signal: recorder.signal })
    if (load) result.load!.throughputBps.push((await load).metrics.throughputBps)
    rtts.push(...ping.rttsMs)
    const metrics = emptyMetrics()
    metrics.rttMs = ping.rttsMs.length ? percentile(ping.rttsMs, 50) : null
    metrics.lossPercent = ping.lossPercent
    recorder.record({ metrics, mtu: Math.min(client.mtu, server.mtu), durationMs: pingMs, raw: ping.raw })
  }
  result.rttsMs = rtts
}

/**
 * Measures one point `repeat` times. A failure becomes the point's error (its expectations turn
 * into errors, not failures) rather than an exception, so the run goes on with the next point.
 */
export async function measurePoint(suite: string, point: PlannedPoint, pair: EndpointPair, signal?: AbortSignal, senderCeiling?: SenderCeiling): Promise<PointResult> {
  const result: PointResult = {
    id: point.id, suite, network: point.network, step: point.step, label: point.label,
    bitrate: point.bitrateBps, streams: point.streams, between: point.between,
    from: pair.client.name, to: pair.server.name,
    status: 'ok', error: null, metrics: emptyMetrics(), stats: {}, limitedBy: null, samples: [], raw: [],
  }
  const recorder: Recorder = {
    pair,
    signal,
    record(sample) {
      const recorded = toSampleResult(sample)
      result.samples.push(recorded)
      result.raw.push(sample.raw)
      return recorded
    },
  }
  try {
    if (point.step === 'latency') await measureLatency(point, recorder, result)
    else if (point.search) await measureSearch(point, recorder, result)
    else await measureIperf3(point, recorder, result)
  } catch (error) {
    result.status = 'error'
    result.error = isNetbenchError(error) ? error.oneLine : error instanceof Error ? error.message : String(error)
  }
  result.metrics = medianMetrics(result.samples)
  result.stats = metricStats(result.samples)
  // Only a sender short of the offered rate needs its ceiling: was it the host or the path?
  if (senderCeiling && result.status === 'ok' && isSenderLimited(result)) result.senderCeilingBps = await senderCeiling(pair.client, signal)
  result.limitedBy = limitedBy(result)
  return result
}
