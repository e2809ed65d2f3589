import type { Stat } from '../expectation.ts'

/** Percentile with linear interpolation between closest ranks (numpy's default, "type 7"). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (!sorted.length) return Number.NaN
  const rank = (p / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low)
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length
}

/** A statistic over a point's values, as an expectation names it (`rtt.p99`); the median by default. */

export function statistic(values: readonly number[], stat: Stat): number | null {
  if (!values.length) return null
  switch (stat) {
    case 'median': return percentile(values, 50)
    case 'mean': return mean(values)
    case 'min': return Math.min(...values)
    case 'max': return Math.max(...values)
    case 'p50': return percentile(values, 50)
    case 'p90': return percentile(values, 90)
    case 'p95': return percentile(values, 95)
    case 'p99': return percentile(values, 99)
    case 'p99.9': return percentile(values, 99.9)
  }
}
