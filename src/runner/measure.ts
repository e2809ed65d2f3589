import { isNetbenchError, NetbenchError } from '../errors.ts'
import { programActivity } from '../exec.ts'
import type { PlannedPoint } from './planned.ts'
import type { EndpointPair } from '../providers/types.ts'
import { attributeLoss, isSenderLimited, limitedBy } from '../results/attribution.ts'
import { medianMetrics, medianRoundTrips, metricStats } from '../results/aggregate.ts'
import { emptyMetrics, type Sample, type ShaperCounters } from '../results/metrics.ts'
import { percentile } from '../results/stats.ts'
import { nodeCpuFigures, summarizeNodeCpu } from '../results/node-cpu.ts'
import type { PointResult, SampleResult } from '../results/types.ts'
import { runIperf3, type Iperf3Probe } from '../tools/iperf3/run.ts'
import type { ServerKeeper } from '../tools/iperf3/server.ts'
import type { Endpoint } from '../endpoint.ts'
import { runPing } from '../tools/ping/ping.ts'
import { nodeCpuBetween, readNodeCpu, type CpuReading } from '../tools/node-cpu.ts'
import { runSockperf, SOCKPERF_LEAD_MS } from '../tools/sockperf/sockperf.ts'
import { searchDurations, searchMaxRate, type SearchStrategy } from './max-rate.ts'
import { repeatsOf } from './order.ts'
import { runTogether } from './together.ts'
import { aggregatePairs } from '../results/pairs.ts'

function toSampleResult(sample: Sample, sequence: number): SampleResult {
  attributeLoss(sample.metrics, sample.packets, sample.receiverDrops)
  return {
    metrics: sample.metrics,
    packets: sample.packets ?? null,
    lostPackets: sample.lostPackets ?? null,
    receiverDrops: sample.receiverDrops ?? null,
    datagramBytes: sample.datagramBytes ?? null,
    socketBufferBytes: sample.socketBufferBytes ?? null,
    shaper: sample.shaper ?? null,
    nodeCpu: sample.nodeCpu ?? null,
    mtu: sample.mtu,
    durationMs: sample.durationMs,
    sequence,
    ...sample.roundTrips ? { roundTrips: sample.roundTrips } : {},
    ...sample.pairs ? { pairs: sample.pairs, fairness: sample.fairness ?? null } : {},
  }
}

/**
 * The client's UDP sending ceiling, measured once per node and run by whoever passes it in;
 * `reachedBps` is what one sender of the asking point reached.
 */
export type SenderCeiling = (client: Endpoint, reachedBps: number | null, signal?: AbortSignal) => Promise<number | null>

/** Reads that must not fail a probe: node CPU is an extra, a pod without `cat` only loses it. */
const optional = <T>(read: Promise<T>): Promise<T | undefined> => read.catch(() => undefined)

type ShaperReader = NonNullable<EndpointPair['shapers']>

/** How soon the next probe on a path must follow for the last reading after to be its reading before. */
const CARRY_MS = 250
/**
 * The shaper counters read after the last probe on each path. Probes of consecutive points follow
 * each other within milliseconds; if netbench started no program in between (so no traffic, no
 * re-rated policer, no fault) and none was running when it was read, that reading is also the
 * next probe's reading before: a `tc` and two `nft` fewer between them.
 */
const carried = new WeakMap<ShaperReader, { counters: ShaperCounters; started: number; at: number }>()

function readBefore(shapers: ShaperReader | undefined): Promise<ShaperCounters | undefined> | undefined {
  if (!shapers) return undefined
  const last = carried.get(shapers)
  carried.delete(shapers)
  if (last && last.started === programActivity().started && Date.now() - last.at <= CARRY_MS) return Promise.resolve(last.counters)
  return shapers()
}

function carry(shapers: ShaperReader | undefined, counters: ShaperCounters | undefined): void {
  const activity = programActivity()
  if (shapers && counters && activity.running === 0) carried.set(shapers, { counters, started: activity.started, at: Date.now() })
}

/**
 * A probe with the shapers' counters (UDP) and the nodes' CPU read around it: the reads side by
 * side, and side by side with the server's start before the run and its stop after it, so that
 * they add one exec's time before and after the run, not one per read.
 */
async function runCounted(pair: EndpointPair, probe: Iperf3Probe, signal: AbortSignal | undefined, servers: ServerKeeper | undefined, ready?: () => Promise<void>): Promise<Sample> {
  const ends = [pair.client, pair.server]
  const shapers = probe.kind === 'udp' ? pair.shapers : undefined
  let before: ShaperCounters | undefined
  let after: ShaperCounters | undefined
  let cpuBefore: CpuReading | undefined
  let cpuAfter: CpuReading | undefined
  const around = {
    before: async () => { [before, cpuBefore] = await Promise.all([readBefore(shapers), optional(readNodeCpu(ends, signal))]) },
    after: async () => { [after, cpuAfter] = await Promise.all([before && shapers?.(), cpuBefore && optional(readNodeCpu(ends, signal))]) },
  }
  const sample = await runIperf3({ server: pair.server, client: pair.client, probe, signal, around, servers, ready, destination: pair.service })
  carry(shapers, after)
  if (before && after) sample.shaper = { packets: after.packets - before.packets, drops: after.drops - before.drops, overlimits: after.overlimits - before.overlimits }
  if (cpuBefore && cpuAfter) {
    sample.nodeCpu = nodeCpuBetween(cpuBefore, cpuAfter)
    const figures = nodeCpuFigures(sample.nodeCpu, sample.metrics.throughputBps)
    sample.metrics.cpuNodePercent = figures.percent
    sample.metrics.cpuNodePerGbps = figures.perGbps
  }
  return sample
}

/** One iperf3 run at the point's offered rate or stream count. */
async function iperf3Repeat(measurement: PointMeasurement): Promise<void> {
  const { point, pair, signal, result } = measurement
  const probe = point.step === 'udp'
    ? { kind: 'udp' as const, bitrateBps: point.bitrateBps!, durationMs: point.durationMs, omitMs: point.omitMs }
    : { kind: 'tcp' as const, streams: point.streams ?? 1, durationMs: point.durationMs, omitMs: point.omitMs, reverse: point.reverse, bidir: point.bidir }
  const sample = measurement.pairs.length > 1 ? await runPairs(measurement.pairs, probe, signal, measurement.servers) : await runCounted(pair, probe, signal, measurement.servers)
  if (sample.congestion) result.congestion = sample.congestion
  measurement.record(sample)
}

/**
 * `pairs: N`: the N probes at once, every server listening before the clients start together; the
 * repeat's sample is their aggregate. A pair that fails fails the repeat, named.
 */
async function runPairs(pairs: readonly EndpointPair[], probe: Iperf3Probe, signal: AbortSignal | undefined, servers: ServerKeeper | undefined): Promise<Sample> {
  const ends = pairs.map((pair) => ({ from: pair.client.name, to: pair.server.name }))
  const samples = await runTogether(pairs.length, (index, ready) => runCounted(pairs[index]!, probe, signal, servers, ready), (index, error) => {
    const which = `pair ${index + 1} of ${pairs.length} (${ends[index]!.from} → ${ends[index]!.to})`
    return isNetbenchError(error) ? new NetbenchError(error.code, `${which}: ${error.message}`, { hint: error.hint, cause: error }) : new Error(`${which}: ${error instanceof Error ? error.message : String(error)}`)
  })
  return aggregatePairs(samples, ends)
}

/**
 * The max-rate search; the point's figures are those of the probe that confirmed the rate found
 * (the step's full duration), the last probe taken at that rate.
 */
async function search(measurement: PointMeasurement): Promise<void> {
  const { point, pair, signal, result } = measurement
  const spec = point.search!
  const atRate = new Map<number, Sample>()
  const found = await searchMaxRate(spec, async (offeredBps, durationMs) => {
    const sample = await runCounted(pair, { kind: 'udp', bitrateBps: offeredBps, durationMs, omitMs: point.omitMs }, signal, measurement.servers)
    atRate.set(offeredBps, sample)
    result.raw.push(sample.raw)
    return { offeredBps, senderBps: sample.metrics.senderBps, receivedBps: sample.metrics.throughputBps, lossPercent: sample.metrics.lossPercent }
  }, searchDurations(point.durationMs, measurement.searchStrategy))
  result.search = { ...spec, maxRateBps: found.maxRateBps, reachedUpperBound: found.reachedUpperBound, senderLimited: found.senderLimited, probes: found.probes }
  const best = found.maxRateBps === null ? undefined : atRate.get(found.maxRateBps)
  if (best) result.samples.push(toSampleResult(best, measurement.nextSequence()))
}

/** How long the load runs before the pings start: iperf3's own start and ramp-up. */
const LOAD_LEAD_MS = 1000

/** One sockperf request/response run; its percentiles and TPS are the repeat's figures. */
async function roundTrips(measurement: PointMeasurement, protocol: 'tcp' | 'udp'): Promise<void> {
  const { point, pair: { client, server, service }, signal } = measurement
  const run = await runSockperf({ client, server, probe: { protocol, durationMs: point.durationMs }, signal, destination: service })
  const metrics = emptyMetrics()
  metrics.rttMs = run.rttMs.p50
  if (protocol === 'udp') metrics.lossPercent = run.lossPercent
  const figures = { protocol, rttMs: run.rttMs, transactions: run.transactions, transactionsPerSecond: run.transactionsPerSecond }
  measurement.record({ metrics, mtu: Math.min(client.mtu, server.mtu), durationMs: run.durationMs, raw: run.raw, roundTrips: figures })
}

/**
 * One repeat of echo requests (or, with a protocol, of sockperf's request/response messages);
 * every echo reply's time is kept for the percentiles. Under load, an iperf3 run on the same pair
 * starts first and outlasts the probe, so every round trip crosses a loaded path.
 */
async function latencyRepeat(measurement: PointMeasurement): Promise<void> {
  const { point, pair: { client, server, service }, signal, result } = measurement
  const { count, intervalMs, underLoad, protocol } = point.latency!
  // The probe's length, which the load must outlast: sockperf measures only after its own lead.
  const pingMs = protocol ? point.durationMs + SOCKPERF_LEAD_MS : count * intervalMs
  const loadDurationMs = pingMs + 2 * LOAD_LEAD_MS
  const load = underLoad && runIperf3({
    client, server, signal, destination: service,
    probe: underLoad.kind === 'tcp' ? { kind: 'tcp', streams: 1, durationMs: loadDurationMs } : { kind: 'udp', bitrateBps: underLoad.bitrateBps, durationMs: loadDurationMs },
  })
  // A load that fails to start must not leave the pings racing it; its error surfaces below.
  load?.catch(() => undefined)
  if (load) await new Promise((resolve) => setTimeout(resolve, LOAD_LEAD_MS))
  if (protocol) {
    await roundTrips(measurement, protocol)
    if (load) result.load!.throughputBps.push((await load).metrics.throughputBps)
    return
  }
  const ping = await runPing({ client, server, probe: { count, intervalMs }, signal })
  if (load) result.load!.throughputBps.push((await load).metrics.throughputBps)
  measurement.rtts.push(...ping.rttsMs)
  const metrics = emptyMetrics()
  metrics.rttMs = ping.rttsMs.length ? percentile(ping.rttsMs, 50) : null
  metrics.lossPercent = ping.lossPercent
  measurement.record({ metrics, mtu: Math.min(client.mtu, server.mtu), durationMs: pingMs, raw: ping.raw })
}

/**
 * One point measured repeat by repeat, so that a runner can interleave the repeats of several
 * networks. A failure becomes the point's error (its expectations turn into errors, not failures)
 * rather than an exception, and ends its remaining repeats.
 */
export interface MeasureOptions {
  signal?: AbortSignal
  /** Numbers samples across a run (SampleResult.sequence); by default 1, 2, 3 … per point. */
  nextSequence?: () => number
  /** Asked only when a UDP sender fell short of the offered rate: was it the host or the path? */
  senderCeiling?: SenderCeiling
  /** How max-rate searches probe; `trials` unless a benchmark asks for the old full-length search. */
  searchStrategy?: SearchStrategy
  /** Keeps iperf3 servers listening between the probes of a network (default: one per probe). */
  servers?: ServerKeeper
}

/** Who sends in a TCP point: the client, the server (-R) or both (--bidir). */
function directionOf(point: PlannedPoint): PointResult['direction'] {
  if (point.step !== 'tcp') return null
  return point.reverse ? 'reverse' : point.bidir ? 'bidir' : 'forward'
}

export class PointMeasurement {
  readonly result: PointResult
  readonly rtts: number[] = []
  readonly signal: AbortSignal | undefined
  readonly nextSequence: () => number
  readonly searchStrategy: SearchStrategy | undefined
  /** The pair measured, the first of `pairs`. */
  readonly pair: EndpointPair
  /** `pairs: N`: the N pairs over distinct nodes, measured at once; else the one pair. */
  readonly pairs: readonly EndpointPair[]
  readonly servers: ServerKeeper | undefined

  constructor(suite: string, readonly point: PlannedPoint, pairs: EndpointPair | readonly EndpointPair[], private readonly options: MeasureOptions = {}) {
    this.pairs = Array.isArray(pairs) ? pairs : [pairs as EndpointPair]
    this.pair = this.pairs[0]!
    this.signal = options.signal
    this.nextSequence = options.nextSequence ?? sequenceCounter()
    this.searchStrategy = options.searchStrategy
    this.servers = options.servers
    this.result = {
      id: point.id, suite, network: point.network, step: point.step, stepIndex: point.stepIndex, label: point.label,
      bitrateBps: point.bitrateBps, streams: point.streams, direction: directionOf(point), endpoint: point.endpoint ?? 'pod', between: point.between,
      from: this.pairs.map((one) => one.client.name).join(', '), to: this.pairs.map((one) => one.server.name).join(', '),
      status: 'ok', error: null, metrics: emptyMetrics(), stats: {}, limitedBy: null, samples: [], raw: [],
    }
    if (this.pairs.length > 1) this.result.pairs = this.pairs.length
    if (point.latency?.protocol) this.result.protocol = point.latency.protocol
    if (point.via) this.result.via = point.via
    if (this.pair.service) this.result.service = { route: this.pair.service.label, translatedPackets: this.pair.service.translated ? 0 : null, translatedBytes: this.pair.service.translated ? 0 : null }
    const load = point.latency?.underLoad
    if (load) this.result.load = { kind: load.kind, offeredBps: load.kind === 'udp' ? load.bitrateBps : null, throughputBps: [] }
  }

  record(sample: Sample): void {
    this.result.samples.push(toSampleResult(sample, this.nextSequence()))
    this.result.raw.push(sample.raw)
  }

  /** Measures one repeat (a search: the whole search); nothing once the point has failed. */
  async repeat(): Promise<void> {
    if (this.result.status === 'error') return
    try {
      await this.translated(async () => {
        if (this.point.step === 'latency') await latencyRepeat(this)
        else if (this.point.search) await search(this)
        else await iperf3Repeat(this)
      })
    } catch (error) {
      this.result.status = 'error'
      this.result.error = isNetbenchError(error) ? error.oneLine : error instanceof Error ? error.message : String(error)
    }
  }

  /** Runs `probe`, adding what the Service's DNAT translated meanwhile to the point's count. */
  private async translated(probe: () => Promise<void>): Promise<void> {
    const read = this.pair.service?.translated?.bind(this.pair.service)
    const path = this.result.service
    if (!read || !path) return probe()
    const before = await read()
    await probe()
    const after = await read()
    path.translatedPackets! += after.packets - before.packets
    path.translatedBytes! += after.bytes - before.bytes
  }

  /** Medians and spreads over the repeats taken, and what limited them. */
  async finish(): Promise<PointResult> {
    const { result } = this
    if (this.point.step === 'latency' && result.status === 'ok' && !this.point.latency?.protocol) result.rttsMs = this.rtts
    const roundTrips = medianRoundTrips(result.samples)
    if (roundTrips) result.roundTrips = roundTrips
    result.metrics = medianMetrics(result.samples)
    result.stats = metricStats(result.samples)
    const nodeCpu = summarizeNodeCpu(result.samples)
    if (nodeCpu) result.nodeCpu = nodeCpu
    if (result.pairs) {
      const fairness = result.samples.flatMap((sample) => typeof sample.fairness === 'number' ? [sample.fairness] : [])
      result.fairness = fairness.length ? percentile(fairness, 50) : null
    }
    const { senderCeiling } = this.options
    if (senderCeiling && result.status === 'ok' && isSenderLimited(result)) {
      const reachedBps = result.metrics.senderBps === null ? null : result.metrics.senderBps / this.pairs.length
      result.senderCeilingBps = await senderCeiling(this.pair.client, reachedBps, this.signal)
    }
    result.limitedBy = limitedBy(result)
    return result
  }
}

/** A counter for samples' sequence numbers: 1, 2, 3, … */
export function sequenceCounter(): () => number {
  let last = 0
  return () => ++last
}

/** Measures one point: all its repeats in a row. */
export async function measurePoint(suite: string, point: PlannedPoint, pair: EndpointPair, options: MeasureOptions = {}): Promise<PointResult> {
  const measurement = new PointMeasurement(suite, point, pair, options)
  for (let repeat = 0; repeat < repeatsOf(point); repeat++) await measurement.repeat()
  return measurement.finish()
}
