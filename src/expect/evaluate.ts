import type { Comparator, Expectation, Metric } from './parse.ts'
import type { Metrics } from '../results/metrics.ts'
import type { ExpectationStatus, PointResult } from '../results/types.ts'
import { statistic } from '../results/stats.ts'
import { formatMs, formatRate, trimNumber } from '../units.ts'

export interface Verdict {
  status: Exclude<ExpectationStatus, 'skipped'>
  actual: number | null
  expected: number | null
  unit: 'bps' | 'percent' | 'ms' | 'count'
  /** `measured 438.2 Mbit/s, needed >= 405 Mbit/s (90% of offered)`. */
  message: string
}

const unitOf: Record<Metric, Verdict['unit']> = {
  throughput: 'bps', loss: 'percent', jitter: 'ms', retransmits: 'count', cpu: 'percent',
}

/** The busier end for `cpu`: a datapath is as cheap as its most loaded side. */
function metricValue(metrics: Metrics, metric: Metric): number | null {
  switch (metric) {
    case 'throughput': return metrics.throughputBps
    case 'loss': return metrics.lossPercent
    case 'jitter': return metrics.jitterMs
    case 'retransmits': return metrics.retransmits
    case 'cpu': {
      const values = [metrics.cpuSenderPercent, metrics.cpuReceiverPercent].filter((value): value is number => value !== null)
      return values.length ? Math.max(...values) : null
    }
  }
}

function statOver(point: PointResult, expectation: Expectation): number | null {
  const values = point.samples.map((sample) => metricValue(sample.metrics, expectation.metric)).filter((value): value is number => value !== null && Number.isFinite(value))
  return statistic(values, expectation.stat)
}

const compare: Record<Comparator, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
}

export function formatValue(value: number | null, unit: string | null): string {
  if (value === null) return '—'
  switch (unit) {
    case 'bps': return formatRate(value)
    case 'percent': return `${trimNumber(value, 2)}%`
    case 'ms': return formatMs(value)
    default: return trimNumber(value, 2)
  }
}

/** Checks one expectation against its measured point (and the reference point for `% of <network>`). */
export function evaluate(expectation: Expectation, point: PointResult, reference: PointResult | null): Verdict {
  const unit = unitOf[expectation.metric]
  const error = (message: string): Verdict => ({ status: 'error', actual: null, expected: null, unit, message })
  if (point.status === 'error') return error(`measurement failed: ${point.error}`)
  const actual = statOver(point, expectation)
  if (actual === null) return error(`${point.label} on ${point.network} reported no ${expectation.metric}`)
  let expected: number
  let basis = ''
  const { bound } = expectation
  if (bound.kind === 'absolute') {
    expected = bound.value
  } else if (bound.of.kind === 'offered') {
    if (point.bitrate === null) return error('this point has no offered rate')
    expected = (bound.percent / 100) * point.bitrate
    basis = ` (${trimNumber(bound.percent)}% of offered ${formatRate(point.bitrate)})`
  } else if (bound.of.kind === 'network') {
    if (!reference) return error(`no ${point.label} point of ${bound.of.network} to compare with`)
    if (reference.status === 'error') return error(`the reference measurement on ${reference.network} failed: ${reference.error}`)
    const referenceValue = statOver(reference, expectation)
    if (referenceValue === null) return error(`${reference.network} reported no ${expectation.metric}`)
    expected = (bound.percent / 100) * referenceValue
    basis = ` (${trimNumber(bound.percent)}% of ${reference.network}'s ${formatValue(referenceValue, unit)})`
  } else {
    return error('no baseline result was given (--baseline)')
  }
  const held = compare[expectation.comparator](actual, expected)
  const stat = expectation.stat === 'median' ? '' : `${expectation.stat} `
  return {
    status: held ? 'passed' : 'failed',
    actual,
    expected,
    unit,
    message: `measured ${stat}${formatValue(actual, unit)}, needed ${expectation.comparator} ${formatValue(expected, unit)}${basis}`,
  }
}
