import { METRIC_UNITS, type Comparator, type Expectation, type Metric, type Stat } from './vocabulary.ts'
import type { Metrics, RoundTripPercentiles } from '../results/metrics.ts'
import type { PointResult, Verdict } from '../results/types.ts'
import { statistic } from '../results/stats.ts'
import type { BaselineMatch } from '../results/baseline.ts'
import { judge } from '../results/judge.ts'
import { offeredBps } from '../results/pairs.ts'
import { formatValue } from '../results/format.ts'
import { formatRate, trimNumber } from '../units.ts'

/** The busier end for `cpu`: a datapath is as cheap as its most loaded side. */
function metricValue(metrics: Metrics, metric: Metric): number | null {
  switch (metric) {
    case 'throughput': return metrics.throughputBps
    case 'loss': return metrics.lossPercent
    case 'loss.network': return metrics.lossNetworkPercent
    case 'loss.receiver': return metrics.lossReceiverPercent
    case 'jitter': return metrics.jitterMs
    case 'rtt': return metrics.rttMs
    case 'retransmits': return metrics.retransmits
    case 'cpu': {
      const values = [metrics.cpuSenderPercent, metrics.cpuReceiverPercent].filter((value): value is number => value !== null)
      return values.length ? Math.max(...values) : null
    }
    // The nodes' own CPU (/proc/stat), absent in results of earlier versions.
    case 'cpu.node': return metrics.cpuNodePercent ?? null
    case 'cpu.node.perGbps': return metrics.cpuNodePerGbps ?? null
    // Figures of the point or the network rather than of each sample: see valuesOf, network-checks.ts.
    case 'tps': return null
    case 'fairness': return null
    case 'max': return null
    case 'setup-time': return null
    case 'policy': return null
  }
}

/**
 * What a stat is taken over: each repeat's figure, except for a search (one found rate) and for
 * rtt, whose percentiles come from every echo reply.
 */
function valuesOf(point: PointResult, metric: Metric): number[] {
  if (metric === 'max') return point.search?.maxRateBps == null ? [] : [point.search.maxRateBps]
  if (metric === 'rtt' && point.rttsMs) return point.rttsMs
  if (metric === 'fairness') return point.samples.flatMap((sample) => typeof sample.fairness === 'number' ? [sample.fairness] : [])
  if (metric === 'tps') return point.samples.flatMap((sample) => sample.roundTrips ? [sample.roundTrips.transactionsPerSecond] : [])
  return point.samples.map((sample) => metricValue(sample.metrics, metric)).filter((value): value is number => value !== null && Number.isFinite(value))
}

/** sockperf reports no p95; the other stats name one of its percentiles (median: p50). */
const ROUND_TRIP_STATS: Partial<Record<Stat, keyof RoundTripPercentiles>> = {
  median: 'p50', p50: 'p50', p90: 'p90', p99: 'p99', 'p99.9': 'p99.9', min: 'min', max: 'max', mean: 'mean',
}

/**
 * The values an expectation's stat is taken over, and that stat. A request/response point has each
 * repeat's percentiles rather than every round trip: rtt.p99 is the median of the repeats' p99s.
 */
function figuresOf(point: PointResult, expectation: Expectation): { values: number[]; stat: Stat } {
  const { metric, stat } = expectation
  if (metric !== 'rtt' || !point.samples.some((sample) => sample.roundTrips)) return { values: valuesOf(point, metric), stat }
  const key = ROUND_TRIP_STATS[stat]
  const values = key ? point.samples.flatMap((sample) => sample.roundTrips ? [sample.roundTrips.rttMs[key]] : []) : []
  return { values, stat: 'median' }
}

function statOver(point: PointResult, expectation: Expectation): number | null {
  const { values, stat } = figuresOf(point, expectation)
  return statistic(values, stat)
}

/** Does `actual` keep the bound? The one table every expectation is judged by. */
export const holds: Record<Comparator, (actual: number, bound: number) => boolean> = {
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
}

/** A value with `extra` more decimals than formatValue gives (rates keep their unit). */
function formatPrecise(value: number, unit: string, extra: number): string {
  if (extra === 0) return formatValue(value, unit)
  switch (unit) {
    case 'bps': return formatRate(value, extra)
    case 'percent': return `${value.toFixed(2 + extra)}%`
    case 'ms': return `${value.toFixed(3 + extra)}ms`
    default: return value.toFixed(extra)
  }
}

/**
 * A measured value and its bound with enough digits to tell them apart: a miss by 0.1% must not
 * read as `10.0 Mbit/s, needed >= 10.0 Mbit/s`.
 */
export function formatApart(actual: number, expected: number, unit: string): [string, string] {
  let extra = 0
  while (extra < 4 && actual !== expected && formatPrecise(actual, unit, extra) === formatPrecise(expected, unit, extra)) extra++
  return [formatPrecise(actual, unit, extra), formatPrecise(expected, unit, extra)]
}

/** The bound from the baseline's point: its statistic moved by the expectation's share or offset. */
function againstBaseline(expectation: Expectation, baseline: BaselineMatch | undefined): { error: string } | { expected: number; basis: string; bounds: number[] } {
  if (!baseline) return { error: 'no baseline result was given (--baseline)' }
  if (baseline.kind === 'missing') return { error: baseline.message }
  const { point } = baseline
  if (point.status === 'error') return { error: `the baseline measurement of ${point.network} › ${point.label} failed: ${point.error}` }
  const { values } = figuresOf(point, expectation)
  const value = statOver(point, expectation)
  if (value === null) return { error: `the baseline's ${point.network} › ${point.label} reported no ${expectation.metric}` }
  const { bound } = expectation
  const toBound = (x: number) => bound.kind === 'offset' ? x + bound.value : bound.kind === 'relative' ? (bound.percent / 100) * x : x
  const unit = METRIC_UNITS[expectation.metric]
  const share = bound.kind === 'relative' ? `${trimNumber(bound.percent)}% of ` : ''
  const offset = bound.kind === 'offset' && bound.value !== 0 ? ` ${bound.value < 0 ? '-' : '+'} ${formatValue(Math.abs(bound.value), unit)}` : ''
  return { expected: toBound(value), basis: ` (${share}baseline ${formatValue(value, unit)}${offset})`, bounds: values.map(toBound) }
}

/**
 * Checks one expectation against its measured point (and the reference point for `% of <network>`,
 * or the baseline's point for `of baseline` and `baseline + …`).
 */
export function evaluate(expectation: Expectation, point: PointResult, reference: PointResult | null, baseline?: BaselineMatch): Verdict {
  const unit = METRIC_UNITS[expectation.metric]
  const error = (message: string): Verdict => ({ status: 'error', actual: null, expected: null, unit, message })
  if (point.status === 'error') return error(`measurement failed: ${point.error}`)
  const actual = statOver(point, expectation)
  if (actual === null && expectation.metric === 'rtt' && point.roundTrips && !ROUND_TRIP_STATS[expectation.stat]) {
    return error(`sockperf reports no ${expectation.stat} of request/response round trips: use p50, p90, p99 or p99.9`)
  }
  if (actual === null) return error(`${point.label} on ${point.network} reported no ${expectation.metric}`)
  let expected: number
  let basis = ''
  let baselineBounds: number[] | undefined
  const { bound } = expectation
  if (bound.kind === 'absolute') {
    expected = bound.value
  } else if (bound.kind === 'offset' || bound.of.kind === 'baseline') {
    const against = againstBaseline(expectation, baseline)
    if ('error' in against) return error(against.error)
    ;({ expected, basis, bounds: baselineBounds } = against)
  } else if (bound.of.kind === 'offered') {
    const offered = offeredBps(point)
    if (offered === null) return error('this point has no offered rate')
    expected = (bound.percent / 100) * offered
    basis = ` (${trimNumber(bound.percent)}% of offered ${formatRate(offered)}${point.pairs ? `, ${point.pairs} pairs × ${formatRate(point.bitrateBps)}` : ''})`
  } else {
    if (!reference) return error(`no ${point.label} point of ${bound.of.network} to compare with`)
    if (reference.status === 'error') return error(`the reference measurement on ${reference.network} failed: ${reference.error}`)
    const referenceValue = statOver(reference, expectation)
    if (referenceValue === null) return error(`${reference.network} reported no ${expectation.metric}`)
    expected = (bound.percent / 100) * referenceValue
    // Another path than the point's own is named: `95% of calico via pod's 8.1 Gbit/s`.
    const path = (reference.via ?? 'pod') === (point.via ?? 'pod') ? '' : ` via ${reference.via ?? 'pod'}`
    basis = ` (${trimNumber(bound.percent)}% of ${reference.network}${path}'s ${formatValue(referenceValue, unit)})`
  }
  const held = holds[expectation.comparator](actual, expected)
  // Short of the offer because the sender never sent enough: say so, it is no network loss.
  const sent = point.metrics.senderBps
  if (!held && bound.kind === 'relative' && bound.of.kind === 'offered' && sent !== null && sent < expected) basis += `; the sender sent only ${formatRate(sent)}`
  // Against a baseline measured with repeats, a miss smaller than run-to-run noise is not a failure.
  const noise = !held && baselineBounds ? judge(figuresOf(point, expectation).values, baselineBounds, expectation.comparator.startsWith('>') ? 'below' : 'above', true) : undefined
  const stat = expectation.stat === 'median' ? '' : `${expectation.stat} `
  const [shownActual, shownExpected] = formatApart(actual, expected, unit)
  const needed = `needed ${expectation.comparator} ${shownExpected}${basis}${noise ? `; ${noise.decidedBy}` : ''}`
  return {
    status: held || noise?.outcome === 'noise' ? 'passed' : 'failed',
    actual,
    expected,
    unit,
    message: `measured ${stat}${shownActual}, ${needed}`,
    needed,
  }
}
