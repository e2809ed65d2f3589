import type { SuiteResult } from './types.ts'

/**
 * How a suite's networks were scheduled, in words for the reports: `repeats interleaved:
 * calico-3.28, calico-3.29, calico-3.28, calico-3.29 …` or `sequential: host, then calico`.
 * Null for a single network, where order means nothing.
 */
export function describeOrder(order: SuiteResult['order'], networks: readonly string[]): string | null {
  if (networks.length < 2) return null
  if (order === 'interleaved') return `repeats interleaved: ${[...networks, ...networks].join(', ')} …`
  return `sequential: ${networks.join(', then ')}`
}
