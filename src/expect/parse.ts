/**
 * The expectation language: one line that says what a measurement must satisfy.
 *
 *   <expectation> ::= <subject> <qualifier>* <metric> [ "." <stat> ] <op> <value>
 *                   | <subject> "setup-time" <op> <time>
 *                   | <subject> "policy" <verdict>
 *   <subject>     ::= "all" | <network>
 *   <qualifier>   ::= "at" <bitrate> | <step> | <topology> | "via" <path>   each kind at most once, in any order
 *   <step>        ::= "udp" | "tcp"
 *   <topology>    ::= "same-node" | "nodes" | "zones"
 *   <path>        ::= "pod" | "service" | "nodeport" | "hairpin"
 *   <metric>      ::= "throughput" | "loss" | "loss.network" | "loss.receiver" | "jitter" | "retransmits"
 *                   | "cpu" | "cpu.node" | "cpu.node.perGbps" | "max" | "rtt" | "tps" | "fairness"
 *   <stat>        ::= "median" | "mean" | "min" | "max" | "p50" | "p90" | "p95" | "p99" | "p99.9"
 *   <op>          ::= "<" | "<=" | ">" | ">="
 *   <value>       ::= <amount> | <number> "%" "of" <reference> | "baseline" [ ( "+" | "-" ) <amount> ]
 *   <amount>      ::= <number> [ <unit> ]                           the unit the metric takes, below
 *   <reference>   ::= "offered" | "baseline" | <network> [ "via" <path> ]
 *   <verdict>     ::= "enforced" | "unsupported"
 *   <network>     ::= [a-z][a-z0-9-]* ( "." [a-z0-9-]+ )*           not a keyword
 *   <number>      ::= [0-9]+ [ "." [0-9]+ ]
 *
 * Tokens are separated by whitespace, except that `.<stat>` attaches to the metric, operators
 * may touch their neighbours (`loss<5%`), `%` may stand apart from its number (`5 %`) and the sign
 * of an offset may touch either neighbour (`baseline+1ms`). Keywords are case-insensitive; network
 * names are lowercase and may not be keywords. The four qualifiers (`at`, step, topology, `via`)
 * are accepted in any order, each at most once, because their meaning does not depend on position.
 *
 * `via <path>` keeps the points whose client took that path to the server: straight to the pod,
 * through the server's Service (ClusterIP), a NodePort, or the server pod through its own Service
 * (hairpin); without it an expectation reads every path. `of <network>` compares with the point of
 * that network measured the same way (same step, rate, placement and path), with one exception:
 * when the reference is the subject's own network and the subject says `via` a Service path, the
 * reference is that network's pod path, so `calico tcp via service throughput >= 95% of calico`
 * compares calico's Service path with its pod path. `of <network> via <path>` names the
 * reference's path outright.
 *
 * Units per metric: throughput takes a bitrate (`900M`, `1.5G`, `450Mbit`) or `N% of
 * offered|baseline|<network>`; loss and cpu an absolute percent; jitter a time (`1ms`, `250us`),
 * stored in milliseconds; retransmits a bare count; setup-time (once per network: install until every
 * pod reaches every other) an absolute time, `5s` or `800ms`, with no qualifiers or stat. `policy
 * enforced|unsupported` reads the suite's policy steps: enforced means the network applied the
 * NetworkPolicies and the connectivity matrix matched them; unsupported that it ignores them. `baseline ± <offset>` works for every metric,
 * the offset in the metric's own unit (`loss <= baseline + 0.5%`, `throughput >= baseline - 50M`).
 * `loss.network` and `loss.receiver` split the loss by what dropped it (the network, or the
 * receiver's socket buffer). `max` is the rate a `find: 'max'` search found (a bitrate, or a share
 * of another network's or the baseline's). `rtt` is a latency step's round-trip time, its stat
 * taken over every echo reply (`rtt.p99 < 2ms`). `cpu` is iperf3's own CPU (its process, the busier
 * end); `cpu.node` is the nodes' user + system + softirq CPU from /proc/stat, an absolute percent of
 * all the busier node's CPUs (in the lab: the machine's), and `cpu.node.perGbps` the CPU-seconds per
 * Gbit/s received, a bare number; both may also be a share of the baseline's or another network's
 * (`cpu.node.perGbps <= 150% of host`). On a latency step with `protocol: 'tcp'|'udp'` (sockperf
 * request/response) the stat is each repeat's percentile (p50, p90, p99, p99.9, min, max, mean;
 * median means p50), their median over repeats; `tps` is such a step's transactions per second, a
 * bare number (`tps >= 5000`). `fairness` is Jain's index (Σx)² / (n·Σx²) of the throughputs of a
 * step's `pairs: N` pairs, per repeat, a bare number from 0 to 1 (`tcp fairness >= 0.9`); it reads
 * only points with pairs above 1. `at`, `jitter`, the loss metrics, `max` and
 * `of offered` imply udp; `retransmits` implies tcp. All spans are offsets into the trimmed text
 * (`Expectation.text`).
 *
 * ExpectationParser reads the grammar one rule a method, with a TokenCursor; quantities.ts reads
 * the amounts in each metric's unit.
 */
import { parseBitrate, parsePercent } from '../units.ts'
import { spanOf, TokenCursor } from './cursor.ts'
import { absoluteBound, BARE_NUMBER, parseRate } from './quantities.ts'
import { isOperatorToken, nearest, type Token } from './tokens.ts'
import type { Via } from '../model.ts'
import {
  COMPARATORS, EXAMPLES, LOSS_PARTS, METRICS, PATHS, RELATIVE_METRICS, METRIC_UNITS as UNITS, OFFSET_EXAMPLES, POLICY_VERDICTS, QUALIFIERS, STATS, STEPS, TOPOLOGIES, UDP_METRICS,
  type Bound, type Comparator, type Expectation, type Metric, type PolicyVerdict, type Reference, type Span, type Stat, type Topology,
} from './vocabulary.ts'

export * from './vocabulary.ts'
export { caretLine, ExpectationParseError } from './syntax-error.ts'
export { describeExpectation } from './describe.ts'

type Step = 'udp' | 'tcp'

/** Operators people write for a comparator, and the comparator they mean. */
const OPERATOR_FIXES: Record<string, string> = { '=<': '<=', '=>': '>=', '≤': '<=', '≥': '>=' }
const RESERVED = new Set<string>(['all', 'of', 'offered', 'baseline', 'policy', ...QUALIFIERS, ...METRICS])
// Dots separate version parts (`calico-3.29`); the tokenizer splits on spaces only, so they stay one token.
const NETWORK_NAME = /^[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*$/
const REFERENCE_HINT = "write 'of offered', 'of baseline' or 'of <network>'"
const METRIC_HINT = `name a metric: ${METRICS.join(', ')}`

/** How many of a metric token's dotted parts name the metric: `loss.network` 2, `cpu.node.perGbps` 3. */
function metricWords(parts: readonly string[]): number {
  const [first, second, third] = parts.map((part) => part.toLowerCase())
  if (first === 'loss' && LOSS_PARTS.includes(second ?? '')) return 2
  if (first === 'cpu' && second === 'node') return third === 'pergbps' ? 3 : 2
  return 1
}

const didYouMean = (word: string, candidates: readonly string[]): string => {
  const match = nearest(word, candidates)
  return match === undefined ? '' : `did you mean '${match}'? `
}

/** The span written first, of those given. */
const earliest = (...spans: Array<Span | undefined>): Span | undefined =>
  spans.filter((span): span is Span => span !== undefined).sort((a, b) => a.start - b.start)[0]

/**
 * An expectation about one network's measurements whose subject may be left out (the imperative
 * form's `expect(point).toSatisfy('loss.network < 1%')`): starting with a qualifier or a metric,
 * it reads as `<network> …`; otherwise it is parsed as written.
 */
export function parseExpectationAbout(network: string, input: string): Expectation {
  const first = input.trim().split(/\s+/)[0]?.split('.')[0]?.toLowerCase() ?? ''
  const subjectless = QUALIFIERS.includes(first) || (METRICS as readonly string[]).includes(first) || first === 'policy'
  return parseExpectation(subjectless ? `${network} ${input.trim()}` : input)
}

/** The expectation `input` says; an ExpectationParseError (exit 2) pointing at the offending token when it says none. */
export function parseExpectation(input: string): Expectation {
  return new ExpectationParser(input.trim()).parse()
}

/**
 * One expectation, read left to right. The qualifiers are kept as fields because rules further
 * right (the metric's, `of offered`) check and settle them.
 */
class ExpectationParser extends TokenCursor {
  private readonly spans: Expectation['spans'] = { subject: this.atEnd, metric: this.atEnd, value: this.atEnd }
  private bitrateBps: number | undefined
  /** From `at` to the end of its rate. */
  private atSpan: Span | undefined
  private step: Step | undefined
  private topology: Topology | undefined
  private via: Via | undefined

  parse(): Expectation {
    const subject = this.subject()
    const policy = this.accept((token) => token.text.toLowerCase() === 'policy')
    if (policy) return this.policy(subject, policy)
    const metricToken = this.qualifiers()
    const { metric, stat, statSpan } = this.metric(metricToken)
    if (metric === 'setup-time') this.setupTimeRules(statSpan)
    this.settleStep(metric)
    const comparator = this.operator(metric, metricToken)
    const bound = this.value(metric, comparator)
    this.end((extra) => `unexpected '${extra.text}' after the value`, 'an expectation ends with its value; write each expectation on its own line')
    const result: Expectation = { text: this.text, subject, metric, stat, comparator, bound, spans: this.spans }
    if (this.bitrateBps !== undefined) result.bitrateBps = this.bitrateBps
    if (this.step) result.step = this.step
    if (this.topology) result.topology = this.topology
    if (this.via) result.via = this.via
    return result
  }

  private subject(): Expectation['subject'] {
    const first = this.take() ?? this.fail({ start: 0, end: 1 }, 'empty expectation', "write e.g. 'host tcp throughput >= 900M'")
    this.spans.subject = spanOf(first)
    if (first.text.toLowerCase() === 'all') return { kind: 'all' }
    return { kind: 'network', network: this.networkName(first, "a network name or 'all'", `start with the network it is about, e.g. 'all ${this.text}'`) }
  }

  private networkName(token: Token, role: string, hint: string): string {
    if (NETWORK_NAME.test(token.text) && !RESERVED.has(token.text)) return token.text
    const lower = token.text.toLowerCase()
    if (NETWORK_NAME.test(lower) && !RESERVED.has(lower)) this.fail(spanOf(token), `network names are lowercase: '${token.text}'`, `write '${lower}'`)
    return this.fail(spanOf(token), `'${token.text}' is not ${role}`, hint)
  }

  /** `calico policy enforced`: nothing may qualify it and nothing may follow the verdict. */
  private policy(subject: Expectation['subject'], policyToken: Token): Expectation {
    this.spans.metric = spanOf(policyToken)
    const hint = "write 'policy enforced' or 'policy unsupported'"
    const verdictToken = this.next('policy verdict', hint)
    const word = verdictToken.text.toLowerCase()
    if (!(POLICY_VERDICTS as readonly string[]).includes(word)) {
      this.fail(spanOf(verdictToken), `'${verdictToken.text}' is not a policy verdict`, didYouMean(word, POLICY_VERDICTS) + hint)
    }
    this.spans.value = spanOf(verdictToken)
    this.end((extra) => `unexpected '${extra.text}' after '${word}'`, 'a policy expectation ends with its verdict')
    return { text: this.text, subject, metric: 'policy', stat: 'median', comparator: '>=', bound: { kind: 'absolute', value: 1, unit: 'count' }, spans: this.spans, policy: word as PolicyVerdict }
  }

  /** The qualifiers up to the metric; returns the metric's token. */
  private qualifiers(): Token {
    for (;;) {
      const token = this.next('metric', METRIC_HINT)
      const word = token.text.toLowerCase()
      const base = word.split('.')[0]!
      if ((METRICS as readonly string[]).includes(base)) return token
      if (word === 'at') this.offeredRate(token)
      else if (STEPS.includes(word)) this.stepQualifier(token, word as Step)
      else if (TOPOLOGIES.includes(word)) this.topologyQualifier(token, word as Topology)
      else if (word === 'via') this.viaQualifier(token)
      else this.unknownQualifier(token, base)
    }
  }

  private offeredRate(at: Token): void {
    if (this.atSpan) this.fail(spanOf(at), "duplicate 'at'", 'give one offered rate; write a separate expectation for each rate')
    const rate = this.next('bitrate', "write e.g. 'at 100M'")
    this.bitrateBps = parseRate(rate.text, spanOf(rate), this)
    this.atSpan = { start: at.start, end: rate.end }
    this.spans.bitrate = spanOf(rate)
  }

  private stepQualifier(token: Token, word: Step): void {
    if (this.step) this.fail(spanOf(token), this.step === word ? `duplicate '${word}'` : `both '${this.step}' and '${word}' given`, 'name one step: udp or tcp')
    this.step = word
    this.spans.step = spanOf(token)
  }

  private topologyQualifier(token: Token, word: Topology): void {
    if (this.topology) this.fail(spanOf(token), this.topology === word ? `duplicate '${word}'` : `both '${this.topology}' and '${word}' given`, 'name one topology: same-node, nodes or zones')
    this.topology = word
    this.spans.topology = spanOf(token)
  }

  private viaQualifier(token: Token): void {
    if (this.via) this.fail(spanOf(token), "duplicate 'via'", 'name one path; write a separate expectation for each path')
    const path = this.path()
    this.via = path.via
    this.spans.via = { start: token.start, end: path.span.end }
  }

  /** The word after `via`: one of PATHS. */
  private path(): { via: Via; span: Span } {
    const hint = `write e.g. 'via service'; paths: ${PATHS.join(', ')}`
    const token = this.next('path', hint)
    const word = token.text.toLowerCase()
    if (!(PATHS as readonly string[]).includes(word)) this.fail(spanOf(token), `unknown path '${token.text}'`, didYouMean(word, PATHS) + `use one of ${PATHS.join(', ')}`)
    return { via: word as Via, span: spanOf(token) }
  }

  private unknownQualifier(token: Token, base: string): never {
    if (isOperatorToken(token)) this.fail(spanOf(token), `missing metric before '${token.text}'`, METRIC_HINT)
    if (!BARE_NUMBER.test(token.text) && parseBitrate(token.text) !== undefined) {
      this.fail(spanOf(token), `'${token.text}' looks like an offered rate`, `write 'at ${token.text}'`)
    }
    const match = nearest(base, [...METRICS, ...QUALIFIERS])
    if (match !== undefined && QUALIFIERS.includes(match)) {
      const kind = match === 'at' || match === 'via' ? 'word' : STEPS.includes(match) ? 'step' : 'topology'
      this.fail(spanOf(token), `unknown ${kind} '${token.text}'`, `did you mean '${match}'?`)
    }
    return this.fail({ start: token.start, end: token.start + base.length }, `unknown metric '${token.text.slice(0, base.length)}'`, didYouMean(base, METRICS) + `use one of ${METRICS.join(', ')}`)
  }

  /** `loss.network.p95`, `cpu.node.perGbps.p95`: the parts that name the metric belong to it, what follows is the stat. */
  private metric(token: Token): { metric: Metric; stat: Stat; statSpan?: Span } {
    this.spans.metric = spanOf(token)
    const parts = token.text.split('.')
    const metricText = parts.slice(0, metricWords(parts)).join('.')
    const metric = METRICS.find((name) => name.toLowerCase() === metricText.toLowerCase())!
    const statParts = parts.slice(metricText.split('.').length)
    if (statParts.length === 0) return { metric, stat: 'median' }
    const statText = statParts.join('.')
    const statStart = token.start + metricText.length + 1
    const hint = `use one of ${STATS.join(', ')}`
    if (statText === '') this.fail({ start: statStart - 1, end: statStart }, `missing stat after '${metricText}.'`, hint)
    if (!(STATS as readonly string[]).includes(statText.toLowerCase())) {
      // `cpu.nodes`, `cpu.node.pergbit`: a metric misspelt, more likely than a stat.
      const longer = metric.startsWith('cpu') ? METRICS.filter((name) => name.startsWith(`${metric}.`)).map((name) => name.slice(metric.length + 1)) : []
      const match = longer.find((part) => part.toLowerCase() === nearest(statText, longer.map((name) => name.toLowerCase())))
      if (match) this.fail(spanOf(token), `unknown metric '${token.text}'`, `did you mean '${metricText}.${match}'? use one of ${METRICS.join(', ')}`)
      this.fail({ start: statStart, end: token.end }, `unknown stat '${statText}'`, didYouMean(statText, STATS) + hint + (longer.length ? `, or write ${longer.map((part) => `${metricText}.${part}`).join(', ')}` : ''))
    }
    return { metric, stat: statText.toLowerCase() as Stat, statSpan: { start: statStart - 1, end: token.end } }
  }

  /** setup-time is one figure per network: no step, rate, placement or statistic to choose. */
  private setupTimeRules(statSpan: Span | undefined): void {
    const qualifier = earliest(this.atSpan, this.spans.step, this.spans.topology, this.spans.via)
    if (qualifier) this.fail(qualifier, 'setup-time is measured once per network, not per step, rate or placement', `drop '${this.written(qualifier)}'`)
    if (statSpan) this.fail(statSpan, 'setup-time has one value per network, so no statistic', "write 'setup-time < 5s'")
  }

  /** The step is fixed by the metric and `at`; a written step that contradicts them is an error. */
  private settleStep(metric: Metric): void {
    const stepSpan = this.spans.step ?? this.atEnd
    const at = this.atSpan
    if (UDP_METRICS.includes(metric) && this.step === 'tcp') this.fail(stepSpan, `${metric} is a UDP metric; tcp has none`, 'write udp or leave the step out')
    if (metric === 'max' && at) this.fail(at, 'max is the rate a search found, not a measurement at one offered rate', `drop '${this.written(at)}'`)
    // rtt and tps come from the latency step (its protocol is the step's, not a qualifier): a UDP or TCP qualifier names a step they do not come from.
    const rttQualifier = metric === 'rtt' || metric === 'tps' ? earliest(at, this.spans.step) : undefined
    if (rttQualifier) this.fail(rttQualifier, `${metric} is measured by the latency step, not by udp or tcp`, `drop '${this.written(rttQualifier)}'`)
    if (metric === 'retransmits') {
      if (this.step === 'udp') this.fail(stepSpan, 'retransmits is a TCP metric; udp has none', 'write tcp or leave the step out')
      if (at) this.fail(at, 'retransmits are counted over TCP, which has no offered rate', `drop '${this.written(at)}'`)
      this.step = 'tcp'
    }
    if (at && this.step === 'tcp') {
      this.fail(stepSpan, "'at' names a UDP offered rate; tcp has none", `drop 'tcp' to measure UDP ${this.written(at)}, or drop '${this.written(at)}' to measure TCP`)
    }
    if (at || UDP_METRICS.includes(metric)) this.step = 'udp'
  }

  private operator(metric: Metric, metricToken: Token): Comparator {
    const example = EXAMPLES[metric]
    const op = this.next('operator', `add <, <=, > or >= and a value, e.g. '${example}'`)
    if (!isOperatorToken(op)) {
      if (op.text.startsWith('.')) this.fail(spanOf(op), `'${op.text}' must be attached to the metric`, `write '${metricToken.text}${op.text}' without a space`)
      if (QUALIFIERS.includes(op.text.toLowerCase())) this.fail(spanOf(op), `'${op.text}' must come before the metric`, "write e.g. 'weave at 100M udp zones loss < 5%'")
      this.fail(spanOf(op), `missing operator before '${op.text}'`, `write e.g. '${example}'`)
    }
    if (!COMPARATORS.includes(op.text)) {
      const fix = OPERATOR_FIXES[op.text]
      this.fail(spanOf(op), `unknown operator '${op.text}'`, fix ? `did you mean '${fix}'?` : 'use <, <=, > or >=; a measurement is never compared for equality')
    }
    return op.text as Comparator
  }

  /** The value, and the reference of a relative bound. */
  private value(metric: Metric, comparator: Comparator): Bound {
    const example = EXAMPLES[metric]
    const token = this.next('value', `write e.g. '${example}'`)
    const span = spanOf(token)
    const raw = this.joinPercent(token.text, span)
    this.spans.value = span
    if (isOperatorToken(token)) this.fail(span, `expected a value after '${comparator}', found '${raw}'`, `write e.g. '${example}'`)
    if (raw === '%') this.fail(span, "'%' needs a number before it", `write e.g. '${example}'`)
    if (raw.toLowerCase() === 'of') this.fail(span, "missing percentage before 'of'", "write e.g. '90% of baseline'")
    if (/^-\d/.test(raw)) this.fail(span, `negative value '${raw}'`, 'bounds are never negative; write a number of 0 or more')
    if (/^baseline(?![a-z0-9])/i.test(raw)) {
      if (metric === 'setup-time') this.fail(span, 'setup-time is compared with a time, not a baseline', `write e.g. '${example}'`)
      return this.baselineOffset(metric, token)
    }
    const of = this.accept((next) => next.text.toLowerCase() === 'of')
    return of ? this.relative(metric, raw, span, of) : absoluteBound(metric, raw, span, this)
  }

  /** `5 %` reads as `5%`: a bare number takes the `%` after it, and its span grows to cover it. */
  private joinPercent(raw: string, span: Span): string {
    const percent = BARE_NUMBER.test(raw) ? this.accept((next) => next.text === '%') : undefined
    if (!percent) return raw
    span.end = percent.end
    return `${raw}%`
  }

  /** `90% of baseline`, after `of`: a share of the offered rate, the baseline's value or another network's. */
  private relative(metric: Metric, raw: string, span: Span, of: Token): Bound {
    const percent = parsePercent(raw)
      ?? this.fail(span, `'${raw}' is not a percentage`, BARE_NUMBER.test(raw) ? `write '${raw}% of …'` : "a relative bound is a percentage, e.g. '90% of baseline'")
    if (!RELATIVE_METRICS.includes(metric)) {
      this.fail({ start: of.start, end: this.peek()?.end ?? of.end }, `${metric} bounds are absolute, not relative to a reference`, `drop 'of …' and write e.g. '${EXAMPLES[metric]}'`)
    }
    const token = this.next('reference', REFERENCE_HINT)
    const referenceSpan = spanOf(token)
    this.spans.reference = referenceSpan
    const word = token.text.toLowerCase()
    const reference: Reference = word === 'offered' || word === 'baseline'
      ? { kind: word }
      : this.networkReference(token)
    if (reference.kind === 'offered') {
      if (metric.startsWith('cpu')) this.fail(referenceSpan, `${metric} is not a rate`, `compare it with baseline or a network, e.g. '${EXAMPLES[metric]}'`)
      if (this.step === 'tcp') this.fail(referenceSpan, 'tcp has no offered rate', "compare tcp against baseline or a network, e.g. '90% of baseline'")
      this.step = 'udp'
    }
    return { kind: 'relative', percent, of: reference }
  }

  /** `of calico`, `of calico via pod`: a network, and the path of its points to compare with. */
  private networkReference(token: Token): Reference {
    const network = this.networkName(token, 'a reference', REFERENCE_HINT)
    const via = this.accept((next) => next.text.toLowerCase() === 'via')
    if (!via) return { kind: 'network', network }
    const path = this.path()
    this.spans.reference = { start: token.start, end: path.span.end }
    return { kind: 'network', network, via: path.via }
  }

  /** `baseline`, `baseline + 0.5%`, `baseline - 50M`; the sign may touch either neighbour. */
  private baselineOffset(metric: Metric, token: Token): Bound {
    const word = 'baseline'.length
    this.spans.reference = { start: token.start, end: token.start + word }
    const sign = token.text.length === word ? this.accept((next) => /^[+-]/.test(next.text)) : undefined
    const rest = sign?.text ?? token.text.slice(word)
    const restStart = sign?.start ?? token.start + word
    if (rest === '') return { kind: 'offset', of: { kind: 'baseline' }, value: 0, unit: UNITS[metric] }
    const example = `baseline + ${OFFSET_EXAMPLES[metric]}`
    if (!/^[+-]/.test(rest)) {
      this.fail({ start: restStart, end: token.end }, `unexpected '${rest}' after 'baseline'`, `write '${example}' or '${metric === 'throughput' ? '95% of baseline' : 'baseline'}'`)
    }
    const { amount, span } = this.offsetAmount(rest, restStart, example)
    this.spans.value = { start: token.start, end: span.end }
    if (metric === 'throughput' && parsePercent(amount) !== undefined) {
      this.fail(span, `'${amount}' is not a rate`, "offset throughput by a rate, e.g. 'baseline - 50M', or write a share, e.g. '95% of baseline'")
    }
    const offset = absoluteBound(metric, amount, span, this)
    return { kind: 'offset', of: { kind: 'baseline' }, value: (rest.startsWith('-') ? -1 : 1) * offset.value, unit: offset.unit }
  }

  /** The amount after an offset's sign (`rest`, starting at `restStart`): in the same token or the next. */
  private offsetAmount(rest: string, restStart: number, example: string): { amount: string; span: Span } {
    if (rest.length > 1) {
      const span = { start: restStart + 1, end: restStart + rest.length }
      return { amount: this.joinPercent(rest.slice(1), span), span }
    }
    const next = this.next('offset', `write e.g. '${example}'`)
    const span = spanOf(next)
    return { amount: this.joinPercent(next.text, span), span }
  }
}
