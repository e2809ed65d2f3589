import { evaluate } from '../src/expect/evaluate.ts'
import { parseExpectation } from '../src/expect/parse.ts'
import { planSuite } from '../src/plan/plan.ts'
import type { PlannedPoint } from '../src/runner/planned.ts'
import { buildRunResult, type TestOutcome } from '../src/runner/build-result.ts'
import type { LoadedResult } from '../src/results/load-result.ts'
import { emptyMetrics } from '../src/results/metrics.ts'
import { medianMetrics, metricStats } from '../src/results/aggregate.ts'
import { attributeLoss, limitedBy } from '../src/results/attribution.ts'
import type { PointResult, RunResult, SampleResult } from '../src/results/types.ts'
import type { RunEvent } from '../src/results/events.ts'
import type { Suite } from '../src/model.ts'
import { parseBitrate } from '../src/units.ts'

/** How a simulated network behaves: what it carries and how it degrades under load. */
export interface NetworkModel {
  capacityBps: number
  /** Jitter at light load; it grows as the offered rate nears capacity. */
  jitterMs: number
  tcpShare: number
  retransmits: number
  setupMs: number | null
  info: Record<string, unknown>
}

/** The study's picture on m4.large uplinks (450 Mbit/s): overlays alike, Calico topping out first. */
export const STUDY_NETWORKS: Record<string, NetworkModel> = {
  host: { capacityBps: 442e6, jitterMs: 0.012, tcpShare: 0.97, retransmits: 12, setupMs: 4, info: { mtu: 1500, encapsulation: 'none' } },
  flannel: { capacityBps: 428e6, jitterMs: 0.021, tcpShare: 0.95, retransmits: 35, setupMs: 1840, info: { mtu: 1450, encapsulation: 'vxlan', cni: 'flannel v0.26.1' } },
  calico: { capacityBps: 318e6, jitterMs: 0.025, tcpShare: 0.93, retransmits: 88, setupMs: 2310, info: { mtu: 1480, encapsulation: 'ipip', cni: 'calico v3.29.1', bird: 'BIRD 2.15.1' } },
  weave: { capacityBps: 421e6, jitterMs: 0.031, tcpShare: 0.94, retransmits: 41, setupMs: 2675, info: { mtu: 1376, encapsulation: 'vxlan (fastdp)', cni: 'weave 2.8.1' } },
  cilium: { capacityBps: 433e6, jitterMs: 0.018, tcpShare: 0.96, retransmits: 22, setupMs: 3120, info: { mtu: 1450, encapsulation: 'vxlan', cni: 'cilium 1.16.5' } },
  'kube-router': { capacityBps: 437e6, jitterMs: 0.015, tcpShare: 0.96, retransmits: 18, setupMs: 1420, info: { mtu: 1500, encapsulation: 'none (BGP routes)', cni: 'kube-router v2.4.1', bird: 'GoBGP 3.30' } },
}

export interface FixtureOptions {
  name?: string
  file?: string
  networks?: string[]
  bitrates?: string[]
  repeats?: number
  /** iperf3 test length: one raw interval per second. */
  durationS?: number
  expectations?: string[]
  /** Overrides per network, e.g. a regressed capacity. */
  models?: Record<string, Partial<NetworkModel>>
  /** Point ids (`weave|0|3000000000`) whose measurement fails, with the error. */
  errors?: Record<string, string>
  /** Checks whose name matches never ran (skipped). */
  skip?: RegExp
  baseline?: LoadedResult
  /** Maximum rate the sending host can generate: above it points are sender-limited. */
  senderMaxBps?: number
  seed?: number
  runId?: string
}

/** mulberry32: a small seeded generator, so fixtures are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function udpRaw(offered: number, sent: number, received: number, jitterMs: number, lossPercent: number, durationS: number, blksize: number) {
  const packets = Math.round((sent * durationS) / 8 / blksize)
  const interval = (i: number) => ({
    streams: [{ socket: 5, start: i, end: i + 1, seconds: 1, bytes: Math.round(sent / 8), bits_per_second: sent, packets: Math.round(packets / durationS), omitted: false, sender: true }],
    sum: { start: i, end: i + 1, seconds: 1, bytes: Math.round(sent / 8), bits_per_second: sent, packets: Math.round(packets / durationS), omitted: false, sender: true },
  })
  const lost = Math.round((packets * lossPercent) / 100)
  const sum = (bps: number, jitter: number) => ({ start: 0, end: durationS, seconds: durationS, bytes: Math.round((bps * durationS) / 8), bits_per_second: bps, jitter_ms: jitter, lost_packets: lost, packets, lost_percent: lossPercent, sender: jitter === 0 })
  return {
    start: { version: 'iperf 3.12', system_info: 'Linux nb-lab 6.18.44 #1 SMP PREEMPT_DYNAMIC x86_64', target_bitrate: offered, test_start: { protocol: 'UDP', num_streams: 1, blksize, omit: 0, duration: durationS, target_bitrate: offered } },
    intervals: Array.from({ length: durationS }, (_, i) => interval(i)),
    end: { sum: sum(received, jitterMs), sum_sent: sum(sent, 0), sum_received: sum(received, jitterMs), cpu_utilization_percent: { host_total: 4 + sent / 1e8, remote_total: 1 + received / 2e8 } },
  }
}

function tcpRaw(throughput: number, retransmits: number, durationS: number) {
  const sum = { start: 0, end: durationS, seconds: durationS, bytes: Math.round((throughput * durationS) / 8), bits_per_second: throughput, retransmits, sender: true }
  return {
    start: { version: 'iperf 3.12', system_info: 'Linux nb-lab 6.18.44 #1 SMP PREEMPT_DYNAMIC x86_64', test_start: { protocol: 'TCP', num_streams: 1, blksize: 131072, omit: 0, duration: durationS } },
    intervals: Array.from({ length: durationS }, (_, i) => ({ sum: { start: i, end: i + 1, seconds: 1, bytes: Math.round(throughput / 8), bits_per_second: throughput, retransmits: Math.round(retransmits / durationS), omitted: false, sender: true } })),
    end: { sum_sent: sum, sum_received: { ...sum, retransmits: undefined }, cpu_utilization_percent: { host_total: 38, remote_total: 22 } },
  }
}

function measure(point: PlannedPoint, model: NetworkModel, options: Required<Pick<FixtureOptions, 'durationS' | 'senderMaxBps'>>, next: () => number, error: string | undefined, suite: string): PointResult {
  const noise = (spread: number) => 1 + (next() * 2 - 1) * spread
  const mtu = Number(model.info.mtu ?? 1500)
  const samples: SampleResult[] = []
  const raw: unknown[] = []
  for (let repeat = 0; repeat < (error ? 0 : point.repeat); repeat++) {
    const metrics = emptyMetrics()
    if (point.step === 'udp') {
      const offered = point.bitrateBps!
      const sent = Math.min(offered * noise(0.002), options.senderMaxBps * noise(0.03))
      const received = Math.min(sent * (1 - 0.0004 * next()), model.capacityBps * noise(0.012))
      const load = Math.min(1, sent / model.capacityBps)
      Object.assign(metrics, {
        throughputBps: received, senderBps: sent, lossPercent: Math.max(0, ((sent - received) / sent) * 100),
        jitterMs: model.jitterMs * (1 + 6 * load ** 3) * noise(0.15), cpuSenderPercent: 4 + sent / 1e8, cpuReceiverPercent: 1 + received / 2e8,
      })
      raw.push(udpRaw(offered, sent, received, metrics.jitterMs!, metrics.lossPercent!, options.durationS, mtu - 28))
      const packets = Math.round((sent * options.durationS) / 8 / (mtu - 28))
      // The simulated bottleneck is the network; the receiving socket keeps up.
      attributeLoss(metrics, packets, 0)
      samples.push({ metrics, packets, lostPackets: Math.round((packets * metrics.lossPercent!) / 100), receiverDrops: 0, datagramBytes: mtu - 28, mtu, durationMs: options.durationS * 1000 })
    } else {
      const throughput = model.capacityBps * model.tcpShare * noise(0.015)
      Object.assign(metrics, { throughputBps: throughput, senderBps: throughput, retransmits: Math.round(model.retransmits * noise(0.4)), cpuSenderPercent: 38 * noise(0.1), cpuReceiverPercent: 22 * noise(0.1) })
      raw.push(tcpRaw(throughput, metrics.retransmits!, options.durationS))
      samples.push({ metrics, packets: null, lostPackets: null, receiverDrops: null, datagramBytes: null, mtu, durationMs: options.durationS * 1000 })
    }
  }
  const result: PointResult = {
    id: point.id, suite, network: point.network, step: point.step as PointResult['step'], stepIndex: point.stepIndex, label: point.label, bitrateBps: point.bitrateBps, streams: point.streams,
    direction: point.step === 'tcp' ? 'forward' : null, endpoint: 'pod',
    between: point.between, from: 'n1', to: 'n2', status: error ? 'error' : 'ok', error: error ?? null, metrics: medianMetrics(samples),
    stats: metricStats(samples), limitedBy: null, samples, raw,
  }
  result.limitedBy = limitedBy(result)
  return result
}

/**
 * A RunResult as a real run produces it: the real planner binds the expectations, simulated
 * iperf3 samples (seeded, so stable) stand in for the lab, the real evaluate() judges each check
 * as the worker would (a verdict event), and the real buildRunResult() assembles the result.
 */
export function generateRun(options: FixtureOptions = {}): RunResult {
  const name = options.name ?? 'Overlay networks across availability zones (m4.large)'
  const file = options.file ?? '/work/suites/overlays.netbench.ts'
  const networks = options.networks ?? Object.keys(STUDY_NETWORKS)
  const bitrates = (options.bitrates ?? ['1M', '10M', '100M', '1G', '3G']).map((rate) => parseBitrate(rate)!)
  const repeat = options.repeats ?? 3
  const suite: Suite = {
    name, file,
    cluster: { provider: 'local', nodes: 3, zones: 3, instance: 'm4.large', bandwidthBps: 450e6 },
    networks,
    steps: [
      { kind: 'udp', index: 0, durationMs: (options.durationS ?? 10) * 1000, omitMs: 0, between: 'zones', repeat, bitratesBps: bitrates, search: null },
      { kind: 'tcp', index: 1, durationMs: (options.durationS ?? 10) * 1000, omitMs: 0, between: 'zones', repeat, streams: [1], reverse: false, bidir: false },
    ],
    expectations: (options.expectations ?? []).map(parseExpectation),
  }
  const plan = planSuite(suite, { baseline: options.baseline?.result })
  const next = random(options.seed ?? 42)
  const events: RunEvent[] = [{ type: 'suite-start', file, suite: name, cluster: { ...suite.cluster }, points: 0 }]
  const points = new Map<string, PointResult>()
  for (const network of plan.networks) {
    const model = { ...STUDY_NETWORKS[network.name] ?? STUDY_NETWORKS.flannel!, ...options.models?.[network.name] }
    events.push({ type: 'network', file, network: { name: network.name, status: 'ok', error: null, setupMs: model.setupMs, info: model.info } })
    for (const planned of network.points) {
      const point = measure(planned, model, { durationS: options.durationS ?? 10, senderMaxBps: options.senderMaxBps ?? 2.2e9 }, next, options.errors?.[planned.id], name)
      points.set(point.id, point)
      events.push({ type: 'point', file, point })
    }
  }
  const outcomes: TestOutcome[] = plan.checks.filter((check) => !options.skip?.test(check.name)).map((check) => {
    const reference = check.referencePointId ? points.get(check.referencePointId)! : null
    const verdict = evaluate(check.expectation, points.get(check.pointId)!, reference, check.baseline)
    events.push({ type: 'verdict', file, checkId: check.id, verdict })
    return { file, checkId: check.id, name: check.name, state: verdict.status === 'passed' ? 'passed' : 'failed', error: verdict.status === 'passed' ? null : verdict.message }
  })
  const result = buildRunResult({
    runId: options.runId ?? 'k7q2', startedAt: new Date('2026-11-26T07:40:38Z'),
    environment: { netbenchVersion: '0.1.0', node: 'v20.20.0', kernel: '6.18.44-fc-v782', platform: 'linux/x64', cpuModel: 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz', cpuCount: 8, iperf3: 'iperf 3.12 (cJSON 1.7.15)', provider: 'local' },
    plans: [plan], imperativeFiles: [], events, outcomes, fileErrors: new Map(), interrupted: false, baseline: options.baseline,
  })
  const measuredMs = [...points.values()].reduce((total, point) => total + point.samples.reduce((sum, sample) => sum + sample.durationMs + 300, 0), 0)
  return { ...result, durationMs: measuredMs }
}
