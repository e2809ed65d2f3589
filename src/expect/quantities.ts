/**
 * The amounts an expectation compares with, read in the unit its metric is measured in: rates,
 * percentages, times and counts. The parser hands over one value's text; what it may be depends
 * only on the metric.
 */
import { bitrateProblem, parseBitrate, parseDuration, parsePercent } from '../units.ts'
import { EXAMPLES, type Bound, type Metric, type Span } from './vocabulary.ts'

export const BARE_NUMBER = /^\d+(?:\.\d+)?$/

/** Where errors go: the parser's cursor, which points them into the expectation's text. */
export interface Failing {
  fail(span: Span, message: string, hint: string): never
}

/** An offered or measured rate in bit/s: one netbench could have measured (above 0, up to 1T). */
export function parseRate(rate: string, span: Span, on: Failing): number {
  if (BARE_NUMBER.test(rate)) on.fail(span, `'${rate}' has no unit`, `write a number with K, M or G, e.g. ${rate}M`)
  const bps = parseBitrate(rate) ?? on.fail(span, `'${rate}' is not a bitrate`, 'write a number with K, M or G, e.g. 10M')
  // An offered rate netbench could never have measured (0, above 1T) names no point.
  const problem = bitrateProblem(rate)
  return problem ? on.fail(span, problem.message, problem.hint) : bps
}

/** `raw` as an absolute bound on `metric`, in the metric's unit. */
export function absoluteBound(metric: Metric, raw: string, span: Span, on: Failing): Extract<Bound, { kind: 'absolute' }> {
  const bare = BARE_NUMBER.test(raw)
  const percent = parsePercent(raw)
  switch (metric) {
    case 'throughput':
      if (percent !== undefined) on.fail(span, `'${raw}' needs a reference`, `a throughput percentage is relative: write e.g. '${raw} of baseline' or '${raw} of offered'`)
      return { kind: 'absolute', value: parseRate(raw, span, on), unit: 'bps' }
    case 'max':
      if (percent !== undefined) on.fail(span, `'${raw}' needs a reference`, `a rate percentage is relative: write e.g. '${raw} of baseline' or '${raw} of host'`)
      return { kind: 'absolute', value: parseRate(raw, span, on), unit: 'bps' }
    case 'loss':
    case 'loss.network':
    case 'loss.receiver':
    case 'cpu':
    case 'cpu.node':
      if (percent === undefined) return on.fail(span, `'${raw}' is not a percentage`, bare ? `write '${raw}%'` : `${metric} is a percentage, e.g. '${EXAMPLES[metric]}'`)
      if (metric !== 'cpu' && percent > 100) on.fail(span, `'${raw}' is more than 100%`, metric === 'cpu.node' ? "cpu.node is a share of all the node's CPUs, between 0% and 100%" : 'loss is a share of the datagrams sent, between 0% and 100%')
      return { kind: 'absolute', value: percent, unit: 'percent' }
    case 'setup-time':
    case 'rtt':
    case 'jitter':
      return { kind: 'absolute', value: parseTime(raw, span, on), unit: 'ms' }
    case 'cpu.node.perGbps':
      if (!bare) on.fail(span, `'${raw}' is not a number`, "cpu.node.perGbps is CPU-seconds per Gbit/s, a plain number, e.g. 'cpu.node.perGbps < 0.5'")
      return { kind: 'absolute', value: Number(raw), unit: 'count' }
    case 'retransmits':
      if (!bare) on.fail(span, `'${raw}' is not a count`, "retransmits is a plain number of TCP segments, e.g. 'retransmits < 100'")
      return { kind: 'absolute', value: Number(raw), unit: 'count' }
    case 'tps':
      if (!bare) on.fail(span, `'${raw}' is not a rate`, "tps is a plain number of request/response transactions per second, e.g. 'tps >= 5000'")
      return { kind: 'absolute', value: Number(raw), unit: 'count' }
    case 'fairness':
      if (!bare) on.fail(span, `'${raw}' is not a number`, "fairness is Jain's index of the pairs' throughputs, a plain number from 0 to 1, e.g. 'tcp fairness >= 0.9'")
      if (Number(raw) > 1) on.fail(span, `'${raw}' is more than 1`, "Jain's fairness index lies between 0 and 1 (1: every pair carried the same)")
      return { kind: 'absolute', value: Number(raw), unit: 'count' }
    case 'policy':
      return on.fail(span, 'a policy expectation has no value', "write '<network> policy enforced'")
  }
}

/** A time with its unit, in milliseconds. */
function parseTime(raw: string, span: Span, on: Failing): number {
  const hint = 'write a time with a unit, e.g. 1ms or 250us'
  if (BARE_NUMBER.test(raw)) on.fail(span, `'${raw}' has no unit`, hint)
  return parseDuration(raw) ?? on.fail(span, `'${raw}' is not a time`, hint)
}
