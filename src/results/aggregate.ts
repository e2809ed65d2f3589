import { emptyMetrics, type Metrics, type RoundTripPercentiles, type RoundTrips } from './metrics.ts'
import { confidenceInterval, variance } from './significance.ts'
import { mean, percentile } from './stats.ts'
import type { MetricStats, SampleResult } from './types.ts'

/** Medians per field over the samples: the figure a point is summarised by. */
export function medianMetrics(samples: readonly SampleResult[]): Metrics {
  const metrics = emptyMetrics()
  for (const key of Object.keys(metrics) as Array<keyof Metrics>) {
    const values = samples.map((sample) => sample.metrics[key]).filter((value): value is number => value !== null && Number.isFinite(value))
    metrics[key] = values.length ? percentile(values, 50) : null
  }
  return metrics
}

/** Per metric: median, mean, extremes, standard deviation and 95% interval over the samples. */
export function metricStats(samples: readonly SampleResult[]): Partial<Record<keyof Metrics, MetricStats>> {
  const stats: Partial<Record<keyof Metrics, MetricStats>> = {}
  for (const key of Object.keys(emptyMetrics()) as Array<keyof Metrics>) {
    const summary = summarize(samples.map((sample) => sample.metrics[key]).filter((value): value is number => value !== null && Number.isFinite(value)))
    if (summary) stats[key] = summary
  }
  return stats
}

/** Median, mean, extremes, sample standard deviation and 95% interval of the mean; undefined if empty. */
export function summarize(values: readonly number[]): MetricStats | undefined {
  if (!values.length) return undefined
  const interval = confidenceInterval(values)
  return {
    n: values.length,
    median: percentile(values, 50),
    mean: mean(values),
    min: Math.min(...values),
    max: Math.max(...values),
    stddev: values.length > 1 ? Math.sqrt(variance(values)) : 0,
    ci95: interval ? [interval.low, interval.high] : null,
  }
}

/** A request/response point's figures: per percentile and for TPS the median of its repeats; transactions summed. */
export function medianRoundTrips(samples: readonly SampleResult[]): RoundTrips | undefined {
  const runs = samples.flatMap((sample) => sample.roundTrips ? [sample.roundTrips] : [])
  if (!runs.length) return undefined
  const median = (pick: (run: RoundTrips) => number) => percentile(runs.map(pick), 50)
  const keys = Object.keys(runs[0]!.rttMs) as Array<keyof RoundTripPercentiles>
  return {
    protocol: runs[0]!.protocol,
    rttMs: Object.fromEntries(keys.map((key) => [key, median((run) => run.rttMs[key])])) as unknown as RoundTripPercentiles,
    transactions: runs.reduce((sum, run) => sum + run.transactions, 0),
    transactionsPerSecond: median((run) => run.transactionsPerSecond),
  }
}
