import { formatMs, formatRate, trimNumber } from '../units.ts'

/** A result's value as a reader sees it, by its unit (ExpectationResult.unit, MetricChange.unit). */
export function formatValue(value: number | null, unit: string | null): string {
  if (value === null) return '—'
  switch (unit) {
    case 'bps': return formatRate(value)
    case 'percent': return `${trimNumber(value, 2)}%`
    case 'ms': return formatMs(value)
    default: return trimNumber(value, 2)
  }
}
