import { NetbenchError } from '../errors.ts'
import { clip, formatPath, visibleLine } from '../text.ts'
import { caretLine, describeExpectation } from '../expect/parse.ts'
import type { Expectation, Reference, Span } from '../expectation.ts'
import type { Between, EndpointKind, LatencyLoad, MaxRateSearchSpec, Step, Suite, Via } from '../model.ts'
import { formatBitrate } from '../units.ts'
import { matchBaseline, type BaselineMatch } from '../results/baseline.ts'
import { counterpartSuite } from '../results/compare.ts'
import type { RunResult } from '../results/types.ts'
import type { PlannedCheck, PlannedPoint, PlannedPolicy, SuitePlan } from '../runner/planned.ts'

function policiesOf(suite: Suite, network: string): PlannedPolicy[] {
  const steps = suite.policySteps ?? []
  return steps.map((step) => ({ id: `${network}|${step.index}|policy`, network, stepIndex: step.index, label: steps.length > 1 ? `policy (step ${step.index + 1})` : 'policy' }))
}

export interface PlanOptions {
  /** `--network`: measure only these networks. */
  onlyNetworks?: readonly string[]
  /** Names a place in the suite file for errors, e.g. `suite.yaml:12:5: expect[2]`. */
  place?: (path: readonly (string | number)[]) => string
  /** `--baseline`: the result `of baseline` expectations read. */
  baseline?: RunResult
}

/** One step's variants: offered rates (or the search) for UDP, stream counts for TCP. */
function variantsOf(step: Step): Array<{ key: string; base: string; bitrateBps: number | null; streams: number | null }> {
  switch (step.kind) {
    case 'udp':
      return step.search
        ? [{ key: 'max', base: 'udp max', bitrateBps: null, streams: null }]
        : step.bitratesBps.map((bps) => ({ key: String(bps), base: `udp ${formatBitrate(bps)}`, bitrateBps: bps, streams: null }))
    case 'tcp': {
      const direction = step.reverse ? ' reverse' : step.bidir ? ' bidir' : ''
      return step.streams.map((streams) => ({
        key: step.streams.length > 1 ? `x${streams}` : '', base: `tcp${streams > 1 ? ` ×${streams}` : ''}${direction}`, bitrateBps: null, streams,
      }))
    }
    case 'latency': {
      const load = step.underLoad === null ? '' : step.underLoad.kind === 'tcp' ? ' under tcp load' : ` under udp ${formatBitrate(step.underLoad.bitrateBps)}`
      return [{ key: '', base: `latency${step.protocol ? ` ${step.protocol}` : ''}${load}`, bitrateBps: null, streams: null }]
    }
  }
}

function pointsOf(suite: Suite, network: string): PlannedPoint[] {
  const kindCount = (kind: Step['kind']) => suite.steps.filter((step) => step.kind === kind).length
  return suite.steps.flatMap((step) => variantsOf(step).map((variant) => {
    const pairs = step.kind === 'latency' ? undefined : step.pairs
    const via = step.via && step.via !== 'pod' ? step.via : undefined
    // A hairpin's client is the server pod itself: no placement to tell apart.
    const placement = via === 'hairpin' ? 'same pod' : step.between
    const qualifiers = [...kindCount(step.kind) > 1 || via === 'hairpin' ? [placement] : [], ...step.endpoint === 'host' ? ['host'] : [], ...pairs ? [`${pairs} pairs`] : []]
    const base = via ? `${variant.base} via ${via}` : variant.base
    return {
      id: `${network}|${step.index}|${variant.key}`,
      network,
      stepIndex: step.index,
      step: step.kind,
      label: qualifiers.length ? `${base} (${qualifiers.join(', ')})` : base,
      bitrateBps: variant.bitrateBps,
      streams: variant.streams,
      ...step.kind === 'udp' && step.search ? { search: step.search } : {},
      ...step.kind === 'tcp' && step.reverse ? { reverse: true } : {},
      ...step.kind === 'tcp' && step.bidir ? { bidir: true } : {},
      ...pairs ? { pairs } : {},
      ...step.kind === 'latency' ? { latency: { count: step.count, intervalMs: step.intervalMs, underLoad: step.underLoad, ...step.protocol ? { protocol: step.protocol } : {} } } : {},
      durationMs: step.durationMs,
      omitMs: step.omitMs,
      between: step.between,
      ...step.endpoint === 'host' ? { endpoint: 'host' as const } : {},
      ...via ? { via } : {},
      repeat: step.repeat,
    }
  }))
}

/** Which points a metric exists for: a search gives only its max, a latency step only rtt. */
function measuresMetric(point: Pick<PlannedPoint, 'step' | 'search' | 'latency' | 'pairs'>, metric: Expectation['metric']): boolean {
  switch (metric) {
    case 'fairness': return (point.pairs ?? 1) > 1
    case 'max': return point.search !== undefined
    case 'rtt': return point.step === 'latency'
    case 'tps': return point.step === 'latency' && point.latency?.protocol !== undefined
    case 'retransmits': return point.step === 'tcp'
    case 'loss': case 'loss.network': case 'loss.receiver': case 'jitter': return point.step === 'udp' && !point.search
    default: return point.step === 'tcp' || (point.step === 'udp' && !point.search)
  }
}

/** Does the expectation read this point (its step, offered rate, placement, path and metric)? */
export function appliesTo(expectation: Expectation, point: Pick<PlannedPoint, 'step' | 'bitrateBps' | 'between' | 'search' | 'latency' | 'pairs' | 'via'>): boolean {
  return (expectation.step === undefined || point.step === expectation.step) &&
    measuresMetric(point, expectation.metric) &&
    (expectation.bitrateBps === undefined || point.bitrateBps === expectation.bitrateBps) &&
    (expectation.topology === undefined || point.between === expectation.topology) &&
    (expectation.via === undefined || (point.via ?? 'pod') === expectation.via)
}

/**
 * The path of the reference network's point that `point` is compared with: the one written
 * (`of calico via pod`); else the pod path when the reference is the point's own network and the
 * point took a Service path (the Service against the pod it selects); else the point's own path.
 */
function referencePath(point: PlannedPoint, reference: Extract<Reference, { kind: 'network' }>): Via {
  if (reference.via) return reference.via
  return reference.network === point.network ? 'pod' : point.via ?? 'pod'
}

/** The reference network's point measured like `point` (step, variant, placement, endpoint) over `via`. */
function referencePointOf(point: PlannedPoint, candidates: readonly PlannedPoint[], via: Via): PlannedPoint | undefined {
  // The same step and variant: ids differ only in the network prefix.
  const variant = point.id.slice(point.network.length)
  if ((point.via ?? 'pod') === via) return candidates.find((other) => other.id.slice(other.network.length) === variant)
  const latency = (candidate: PlannedPoint) => JSON.stringify(candidate.latency ?? null)
  return candidates.find((other) => (other.via ?? 'pod') === via && other.step === point.step && other.bitrateBps === point.bitrateBps &&
    other.streams === point.streams && !other.reverse === !point.reverse && !other.bidir === !point.bidir && !other.search === !point.search &&
    latency(other) === latency(point) && other.between === point.between && (other.endpoint ?? 'pod') === (point.endpoint ?? 'pod'))
}

/** The step kind a metric implies, for "the suite has no … step" messages. */
function impliedStep(expectation: Expectation): Step['kind'] | undefined {
  if (expectation.step) return expectation.step
  if (expectation.metric === 'rtt' || expectation.metric === 'tps') return 'latency'
  if (expectation.metric === 'retransmits') return 'tcp'
  if (expectation.bitrateBps !== undefined || ['loss', 'loss.network', 'loss.receiver', 'jitter', 'max'].includes(expectation.metric)) return 'udp'
  return undefined
}

/** Expands networks × steps × rates and binds every expectation to the points it reads. */
export function planSuite(suite: Suite, options: PlanOptions = {}): SuitePlan {
  const allPoints = new Map(suite.networks.map((network) => [network, pointsOf(suite, network)]))
  const place = options.place ?? ((path) => `${suite.file}: ${formatPath(path)}`)
  const checks = suite.expectations.flatMap((expectation, index) => bindExpectation(suite, expectation, index, place(['expect', index]), allPoints, options.baseline))
  const selected = options.onlyNetworks ? suite.networks.filter((name) => options.onlyNetworks!.includes(name)) : suite.networks
  const referenced = (check: PlannedCheck) => [check.network, check.referencePointId?.split('|')[0]].filter(Boolean) as string[]
  return {
    suite,
    networks: selected.map((name) => ({ name, points: allPoints.get(name)!, ...suite.policySteps?.length ? { policies: policiesOf(suite, name) } : {} })),
    checks: checks.filter((check) => referenced(check).every((name) => selected.includes(name))),
  }
}

function bindExpectation(suite: Suite, expectation: Expectation, index: number, where: string, allPoints: Map<string, PlannedPoint[]>, baseline: RunResult | undefined): PlannedCheck[] {
  const fail = (span: Span | undefined, message: string, hint: string): never => {
    throw new NetbenchError('EXPECTATION_INVALID', `${where}: ${message} in "${clip(visibleLine(expectation.text), 80)}"`, {
      hint,
      detail: span ? caretLine(expectation.text, span) : undefined,
    })
  }
  const { subject, spans } = expectation
  if (subject.kind === 'network' && !suite.networks.includes(subject.network)) {
    fail(spans.subject, `network '${subject.network}' is not in this suite's networks`, `add it to networks (${suite.networks.join(', ')}) or use one of them`)
  }
  const reference = expectation.bound.kind === 'absolute' ? undefined : expectation.bound.of
  if (reference?.kind === 'network' && !suite.networks.includes(reference.network)) {
    fail(spans.reference, `network '${reference.network}' is not in this suite's networks`, `compare with one of ${suite.networks.join(', ')}`)
  }
  if (reference?.kind === 'baseline' && !baseline) {
    fail(spans.reference, '`of baseline` needs a baseline result', 'pass --baseline <result.json>, a result an earlier run wrote with --output')
  }
  if (reference?.kind === 'baseline' && baseline && !counterpartSuite(baseline, suite, true)) {
    const has = baseline.suites.map((other) => `'${clip(visibleLine(other.name), 60)}'`).join(', ') || 'no suite'
    fail(spans.reference, `the baseline (run ${baseline.runId}) is a result of another suite (${has}), not of '${suite.name}'`, 'pass --baseline a result this suite wrote with --output')
  }
  const networks = subject.kind === 'all' ? suite.networks : [subject.network]
  if (expectation.metric === 'policy') {
    if (!suite.policySteps?.length) fail(spans.metric, 'the suite has no policy step', 'add policy({ pods: …, policies: […] }) to steps')
    const label = describeExpectation(expectation)
    return networks.flatMap((network) => policiesOf(suite, network).map((planned) => ({
      id: `${index}|${planned.id}`, expectationIndex: index, expectation, network,
      pointId: planned.id, referencePointId: null, label, name: `${network} › ${planned.label} › ${label}`,
      target: { kind: 'policy' as const, stepIndex: planned.stepIndex },
    })))
  }
  if (expectation.metric === 'setup-time') {
    const label = describeExpectation(expectation)
    return networks.map((network) => ({
      id: `${index}|${network}|setup`, expectationIndex: index, expectation, network,
      pointId: `${network}|setup`, referencePointId: null, label, name: `${network} › setup › ${label}`, target: { kind: 'setup' as const },
    }))
  }
  const matches = (point: PlannedPoint) => appliesTo(expectation, point)
  const sample = allPoints.get(networks[0]!)!
  if (!sample.some(matches)) explainNoMatch(suite, expectation, fail)
  return networks.flatMap((network) => allPoints.get(network)!.filter(matches).map((point) => {
    let referencePoint: PlannedPoint | null = null
    if (reference?.kind === 'network') {
      const via = referencePath(point, reference)
      referencePoint = referencePointOf(point, allPoints.get(reference.network)!, via)
        ?? fail(spans.reference, `nothing to compare ${network}'s ${point.label} with: ${reference.network} has no ${point.label.replace(/ via \S+/, '')} point via ${via}`, `add the same ${point.step} step${via === 'pod' ? ' without via' : ` with via: '${via}'`}, or name the path: 'of ${reference.network} via …'`)
    }
    const label = describeExpectation(expectation)
    return {
      id: `${index}|${point.id}`,
      expectationIndex: index,
      expectation,
      network,
      pointId: point.id,
      referencePointId: referencePoint?.id ?? null,
      ...(baseline && reference?.kind === 'baseline' ? { baseline: matchBaseline(baseline, suite, point) } : {}),
      label,
      name: `${network} › ${point.label} › ${label}`,
    }
  }))
}

function explainNoMatch(suite: Suite, expectation: Expectation, fail: (span: Span | undefined, message: string, hint: string) => never): never {
  const { spans } = expectation
  const udpSteps = suite.steps.filter((step) => step.kind === 'udp')
  const kind = impliedStep(expectation)
  if (kind && !suite.steps.some((step) => step.kind === kind)) {
    fail(spans.step ?? spans.metric, `the suite has no ${kind} step`, `add ${kind}({ … }) to steps`)
  }
  if (expectation.metric === 'tps' && !suite.steps.some((step) => step.kind === 'latency' && step.protocol)) {
    fail(spans.metric, 'tps is counted by request/response latency steps, and this suite only pings', "add latency({ protocol: 'tcp' }) to steps")
  }
  if (expectation.metric === 'fairness' && !suite.steps.some((step) => step.kind !== 'latency' && step.pairs && (!expectation.step || step.kind === expectation.step))) {
    fail(spans.metric, `fairness compares pairs measured at once, and no ${expectation.step ?? 'udp or tcp'} step of this suite has pairs above 1`, `add pairs: 2 (or more) to a ${expectation.step ?? 'udp or tcp'} step`)
  }
  if (expectation.metric === 'max' && !udpSteps.some((step) => step.kind === 'udp' && step.search)) {
    fail(spans.metric, 'no udp step searches for the max rate', "add udp({ find: 'max', loss: '<= 0.5%' }) to steps")
  }
  if (expectation.bitrateBps !== undefined) {
    const offered = [...new Set(udpSteps.flatMap((step) => step.kind === 'udp' ? step.bitratesBps : []))].map(formatBitrate)
    fail(spans.bitrate, `no udp step offers ${formatBitrate(expectation.bitrateBps)}`, `use one of the offered rates: ${offered.join(', ')}`)
  }
  if (expectation.via !== undefined && !suite.steps.some((step) => (step.via ?? 'pod') === expectation.via)) {
    const paths = [...new Set(suite.steps.map((step) => step.via ?? 'pod'))]
    fail(spans.via, `no step measures via ${expectation.via}`, `add via: '${expectation.via}' to a step, or use one of ${paths.join(', ')}`)
  }
  if (expectation.topology !== undefined) {
    const placements = [...new Set(suite.steps.map((step) => step.between))]
    fail(spans.topology, `no step measures between ${expectation.topology}`, `use one of ${placements.join(', ')}`)
  }
  return fail(spans.metric, 'no step of this suite measures this', 'check the step kind and metric')
}
