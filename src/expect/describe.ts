/**
 * An expectation's check said back in the grammar's words (`loss < 5%`, `throughput >= 90% of
 * host`): how reports and messages name what was expected.
 */
import { formatBitrate, formatMs, trimNumber } from '../units.ts'
import type { AbsoluteUnit, Bound, Expectation } from './vocabulary.ts'

/** The check part of an expectation, e.g. `loss < 5%`, `jitter.p95 <= 1ms`, `throughput >= 90% of host`. */
export function describeExpectation(e: Expectation): string {
  if (e.metric === 'policy') return `policy ${e.policy ?? 'enforced'}`
  const metric = e.stat === 'median' ? e.metric : `${e.metric}.${e.stat}`
  return `${metric} ${e.comparator} ${describeBound(e.bound)}`
}

function describeBound(bound: Bound): string {
  if (bound.kind === 'relative') {
    const of = bound.of.kind === 'network' ? `${bound.of.network}${bound.of.via ? ` via ${bound.of.via}` : ''}` : bound.of.kind
    return `${trimNumber(bound.percent, 3)}% of ${of}`
  }
  if (bound.kind === 'offset') {
    return bound.value === 0 ? 'baseline' : `baseline ${bound.value < 0 ? '-' : '+'} ${describeAmount(Math.abs(bound.value), bound.unit)}`
  }
  return describeAmount(bound.value, bound.unit)
}

function describeAmount(value: number, unit: AbsoluteUnit): string {
  switch (unit) {
    case 'bps': return formatBitrate(value)
    case 'percent': return `${trimNumber(value, 3)}%`
    case 'ms': return formatMs(value)
    case 'count': return trimNumber(value, 3)
  }
}
