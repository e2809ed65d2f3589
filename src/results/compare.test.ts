import { describe, expect, it } from 'vitest'
import { handPoint, handRun } from '../../test/hand-result.ts'
import { compareRuns, describeDelta, NODE_CPU_METRIC, pairPoints } from './compare.ts'
import type { PointChange } from './types.ts'

const M = 1e6
const mbit = (...values: number[]) => values.map((value) => value * M)
const only = (change: PointChange, metric: string) => change.metrics.find((candidate) => candidate.metric === metric)!

/** Compares one point measured twice; throughput values in Mbit/s. */
function compareOne(baseline: number[], current: number[], label = 'tcp') {
  const comparison = compareRuns(handRun('a', [handPoint('flannel', label, { throughputBps: mbit(...baseline) })]), handRun('b', [handPoint('flannel', label, { throughputBps: mbit(...current) })]))
  return comparison.points[0]!
}

describe('compareRuns: throughput against a 5% tolerance', () => {
  it('calls a drop beyond tolerance and noise a regression, naming the test', () => {
    // Bound = baseline × 0.95 = 95, 95.95, 94.05 (mean 95, var 0.9025); current 90, 91, 89 (mean 90, var 1).
    // t = (90 − 95)/√(1/3 + 0.9025/3) = −6.279, Welch df = 3.99, one-sided p = 0.0017.
    const change = compareOne([100, 101, 99], [90, 91, 89])
    const throughput = only(change, 'throughput')
    expect(change.verdict).toBe('regression')
    expect(throughput.deltaPercent).toBeCloseTo(-10, 10)
    expect(throughput.decidedBy).toBe("one-sided Welch's t-test, p = 0.002 (3 vs 3 samples)")
    expect(describeDelta(throughput)).toBe('−10%')
  })

  it('leaves a drop within the noise as noise, not a regression', () => {
    // Medians 93 vs bound 95 cross, but the repeats scatter by ±10: t = −0.251, p = 0.407.
    const change = compareOne([100, 110, 90], [93, 103, 83])
    expect(change.verdict).toBe('noise')
    expect(only(change, 'throughput').decidedBy).toBe("within noise: one-sided Welch's t-test, p = 0.407 (3 vs 3 samples)")
  })

  it('without repeats decides on the medians alone, and says so', () => {
    const change = compareOne([100], [94])
    expect(change.verdict).toBe('regression')
    expect(only(change, 'throughput').decidedBy).toMatch(/^medians only \(1 vs 1 samples: no noise estimate/)
    expect(compareOne([100], [96]).verdict).toBe('unchanged')
  })

  it('keeps a drop within the tolerance unchanged and finds improvements', () => {
    expect(compareOne([100, 100, 100], [96, 96, 96])).toMatchObject({ verdict: 'unchanged', metrics: [expect.objectContaining({ decidedBy: 'within tolerance' }), expect.anything()] })
    // Bound = baseline × 1.05 (mean 105); current mean 110: t = 5.97, p = 0.002.
    const better = compareOne([100, 101, 99], [110, 111, 109])
    expect(better.verdict).toBe('improvement')
    expect(only(better, 'throughput').decidedBy).toBe("one-sided Welch's t-test, p = 0.002 (3 vs 3 samples)")
  })
})

describe('compareRuns: loss in percentage points, and what is gated', () => {
  it('gates loss on its absolute rise', () => {
    // Bound = baseline + 0.5 pp = 0.6, 0.7, 0.6; current 1.0, 1.1, 0.9: t = 5.5, df = 3.2, p = 0.005.
    const baseline = handPoint('weave', 'udp 100M', { throughputBps: mbit(99, 99, 99), lossPercent: [0.1, 0.2, 0.1], jitterMs: [0.01, 0.01, 0.01] })
    const current = handPoint('weave', 'udp 100M', { throughputBps: mbit(99, 99, 99), lossPercent: [1.0, 1.1, 0.9], jitterMs: [0.05, 0.05, 0.05] })
    const change = compareRuns(handRun('a', [baseline]), handRun('b', [current])).points[0]!
    const loss = only(change, 'loss')
    expect(loss).toMatchObject({ verdict: 'regression', gated: true, delta: expect.closeTo(0.9, 10), decidedBy: "one-sided Welch's t-test, p = 0.005 (3 vs 3 samples)" })
    expect(describeDelta(loss)).toBe('+0.9 pp')
    // Jitter quintupled but is not gated: the point's verdict comes from throughput and loss.
    expect(only(change, 'jitter')).toMatchObject({ gated: false, verdict: 'regression' })
    expect(change.verdict).toBe('regression')
  })

  it('shows node CPU per Gbit/s when a side measured it, without gating it', () => {
    const doubled = compareRuns(handRun('a', [handPoint('calico', 'tcp', { throughputBps: mbit(900, 910, 905), cpuNodePerGbps: [1.0, 1.1, 1.05] })]),
      handRun('b', [handPoint('calico', 'tcp', { throughputBps: mbit(900, 910, 905), cpuNodePerGbps: [2.0, 2.1, 2.05] })])).points[0]!
    expect(only(doubled, NODE_CPU_METRIC)).toMatchObject({ verdict: 'regression', gated: false, deltaPercent: expect.closeTo(95.2, 0) })
    expect(doubled.verdict).toBe('unchanged')
    const unmeasured = compareOne([100], [100])
    expect(unmeasured.metrics.map((metric) => metric.metric)).toEqual(['throughput', 'retransmits'])
  })

  it('honours a custom tolerance', () => {
    const comparison = compareRuns(handRun('a', [handPoint('host', 'tcp', { throughputBps: mbit(100) })]), handRun('b', [handPoint('host', 'tcp', { throughputBps: mbit(94) })]), { percent: 10, lossPoints: 0.5 })
    expect(comparison.points[0]!.verdict).toBe('unchanged')
    expect(comparison.regressions).toBe(0)
  })
})

describe('compareRuns: points that do not pair', () => {
  it('a failed measurement that worked before is a regression; missing points are listed, not gated', () => {
    const baseline = handRun('a', [handPoint('host', 'tcp', { throughputBps: mbit(100) }), handPoint('host', 'udp 10M', { throughputBps: mbit(10), lossPercent: [0] })])
    const current = handRun('b', [handPoint('host', 'tcp', {}, { status: 'error', error: 'iperf3: the server is busy' }), handPoint('calico', 'tcp', { throughputBps: mbit(90) })])
    const comparison = compareRuns(baseline, current)
    expect(comparison.points.map((point) => [point.network, point.label, point.presence, point.verdict])).toEqual([
      ['host', 'tcp', 'both', 'regression'],
      ['calico', 'tcp', 'current-only', 'missing'],
      ['host', 'udp 10M', 'baseline-only', 'missing'],
    ])
    expect(comparison.points[0]!.currentError).toBe('iperf3: the server is busy')
    expect(comparison.regressions).toBe(1)
  })

  it('pairs by label first, then by the measurement when a label gained a qualifier', () => {
    const before = [handPoint('host', 'tcp', { throughputBps: [1] }), handPoint('host', 'tcp reverse', { throughputBps: [2] })]
    const after = [handPoint('host', 'tcp reverse', { throughputBps: [3] }), handPoint('host', 'tcp (zones)', { throughputBps: [4] })]
    expect(pairPoints(before, after).map(([a, b]) => [a?.label, b.label])).toEqual([['tcp reverse', 'tcp reverse'], ['tcp', 'tcp (zones)']])
    // A Service path is another measurement than the pod path, whatever the labels say.
    const service = [handPoint('host', 'tcp via service (nodes)', { throughputBps: [5] }, { via: 'service' })]
    expect(pairPoints(before.slice(0, 1), service)).toEqual([[undefined, service[0]]])
  })

  it('pairs suites by name, or the only suite of each run', () => {
    const renamed = compareRuns(handRun('a', [handPoint('host', 'tcp', { throughputBps: mbit(100) })], 'old name'), handRun('b', [handPoint('host', 'tcp', { throughputBps: mbit(100) })], 'new name'))
    expect(renamed.points.map((point) => point.presence)).toEqual(['both'])
  })
})

describe('pairs: N against one pair', () => {
  it('a pairs point never stands in for the one-pair point of the same rate (their figures are aggregates of N)', () => {
    const one = handPoint('host', 'tcp', { throughputBps: mbit(200) })
    const two = handPoint('host', 'tcp (2 pairs)', { throughputBps: mbit(400) }, { pairs: 2 })
    expect(pairPoints([one], [two])).toEqual([[undefined, two]])
    expect(pairPoints([two, one], [{ ...one, label: 'tcp (zones)' }])).toEqual([[one, { ...one, label: 'tcp (zones)' }]])
  })
})
