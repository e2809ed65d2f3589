/**
 * The expectation language's vocabulary: the parsed form of an expectation and, per metric, its
 * unit and an example — shared by the parser (parse.ts) and the evaluation (evaluate.ts).
 */
import type { Stat } from '../results/stats.ts'

export type Metric = 'throughput' | 'loss' | 'loss.network' | 'loss.receiver' | 'jitter' | 'retransmits' | 'cpu' | 'max' | 'rtt' | 'setup-time' | 'policy'
export type PolicyVerdict = 'enforced' | 'unsupported'
export type { Stat }
export type Comparator = '<' | '<=' | '>' | '>='
export type Topology = 'same-node' | 'nodes' | 'zones'
export type Reference = { kind: 'offered' } | { kind: 'baseline' } | { kind: 'network'; network: string }
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
  metric: Metric
  stat: Stat
  comparator: Comparator
  bound: Bound
  spans: { subject: Span; bitrate?: Span; step?: Span; topology?: Span; metric: Span; value: Span; reference?: Span }
  /**
   * Set for `<subject> policy enforced|unsupported` (metric 'policy'); comparator and bound then
   * hold a placeholder (`>= 1`) and are not read.
   */
  policy?: PolicyVerdict
}

export const METRICS: readonly Metric[] = ['throughput', 'loss', 'loss.network', 'loss.receiver', 'jitter', 'retransmits', 'cpu', 'max', 'rtt', 'setup-time']
/** `loss.network` and `loss.receiver`: the parts of the loss the counters attribute. */
export const LOSS_PARTS = ['network', 'receiver']
export const UDP_METRICS: readonly string[] = ['loss', 'loss.network', 'loss.receiver', 'jitter', 'max']
export const STATS: readonly Stat[] = ['median', 'mean', 'min', 'max', 'p95', 'p99']

/** What a metric's expectation looks like, for hints. */
export const EXAMPLES: Record<Metric, string> = {
  throughput: 'throughput >= 900M', loss: 'loss < 5%', jitter: 'jitter <= 1ms', retransmits: 'retransmits < 100', cpu: 'cpu < 90%',
  'setup-time': 'setup-time < 5s', policy: 'policy enforced',
  'loss.network': 'loss.network < 1%', 'loss.receiver': 'loss.receiver < 1%', max: 'udp max >= 400M', rtt: 'rtt.p99 < 2ms',
}
/** The unit a metric's values and absolute bounds are in. */
export const METRIC_UNITS: Record<Metric, AbsoluteUnit> = {
  throughput: 'bps', loss: 'percent', 'loss.network': 'percent', 'loss.receiver': 'percent', jitter: 'ms', retransmits: 'count', cpu: 'percent',
  max: 'bps', rtt: 'ms', 'setup-time': 'ms', policy: 'count',
}
/** An example offset for `baseline ± …`, in the metric's unit. */
export const OFFSET_EXAMPLES: Record<Metric, string> = {
  throughput: '50M', loss: '0.5%', 'loss.network': '0.5%', 'loss.receiver': '0.5%', jitter: '1ms', retransmits: '10', cpu: '5%',
  max: '50M', rtt: '0.5ms', 'setup-time': '1s', policy: '',
}

