/**
 * An expectation as the parser hands it on: the shared data model of the expectation language,
 * read by suites, plans, results and reporters. The grammar and its vocabulary are in src/expect/.
 */
import type { Via } from './model.ts'

export type Metric = 'throughput' | 'loss' | 'loss.network' | 'loss.receiver' | 'jitter' | 'retransmits' | 'cpu' | 'cpu.node' | 'cpu.node.perGbps' | 'max' | 'rtt' | 'tps' | 'fairness' | 'setup-time' | 'policy'
export type PolicyVerdict = 'enforced' | 'unsupported'
export type Stat = 'median' | 'mean' | 'min' | 'max' | 'p50' | 'p90' | 'p95' | 'p99' | 'p99.9'
export type Comparator = '<' | '<=' | '>' | '>='
export type Topology = 'same-node' | 'nodes' | 'zones'
/** `of <network> via <path>` names the reference's path; without it see Expectation.via. */
export type Reference = { kind: 'offered' } | { kind: 'baseline' } | { kind: 'network'; network: string; via?: Via }
export type AbsoluteUnit = 'bps' | 'percent' | 'ms' | 'count'
export type Bound =
  | { kind: 'absolute'; value: number; unit: AbsoluteUnit }
  | { kind: 'relative'; percent: number; of: Reference }
  /** `baseline + 0.5%`: the baseline's value moved by `value` (negative for `baseline - …`). */
  | { kind: 'offset'; of: { kind: 'baseline' }; value: number; unit: AbsoluteUnit }
export interface Span { start: number; end: number }
export interface Expectation {
  text: string
  subject: { kind: 'all' } | { kind: 'network'; network: string }
  bitrateBps?: number
  step?: 'udp' | 'tcp'
  topology?: Topology
  /** `via service`: only points of that path. */
  via?: Via
  metric: Metric
  stat: Stat
  comparator: Comparator
  bound: Bound
  spans: { subject: Span; bitrate?: Span; step?: Span; topology?: Span; via?: Span; metric: Span; value: Span; reference?: Span }
  /**
   * Set for `<subject> policy enforced|unsupported` (metric 'policy'); comparator and bound then
   * hold a placeholder (`>= 1`) and are not read.
   */
  policy?: PolicyVerdict
}
