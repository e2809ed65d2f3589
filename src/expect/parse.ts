/**
 * The expectation language: one line that says what a measurement must satisfy.
 *
 *   <expectation> ::= <subject> [ "at" <bitrate> ] [ <step> ] [ <topology> ] <metric> [ "." <stat> ] <op> <value>
 *                   | <subject> "setup-time" <op> <time>
 *                   | <subject> "policy" ( "enforced" | "unsupported" )
 *   <subject>     ::= "all" | <network-name>              network-name: [a-z][a-z0-9.-]*
 *   <step>        ::= "udp" | "tcp"
 *   <topology>    ::= "same-node" | "nodes" | "zones"
 *   <metric>      ::= "throughput" | "loss" | "loss.network" | "loss.receiver" | "jitter" | "retransmits"
 *                   | "cpu" | "max" | "rtt" | "setup-time"
 *   <stat>        ::= "median" | "mean" | "min" | "max" | "p95" | "p99"
 *   <op>          ::= "<" | "<=" | ">" | ">="
 *   <value>       ::= <number> <unit> | <number> "%" "of" <reference> | <number> | <baseline-offset>
 *   <reference>   ::= "offered" | "baseline" | <network-name>
 *   <baseline-offset> ::= "baseline" [ ( "+" | "-" ) <number> [ <unit> ] ]
 *
 * Tokens are separated by whitespace, except that `.<stat>` attaches to the metric and operators
 * may touch their neighbours (`loss<5%`). Keywords are case-insensitive; network names are
 * lowercase and may not be keywords. The three qualifiers (`at`, step, topology) are accepted in
 * any order, each at most once, because their meaning does not depend on position.
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
 * taken over every echo reply (`rtt.p99 < 2ms`). `at`, `jitter`, the loss metrics, `max` and
 * `of offered` imply udp; `retransmits` implies tcp. All spans are offsets into the trimmed text
 * (`Expectation.text`).
 */
import { NetbenchError } from '../errors.ts'
import { bitrateProblem, formatBitrate, formatMs, parseBitrate, parseDuration, parsePercent, trimNumber } from '../units.ts'
import { clip, visibleLine } from '../text.ts'
import { isOperatorToken, nearest, tokenize, type Token } from './tokens.ts'
import {
  EXAMPLES, LOSS_PARTS, METRICS, METRIC_UNITS as UNITS, OFFSET_EXAMPLES, STATS, UDP_METRICS,
  type AbsoluteUnit, type Bound, type Comparator, type Expectation, type Metric, type PolicyVerdict, type Reference, type Span, type Stat, type Topology,
} from './vocabulary.ts'

export * from './vocabulary.ts'

const COMPARATORS: readonly string[] = ['<', '<=', '>', '>=']
const STEPS: readonly string[] = ['udp', 'tcp']
const TOPOLOGIES: readonly string[] = ['same-node', 'nodes', 'zones']
const QUALIFIERS: readonly string[] = ['at', ...STEPS, ...TOPOLOGIES]
const POLICY_VERDICTS: readonly PolicyVerdict[] = ['enforced', 'unsupported']
const RESERVED = new Set<string>(['all', 'of', 'offered', 'baseline', 'policy', ...QUALIFIERS, ...METRICS])
// Dots separate version parts (`calico-3.29`); the tokenizer splits on spaces only, so they stay one token.
const NETWORK_NAME = /^[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*$/
const BARE_NUMBER = /^\d+(?:\.\d+)?$/
const REFERENCE_HINT = "write 'of offered', 'of baseline' or 'of <network>'"
/**
 * A NetbenchError (code EXPECTATION_SYNTAX, exit 2) so the CLI prints it like any input error,
 * with the caret line as its detail. `name` stays 'NetbenchError' so isNetbenchError() holds.
 */
export class ExpectationParseError extends NetbenchError {
  readonly span: Span
  declare readonly hint: string
  readonly text: string

  constructor(text: string, span: Span, message: string, hint: string) {
    // A quoted token may be megabytes of input: quote an excerpt.
    super('EXPECTATION_SYNTAX', message.replace(/'([^']{41,})'/g, (_, token: string) => `'${clip(token, 40)}'`), { hint, detail: caretLine(text, span) })
    this.span = span
    this.text = text
  }
}

/** Characters of context shown either side of the span, and the most carets drawn. */
const CARET_CONTEXT = 60
const CARET_MAX = 40

/**
 * Two lines: the text, then carets under the span (at least one; one past the end is allowed).
 * A long expression is cut to a window around the span, marked with `…`; control characters are
 * shown as escapes, and the carets stay under them.
 */
export function caretLine(text: string, span: Span): string {
  const start = Math.min(Math.max(span.start, 0), text.length)
  const end = Math.min(start + Math.max(1, Math.min(span.end, text.length + 1) - start), start + CARET_MAX)
  const from = Math.max(0, start - CARET_CONTEXT)
  const to = Math.min(text.length, end + CARET_CONTEXT)
  // Tabs become spaces, control characters escapes: the carets stay aligned under the text as printed.
  const shown = (part: string) => [...part].map((char) => char === '\t' ? ' ' : visibleLine(char))
  const before = [(from > 0 ? '…' : ''), ...shown(text.slice(from, start))].join('')
  const marked = shown(text.slice(start, end)).join('')
  const after = shown(text.slice(end, to)).join('') + (to < text.length ? '…' : '')
  const carets = '^'.repeat(Math.max(1, marked.length + (end > text.length ? 1 : 0)))
  return `  ${before}${marked}${after}\n  ${' '.repeat(before.length)}${carets}`
}

/** The check part of an expectation, e.g. `loss < 5%`, `jitter.p95 <= 1ms`, `throughput >= 90% of host`. */
export function describeExpectation(e: Expectation): string {
  if (e.metric === 'policy') return `policy ${e.policy ?? 'enforced'}`
  const metric = e.stat === 'median' ? e.metric : `${e.metric}.${e.stat}`
  return `${metric} ${e.comparator} ${describeBound(e.bound)}`
}

function describeBound(bound: Bound): string {
  if (bound.kind === 'relative') {
    const of = bound.of.kind === 'network' ? bound.of.network : bound.of.kind
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

const spanOf = (token: Token): Span => ({ start: token.start, end: token.end })
const didYouMean = (word: string, candidates: readonly string[]): string => {
  const match = nearest(word, candidates)
  return match === undefined ? '' : `did you mean '${match}'? `
}

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

export function parseExpectation(input: string): Expectation {
  const text = input.trim()
  const tokens = tokenize(text)
  let index = 0
  const atEnd: Span = { start: text.length, end: text.length + 1 }
  const fail = (span: Span, message: string, hint: string): never => {
    throw new ExpectationParseError(text, span, message, hint)
  }
  const peek = (): Token | undefined => tokens[index]
  const previous = (): string => tokens[index - 1]?.text ?? ''
  /** The next token, or a "missing …" error pointing just past the end of the text. */
  const expect = (what: string, hint: string): Token => {
    const token = tokens[index] ?? fail(atEnd, `missing ${what} after '${previous()}'`, hint)
    index++
    return token
  }
  const networkName = (token: Token, role: string, hint: string): string => {
    if (NETWORK_NAME.test(token.text) && !RESERVED.has(token.text)) return token.text
    const lower = token.text.toLowerCase()
    if (NETWORK_NAME.test(lower) && !RESERVED.has(lower)) fail(spanOf(token), `network names are lowercase: '${token.text}'`, `write '${lower}'`)
    return fail(spanOf(token), `'${token.text}' is not ${role}`, hint)
  }

  // Subject.
  const first = tokens[0] ?? fail({ start: 0, end: 1 }, 'empty expectation', "write e.g. 'host tcp throughput >= 900M'")
  index = 1
  const subject: Expectation['subject'] = first.text.toLowerCase() === 'all'
    ? { kind: 'all' }
    : { kind: 'network', network: networkName(first, "a network name or 'all'", `start with the network it is about, e.g. 'all ${text}'`) }
  const spans: Expectation['spans'] = { subject: spanOf(first), metric: atEnd, value: atEnd }
  if (tokens[1]?.text.toLowerCase() === 'policy') return policyExpectation(tokens[1])

  // Qualifiers, up to the metric.
  let bitrateBps: number | undefined
  let atSpan: Span | undefined
  let step: 'udp' | 'tcp' | undefined
  let topology: Topology | undefined
  const metricHint = `name a metric: ${METRICS.join(', ')}`
  for (;;) {
    const token = expect('metric', metricHint)
    const word = token.text.toLowerCase()
    const base = word.split('.')[0]!
    if ((METRICS as readonly string[]).includes(base)) break
    if (word === 'at') {
      if (atSpan) fail(spanOf(token), "duplicate 'at'", 'give one offered rate; write a separate expectation for each rate')
      const rate = expect('bitrate', "write e.g. 'at 100M'")
      bitrateBps = parseRate(rate.text, spanOf(rate))
      atSpan = { start: token.start, end: rate.end }
      spans.bitrate = spanOf(rate)
    } else if (STEPS.includes(word)) {
      if (step) fail(spanOf(token), step === word ? `duplicate '${word}'` : `both '${step}' and '${word}' given`, 'name one step: udp or tcp')
      step = word as 'udp' | 'tcp'
      spans.step = spanOf(token)
    } else if (TOPOLOGIES.includes(word)) {
      if (topology) fail(spanOf(token), topology === word ? `duplicate '${word}'` : `both '${topology}' and '${word}' given`, 'name one topology: same-node, nodes or zones')
      topology = word as Topology
      spans.topology = spanOf(token)
    } else {
      unknownQualifier(token, base)
    }
  }
  index--

  // Metric and stat.
  const metricToken = tokens[index++]!
  spans.metric = spanOf(metricToken)
  const parts = metricToken.text.split('.')
  // `loss.network.p95`: the loss part belongs to the metric, what follows is the stat.
  const metricText = parts[0]!.toLowerCase() === 'loss' && LOSS_PARTS.includes(parts[1]?.toLowerCase() ?? '') ? parts.slice(0, 2).join('.') : parts[0]!
  const statParts = parts.slice(metricText.split('.').length)
  const metric = metricText.toLowerCase() as Metric
  let stat: Stat = 'median'
  if (statParts.length > 0) {
    const statText = statParts.join('.')
    const statStart = metricToken.start + metricText!.length + 1
    const statHint = `use one of ${STATS.join(', ')}`
    if (statText === '') fail({ start: statStart - 1, end: statStart }, `missing stat after '${metricText}.'`, statHint)
    if (!(STATS as readonly string[]).includes(statText.toLowerCase())) {
      fail({ start: statStart, end: metricToken.end }, `unknown stat '${statText}'`, didYouMean(statText, STATS) + statHint)
    }
    stat = statText.toLowerCase() as Stat
  }

  // setup-time is one figure per network: no step, rate, placement or statistic to choose.
  if (metric === 'setup-time') {
    const qualifier = [atSpan, spans.step, spans.topology].filter((span): span is Span => span !== undefined).sort((a, b) => a.start - b.start)[0]
    if (qualifier) fail(qualifier, 'setup-time is measured once per network, not per step, rate or placement', `drop '${text.slice(qualifier.start, qualifier.end)}'`)
    if (statParts.length > 0) fail({ start: metricToken.start + metricText!.length, end: metricToken.end }, 'setup-time has one value per network, so no statistic', "write 'setup-time < 5s'")
  }

  // The step is fixed by the metric and `at`; a written step that contradicts them is an error.
  const stepSpan = spans.step ?? atEnd
  if (UDP_METRICS.includes(metric) && step === 'tcp') fail(stepSpan, `${metric} is a UDP metric; tcp has none`, 'write udp or leave the step out')
  if (metric === 'max' && atSpan) fail(atSpan, 'max is the rate a search found, not a measurement at one offered rate', `drop '${text.slice(atSpan.start, atSpan.end)}'`)
  if (metric === 'rtt') {
    // rtt comes from the latency step: a UDP or TCP qualifier names a step it does not come from.
    const qualifier = [atSpan, spans.step].filter((span): span is Span => span !== undefined).sort((a, b) => a.start - b.start)[0]
    if (qualifier) fail(qualifier, 'rtt is measured by the latency step, not by udp or tcp', `drop '${text.slice(qualifier.start, qualifier.end)}'`)
  }
  if (metric === 'retransmits') {
    if (step === 'udp') fail(stepSpan, 'retransmits is a TCP metric; udp has none', 'write tcp or leave the step out')
    if (atSpan) fail(atSpan, "retransmits are counted over TCP, which has no offered rate", `drop '${text.slice(atSpan.start, atSpan.end)}'`)
    step = 'tcp'
  }
  if (atSpan && step === 'tcp') {
    const at = text.slice(atSpan.start, atSpan.end)
    fail(stepSpan, "'at' names a UDP offered rate; tcp has none", `drop 'tcp' to measure UDP ${at}, or drop '${at}' to measure TCP`)
  }
  if (atSpan || UDP_METRICS.includes(metric)) step = 'udp'

  // Operator.
  const example = EXAMPLES[metric]
  const op = expect('operator', `add <, <=, > or >= and a value, e.g. '${example}'`)
  if (!isOperatorToken(op)) {
    const word = op.text.toLowerCase()
    if (op.text.startsWith('.')) fail(spanOf(op), `'${op.text}' must be attached to the metric`, `write '${metricToken.text}${op.text}' without a space`)
    if (QUALIFIERS.includes(word)) fail(spanOf(op), `'${op.text}' must come before the metric`, "write e.g. 'weave at 100M udp zones loss < 5%'")
    fail(spanOf(op), `missing operator before '${op.text}'`, `write e.g. '${example}'`)
  }
  if (!COMPARATORS.includes(op.text)) {
    const fix: Record<string, string> = { '=<': '<=', '=>': '>=', '≤': '<=', '≥': '>=' }
    const hint = fix[op.text] ? `did you mean '${fix[op.text]}'?` : 'use <, <=, > or >=; a measurement is never compared for equality'
    fail(spanOf(op), `unknown operator '${op.text}'`, hint)
  }
  const comparator = op.text as Comparator

  // Value, and the reference of a relative bound.
  const valueToken = expect('value', `write e.g. '${example}'`)
  let raw = valueToken.text
  const valueSpan = spanOf(valueToken)
  if (BARE_NUMBER.test(raw) && peek()?.text === '%') { // `5 %` reads as `5%`
    valueSpan.end = tokens[index++]!.end
    raw += '%'
  }
  spans.value = valueSpan
  if (isOperatorToken(valueToken)) fail(valueSpan, `expected a value after '${op.text}', found '${raw}'`, `write e.g. '${example}'`)
  if (raw === '%') fail(valueSpan, "'%' needs a number before it", `write e.g. '${example}'`)
  if (raw.toLowerCase() === 'of') fail(valueSpan, "missing percentage before 'of'", "write e.g. '90% of baseline'")
  if (/^-\d/.test(raw)) fail(valueSpan, `negative value '${raw}'`, 'bounds are never negative; write a number of 0 or more')

  let bound: Bound
  const ofToken = peek()
  if (/^baseline(?![a-z0-9])/i.test(raw)) {
    if (metric === 'setup-time') fail(valueSpan, 'setup-time is compared with a time, not a baseline', `write e.g. '${example}'`)
    bound = baselineOffset(valueToken)
  } else if (ofToken?.text.toLowerCase() === 'of') {
    index++
    const percent = parsePercent(raw)
    if (percent === undefined) {
      fail(valueSpan, `'${raw}' is not a percentage`, BARE_NUMBER.test(raw) ? `write '${raw}% of …'` : "a relative bound is a percentage, e.g. '90% of baseline'")
    }
    if (metric !== 'throughput' && metric !== 'max') {
      fail({ start: ofToken.start, end: peek()?.end ?? ofToken.end }, `${metric} bounds are absolute, not relative to a reference`, `drop 'of …' and write e.g. '${example}'`)
    }
    const refToken = expect('reference', REFERENCE_HINT)
    spans.reference = spanOf(refToken)
    const refWord = refToken.text.toLowerCase()
    const of: Reference = refWord === 'offered' || refWord === 'baseline'
      ? { kind: refWord }
      : { kind: 'network', network: networkName(refToken, 'a reference', REFERENCE_HINT) }
    if (of.kind === 'offered') {
      if (step === 'tcp') fail(spans.reference, 'tcp has no offered rate', "compare tcp against baseline or a network, e.g. '90% of baseline'")
      step = 'udp'
    }
    bound = { kind: 'relative', percent: percent!, of }
  } else {
    bound = absoluteBound(metric, raw, valueSpan)
  }

  const extra = peek()
  if (extra) fail(spanOf(extra), `unexpected '${extra.text}' after the value`, 'an expectation ends with its value; write each expectation on its own line')

  const result: Expectation = { text, subject, metric, stat, comparator, bound, spans }
  if (bitrateBps !== undefined) result.bitrateBps = bitrateBps
  if (step) result.step = step
  if (topology) result.topology = topology
  return result

  /** `calico policy enforced`: nothing may qualify it and nothing may follow the verdict. */
  function policyExpectation(policyToken: Token): Expectation {
    index = 2
    spans.metric = spanOf(policyToken)
    const hint = "write 'policy enforced' or 'policy unsupported'"
    const verdictToken = expect('policy verdict', hint)
    const word = verdictToken.text.toLowerCase()
    if (!(POLICY_VERDICTS as readonly string[]).includes(word)) {
      fail(spanOf(verdictToken), `'${verdictToken.text}' is not a policy verdict`, didYouMean(word, POLICY_VERDICTS) + hint)
    }
    spans.value = spanOf(verdictToken)
    const extra = peek()
    if (extra) fail(spanOf(extra), `unexpected '${extra.text}' after '${word}'`, 'a policy expectation ends with its verdict')
    return { text, subject, metric: 'policy', stat: 'median', comparator: '>=', bound: { kind: 'absolute', value: 1, unit: 'count' }, spans, policy: word as PolicyVerdict }
  }

  function parseRate(rate: string, span: Span): number {
    if (BARE_NUMBER.test(rate)) fail(span, `'${rate}' has no unit`, `write a number with K, M or G, e.g. ${rate}M`)
    const bps = parseBitrate(rate) ?? fail(span, `'${rate}' is not a bitrate`, 'write a number with K, M or G, e.g. 10M')
    // An offered rate netbench could never have measured (0, above 1T) names no point.
    const problem = bitrateProblem(rate)
    return problem ? fail(span, problem.message, problem.hint) : bps
  }

  /** `baseline`, `baseline + 0.5%`, `baseline - 50M`; the sign may touch either neighbour. */
  function baselineOffset(token: Token): Bound {
    const word = 'baseline'.length
    spans.reference = { start: token.start, end: token.start + word }
    let rest = token.text.slice(word)
    let restStart = token.start + word
    if (rest === '' && /^[+-]/.test(peek()?.text ?? '')) {
      const sign = tokens[index++]!
      rest = sign.text
      restStart = sign.start
    }
    if (rest === '') return { kind: 'offset', of: { kind: 'baseline' }, value: 0, unit: UNITS[metric] }
    const example = `baseline + ${OFFSET_EXAMPLES[metric]}`
    if (!/^[+-]/.test(rest)) fail({ start: restStart, end: token.end }, `unexpected '${rest}' after 'baseline'`, `write '${example}' or '${metric === 'throughput' ? '95% of baseline' : 'baseline'}'`)
    const sign = rest.startsWith('-') ? -1 : 1
    let amount = rest.slice(1)
    const amountSpan: Span = { start: restStart + 1, end: restStart + rest.length }
    if (amount === '') {
      const next = expect('offset', `write e.g. '${example}'`)
      amount = next.text
      Object.assign(amountSpan, spanOf(next))
    }
    if (BARE_NUMBER.test(amount) && peek()?.text === '%') {
      amountSpan.end = tokens[index++]!.end
      amount += '%'
    }
    spans.value = { start: token.start, end: amountSpan.end }
    if (metric === 'throughput' && parsePercent(amount) !== undefined) {
      fail(amountSpan, `'${amount}' is not a rate`, "offset throughput by a rate, e.g. 'baseline - 50M', or write a share, e.g. '95% of baseline'")
    }
    const offset = absoluteBound(metric, amount, amountSpan)
    return { kind: 'offset', of: { kind: 'baseline' }, value: sign * offset.value, unit: offset.unit }
  }

  function unknownQualifier(token: Token, base: string): never {
    if (isOperatorToken(token)) fail(spanOf(token), `missing metric before '${token.text}'`, metricHint)
    if (!BARE_NUMBER.test(token.text) && parseBitrate(token.text) !== undefined) {
      fail(spanOf(token), `'${token.text}' looks like an offered rate`, `write 'at ${token.text}'`)
    }
    const match = nearest(base, [...METRICS, ...QUALIFIERS])
    if (match !== undefined && QUALIFIERS.includes(match)) {
      const kind = match === 'at' ? 'word' : STEPS.includes(match) ? 'step' : 'topology'
      fail(spanOf(token), `unknown ${kind} '${token.text}'`, `did you mean '${match}'?`)
    }
    return fail({ start: token.start, end: token.start + base.length }, `unknown metric '${token.text.slice(0, base.length)}'`, didYouMean(base, METRICS) + `use one of ${METRICS.join(', ')}`)
  }

  function absoluteBound(metric: Metric, raw: string, span: Span): Extract<Bound, { kind: 'absolute' }> {
    const bare = BARE_NUMBER.test(raw)
    const percent = parsePercent(raw)
    switch (metric) {
      case 'throughput':
        if (percent !== undefined) fail(span, `'${raw}' needs a reference`, `a throughput percentage is relative: write e.g. '${raw} of baseline' or '${raw} of offered'`)
        return { kind: 'absolute', value: parseRate(raw, span), unit: 'bps' }
      case 'max':
        if (percent !== undefined) fail(span, `'${raw}' needs a reference`, `a rate percentage is relative: write e.g. '${raw} of baseline' or '${raw} of host'`)
        return { kind: 'absolute', value: parseRate(raw, span), unit: 'bps' }
      case 'loss':
      case 'loss.network':
      case 'loss.receiver':
      case 'cpu':
        if (percent === undefined) fail(span, `'${raw}' is not a percentage`, bare ? `write '${raw}%'` : `${metric} is a percentage, e.g. '${EXAMPLES[metric]}'`)
        if (metric !== 'cpu' && percent! > 100) fail(span, `'${raw}' is more than 100%`, 'loss is a share of the datagrams sent, between 0% and 100%')
        return { kind: 'absolute', value: percent!, unit: 'percent' }
      case 'setup-time':
      case 'rtt':
      case 'jitter': {
        const timeHint = 'write a time with a unit, e.g. 1ms or 250us'
        if (bare) fail(span, `'${raw}' has no unit`, timeHint)
        const ms = parseDuration(raw) ?? fail(span, `'${raw}' is not a time`, timeHint)
        return { kind: 'absolute', value: ms, unit: 'ms' }
      }
      case 'retransmits':
        if (!bare) fail(span, `'${raw}' is not a count`, "retransmits is a plain number of TCP segments, e.g. 'retransmits < 100'")
        return { kind: 'absolute', value: Number(raw), unit: 'count' }
      case 'policy':
        return fail(span, 'a policy expectation has no value', "write '<network> policy enforced'")
    }
  }
}
