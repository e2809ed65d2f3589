/**
 * The expectation language's vocabulary: its keywords and, per metric, its unit and an example —
 * shared by the parser (parse.ts) and the evaluation (evaluate.ts). The parsed form it describes
 * is the base's (src/expectation.ts).
 */

import type { AbsoluteUnit, Metric, PolicyVerdict, Stat } from '../expectation.ts'
import { VIAS, type Via } from '../model.ts'

// The parsed form lives in the base (src/expectation.ts); the parser and evaluation read it from here.
export type { Metric, PolicyVerdict, Stat, Comparator, Topology, Reference, AbsoluteUnit, Bound, Span, Expectation } from '../expectation.ts'

export const METRICS: readonly Metric[] = ['throughput', 'loss', 'loss.network', 'loss.receiver', 'jitter', 'retransmits', 'cpu', 'cpu.node', 'cpu.node.perGbps', 'max', 'rtt', 'tps', 'fairness', 'setup-time']
/** `loss.network` and `loss.receiver`: the parts of the loss the counters attribute. */
export const LOSS_PARTS = ['network', 'receiver']
/** Metrics a bound may give as a share of the baseline's or another network's value (`150% of host`). */
export const RELATIVE_METRICS: readonly Metric[] = ['throughput', 'max', 'cpu.node', 'cpu.node.perGbps']
export const UDP_METRICS: readonly string[] = ['loss', 'loss.network', 'loss.receiver', 'jitter', 'max']
export const STATS: readonly Stat[] = ['median', 'mean', 'min', 'max', 'p50', 'p90', 'p95', 'p99', 'p99.9']
export const COMPARATORS: readonly string[] = ['<', '<=', '>', '>=']
export const STEPS: readonly string[] = ['udp', 'tcp']
export const TOPOLOGIES: readonly string[] = ['same-node', 'nodes', 'zones']
/** The paths `via` names (src/model.ts's VIAS). */
export const PATHS: readonly Via[] = VIAS
/** The words that may stand between the subject and the metric. */
export const QUALIFIERS: readonly string[] = ['at', 'via', ...STEPS, ...TOPOLOGIES]
export const POLICY_VERDICTS: readonly PolicyVerdict[] = ['enforced', 'unsupported']

/** What a metric's expectation looks like, for hints. */
export const EXAMPLES: Record<Metric, string> = {
  throughput: 'throughput >= 900M', loss: 'loss < 5%', jitter: 'jitter <= 1ms', retransmits: 'retransmits < 100', cpu: 'cpu < 90%', 'cpu.node': 'tcp cpu.node < 40%', 'cpu.node.perGbps': 'tcp cpu.node.perGbps < 150% of host',
  'setup-time': 'setup-time < 5s', policy: 'policy enforced',
  'loss.network': 'loss.network < 1%', 'loss.receiver': 'loss.receiver < 1%', max: 'udp max >= 400M', rtt: 'rtt.p99 < 2ms',
  tps: 'tps >= 5000', fairness: 'tcp fairness >= 0.9',
}
/** The unit a metric's values and absolute bounds are in. */
export const METRIC_UNITS: Record<Metric, AbsoluteUnit> = {
  throughput: 'bps', loss: 'percent', 'loss.network': 'percent', 'loss.receiver': 'percent', jitter: 'ms', retransmits: 'count', cpu: 'percent', 'cpu.node': 'percent', 'cpu.node.perGbps': 'count',
  max: 'bps', rtt: 'ms', tps: 'count', fairness: 'count', 'setup-time': 'ms', policy: 'count',
}
/** An example offset for `baseline ± …`, in the metric's unit. */
export const OFFSET_EXAMPLES: Record<Metric, string> = {
  throughput: '50M', loss: '0.5%', 'loss.network': '0.5%', 'loss.receiver': '0.5%', jitter: '1ms', retransmits: '10', cpu: '5%', 'cpu.node': '5%', 'cpu.node.perGbps': '0.1',
  max: '50M', rtt: '0.5ms', tps: '500', fairness: '0.05', 'setup-time': '1s', policy: '',
}

