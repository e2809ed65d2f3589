/**
 * Evaluation on its own: expectations judged against hand-made points (test/hand-result.ts), no
 * lab and no root. Every figure below is worked out by hand from the samples given.
 */
import { describe, expect, it } from 'vitest'
import { handPoint } from '../../test/hand-result.ts'
import { evaluate, holds } from './evaluate.ts'
import { parseExpectation } from './parse.ts'

const M = 1e6
const judge = (text: string, point: ReturnType<typeof handPoint>, reference: ReturnType<typeof handPoint> | null = null) =>
  evaluate(parseExpectation(text), point, reference)

/** Three TCP repeats: median 200M, mean 200M, min 100M, max 300M. */
const tcp = handPoint('host', 'tcp', { throughputBps: [100 * M, 300 * M, 200 * M], retransmits: [4, 0, 2] })

describe('comparators', () => {
  it('holds: strict and non-strict on either side of the bound', () => {
    expect([holds['<'](1, 2), holds['<'](2, 2), holds['<'](3, 2)]).toEqual([true, false, false])
    expect([holds['<='](1, 2), holds['<='](2, 2), holds['<='](3, 2)]).toEqual([true, true, false])
    expect([holds['>'](1, 2), holds['>'](2, 2), holds['>'](3, 2)]).toEqual([false, false, true])
    expect([holds['>='](1, 2), holds['>='](2, 2), holds['>='](3, 2)]).toEqual([false, true, true])
  })

  it.each([
    ['host throughput > 200M', 'failed'], ['host throughput >= 200M', 'passed'],
    ['host throughput < 200M', 'failed'], ['host throughput <= 200M', 'passed'],
    ['host throughput > 199M', 'passed'], ['host throughput < 201M', 'passed'],
  ] as const)('%s on a median of exactly 200M: %s', (text, status) => {
    expect(judge(text, tcp)).toMatchObject({ status, actual: 200 * M, unit: 'bps' })
  })

  it('says what it measured and what it needed, with digits enough to tell them apart', () => {
    expect(judge('host throughput >= 200M', tcp)).toMatchObject({ message: 'measured 200.0 Mbit/s, needed >= 200.0 Mbit/s', needed: 'needed >= 200.0 Mbit/s' })
    expect(judge('host throughput > 200.01M', tcp)).toMatchObject({ status: 'failed', expected: 200.01 * M, message: 'measured 200.00 Mbit/s, needed > 200.01 Mbit/s' })
  })
})

describe('statistics over the repeats', () => {
  it.each([
    ['min', 100 * M], ['max', 300 * M], ['mean', 200 * M],
    // Linear between ranks: rank 0.95 × 2 = 1.9 → 200M + 0.9 × 100M.
    ['p95', 290 * M], ['p99', 298 * M],
  ] as const)('throughput.%s is %d', (stat, value) => {
    const verdict = judge(`host throughput.${stat} >= 1M`, tcp)
    expect(verdict.actual).toBeCloseTo(value, 0)
    expect(verdict.status).toBe('passed')
  })

  it('cpu is the busier end; a side without a figure is left out', () => {
    const point = handPoint('host', 'tcp', { throughputBps: [1 * M], cpuSenderPercent: [10], cpuReceiverPercent: [30] })
    expect(judge('host cpu < 25%', point)).toMatchObject({ status: 'failed', actual: 30, expected: 25, unit: 'percent' })
    const senderOnly = handPoint('host', 'tcp', { throughputBps: [1 * M], cpuSenderPercent: [10] })
    expect(judge('host cpu < 25%', senderOnly)).toMatchObject({ status: 'passed', actual: 10 })
  })

  it('cpu.node reads the nodes\' /proc/stat figures, not iperf3\'s; results without them report none', () => {
    const point = handPoint('flannel', 'tcp', { throughputBps: [1e9, 2e9, 1.5e9], cpuSenderPercent: [90, 90, 90], cpuNodePercent: [30, 50, 40], cpuNodePerGbps: [0.6, 0.5, 0.4] })
    expect(judge('flannel tcp cpu.node < 40%', point)).toMatchObject({ status: 'failed', actual: 40, expected: 40, unit: 'percent' })
    expect(judge('flannel tcp cpu.node.max <= 50%', point)).toMatchObject({ status: 'passed', actual: 50 })
    expect(judge('flannel tcp cpu.node.perGbps < 0.55', point)).toMatchObject({ status: 'passed', actual: 0.5, unit: 'count' })
    // Twice the CPU per Gbit/s at the same throughput: the regression a gate must catch.
    const host = handPoint('host', 'tcp', { throughputBps: [1.5e9], cpuNodePerGbps: [0.2] })
    expect(judge('flannel tcp cpu.node.perGbps <= 150% of host', point, host)).toMatchObject({ status: 'failed', actual: 0.5, expected: expect.closeTo(0.3, 10) })
    // An upgrade that keeps the throughput but doubles the CPU fails against the baseline, beyond its repeats' noise.
    const before = handPoint('flannel', 'tcp', { throughputBps: [1e9, 2e9, 1.5e9], cpuNodePerGbps: [0.3, 0.25, 0.2] })
    const gate = parseExpectation('flannel tcp cpu.node.perGbps <= 120% of baseline')
    expect(evaluate(gate, point, null, { kind: 'found', runId: 'ab12', point: before })).toMatchObject({ status: 'failed', actual: 0.5, expected: expect.closeTo(0.3, 10) })
    expect(evaluate(gate, before, null, { kind: 'found', runId: 'ab12', point: before })).toMatchObject({ status: 'passed' })
    const old = handPoint('host', 'tcp', { throughputBps: [1e9] })
    expect(judge('host tcp cpu.node < 40%', old)).toMatchObject({ status: 'error', message: 'tcp on host reported no cpu.node' })
  })

  it('rtt percentiles come from every echo reply, not from the repeats', () => {
    const latency = handPoint('host', 'latency', {}, { step: 'latency', rttsMs: [1, 2, 3, 4] })
    expect(judge('host rtt < 3ms', latency)).toMatchObject({ status: 'passed', actual: 2.5, unit: 'ms' })
    expect(judge('host rtt.max < 3ms', latency)).toMatchObject({ status: 'failed', actual: 4 })
  })

  it('a value that is no number (NaN) does not count as a repeat', () => {
    const point = handPoint('host', 'tcp', { throughputBps: [Number.NaN, 100 * M] })
    expect(judge('host throughput >= 100M', point)).toMatchObject({ status: 'passed', actual: 100 * M })
  })
})

describe('percent of', () => {
  const udp = (received: number, sent: number) => handPoint('host', 'udp 100M', { throughputBps: [received], senderBps: [sent] })

  it('of offered: the bound is the share of the point\'s offered rate', () => {
    expect(judge('host throughput >= 90% of offered', udp(95 * M, 99 * M))).toMatchObject({
      status: 'passed', actual: 95 * M, expected: 90 * M, message: 'measured 95.0 Mbit/s, needed >= 90.0 Mbit/s (90% of offered 100.0 Mbit/s)',
    })
  })

  it('of offered, missed because the sender never sent enough: says so', () => {
    expect(judge('host throughput >= 90% of offered', udp(50 * M, 50 * M)).message).toMatch(/; the sender sent only 50\.0 Mbit\/s$/)
  })

  it('of another network: the share of that network\'s same point', () => {
    const flannel = handPoint('flannel', 'tcp', { throughputBps: [400 * M] })
    expect(judge('host tcp throughput >= 90% of flannel', tcp, flannel)).toMatchObject({
      status: 'failed', actual: 200 * M, expected: 360 * M, message: "measured 200.0 Mbit/s, needed >= 360.0 Mbit/s (90% of flannel's 400.0 Mbit/s)",
    })
  })
})

describe('missing values are errors, never passes', () => {
  it.each([
    ['the point failed', 'host throughput >= 1M', handPoint('host', 'tcp', {}, { status: 'error', error: 'iperf3: connection refused' }), null, 'measurement failed: iperf3: connection refused'],
    ['the metric was not reported', 'host jitter < 1ms', tcp, null, 'tcp on host reported no jitter'],
    ['no offered rate', 'host throughput >= 90% of offered', tcp, null, 'this point has no offered rate'],
    ['no reference point', 'host tcp throughput >= 90% of flannel', tcp, null, 'no tcp point of flannel to compare with'],
    ['the reference failed', 'host tcp throughput >= 90% of flannel', tcp, handPoint('flannel', 'tcp', {}, { status: 'error', error: 'boom' }), 'the reference measurement on flannel failed: boom'],
    ['the reference lacks the metric', 'host tcp throughput >= 90% of flannel', tcp, handPoint('flannel', 'tcp', {}), 'flannel reported no throughput'],
    ['no baseline given', 'host tcp throughput >= 90% of baseline', tcp, null, 'no baseline result was given (--baseline)'],
  ] as const)('%s', (_, text, point, reference, message) => {
    expect(judge(text, point, reference)).toEqual({ status: 'error', actual: null, expected: null, unit: expect.any(String), message })
  })

  it('a baseline without the point names why', () => {
    const verdict = evaluate(parseExpectation('host tcp throughput >= 90% of baseline'), tcp, null, { kind: 'missing', message: 'the baseline (run ab12) has no point host › tcp' })
    expect(verdict).toMatchObject({ status: 'error', message: 'the baseline (run ab12) has no point host › tcp' })
  })
})

describe('request/response latency (sockperf): each repeat\'s percentiles and TPS', () => {
  const run = (p99: number, tps: number) => ({ protocol: 'tcp' as const, rttMs: { p50: p99 / 4, p90: p99 / 2, p99, 'p99.9': p99 * 2, min: 0.01, max: p99 * 3, mean: p99 / 3 }, transactions: 1000, transactionsPerSecond: tps })
  /** Three repeats: p99 of 1, 3 and 2 ms (median 2 ms), TPS 9000, 5000, 7000 (median 7000). */
  const point = handPoint('host', 'latency tcp', { rttMs: [0.25, 0.75, 0.5] }, { step: 'latency', protocol: 'tcp', roundTrips: run(2, 7000) })
  point.samples.forEach((sample, index) => { sample.roundTrips = [run(1, 9000), run(3, 5000), run(2, 7000)][index]! })

  it.each([
    ['host rtt.p99 < 2.5ms', 'passed', 2], ['host rtt.p99.9 < 3ms', 'failed', 4], ['host rtt < 0.6ms', 'passed', 0.5],
    ['host rtt.p90 <= 1ms', 'passed', 1], ['host tps >= 7000', 'passed', 7000], ['host tps.min >= 6000', 'failed', 5000],
  ] as const)('%s: the median of the repeats\' figures (%s, %s)', (text, status, actual) => {
    expect(judge(text, point)).toMatchObject({ status, actual })
  })

  it('p95 is no sockperf percentile: an error that says which are', () => {
    expect(judge('host rtt.p95 < 1ms', point)).toMatchObject({ status: 'error', message: 'sockperf reports no p95 of request/response round trips: use p50, p90, p99 or p99.9' })
  })
})

describe('fairness of pairs: each repeat\'s Jain index, their median', () => {
  const pairs = handPoint('host', 'tcp (2 pairs)', { throughputBps: [300 * M, 280 * M, 320 * M] }, { pairs: 2, fairness: 0.9 })
  pairs.samples.forEach((sample, index) => { sample.fairness = [0.9, 0.7, 0.95][index]! })
  it('reads the repeats\' indexes', () => {
    expect(judge('host tcp fairness >= 0.9', pairs)).toMatchObject({ status: 'passed', actual: 0.9 })
    expect(judge('host tcp fairness.min >= 0.9', pairs)).toMatchObject({ status: 'failed', actual: 0.7 })
  })
  it('a point without pairs has no fairness: an error, never a pass', () => {
    expect(judge('host tcp fairness >= 0.5', tcp)).toMatchObject({ status: 'error' })
  })
  it('of offered: a udp rate is per pair, so 2 pairs at 50M offer 100M', () => {
    const udp = handPoint('host', 'udp 50M (2 pairs)', { throughputBps: [95 * M], senderBps: [100 * M] }, { pairs: 2 })
    expect(judge('host at 50M throughput >= 90% of offered', udp)).toMatchObject({ status: 'passed', expected: 90 * M })
    expect(judge('host at 50M throughput >= 99% of offered', udp).message).toContain('2 pairs × 50.0 Mbit/s')
  })
})
