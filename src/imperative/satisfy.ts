/**
 * The imperative form's expectations: the same grammar (expect/parse.ts) and the same evaluation
 * (expect/evaluate.ts) as a suite's `expect: [...]`, against the points a test measured.
 */
import { evaluate } from '../expect/evaluate.ts'
import { evaluateSetupTime } from '../expect/network-checks.ts'
import { describeExpectation, ExpectationParseError, parseExpectation, parseExpectationAbout } from '../expect/parse.ts'
import type { Expectation } from '../expectation.ts'
import { appliesTo } from '../plan/plan.ts'
import type { NetworkResult, PointResult, Verdict } from '../results/types.ts'

export interface Judgement {
  pass: boolean
  message: string
}

/** What a lab measured so far in its file: every point, and each network as installed. */
export interface Measured {
  points: readonly PointResult[]
  networks: readonly Pick<NetworkResult, 'name' | 'status' | 'error' | 'setupMs'>[]
}

/** A bad expression is a mistake in the test, not a failed measurement: it throws. */
function parse(read: () => Expectation): Expectation {
  try {
    return read()
  } catch (error) {
    if (error instanceof ExpectationParseError) throw new Error(`${error.message} in "${error.text}" — ${error.hint}\n${error.detail ?? ''}`)
    throw error
  }
}

const unusable = (message: string): Judgement => ({ pass: false, message })

function pointShape(point: PointResult) {
  return { step: point.step, bitrateBps: point.bitrateBps, between: point.between, pairs: point.pairs, via: point.via, search: point.search ? { fromBps: 0, toBps: 0, resolution: 0, lossBoundPercent: 0 } : undefined }
}

/** A label without its path (`tcp via service` → `tcp`), so one variant's paths can be matched. */
const variantOf = (label: string) => label.replace(/ via \S+/, '')

const where = (point: PointResult) => `${point.network} › ${point.label}`

function line(expectation: Expectation, point: PointResult, verdict: Verdict): string {
  const mark = verdict.status === 'passed' ? 'holds' : verdict.status === 'failed' ? 'missed' : 'could not be judged'
  return `${where(point)} › ${describeExpectation(expectation)} ${mark}: ${verdict.message}`
}

/**
 * `expect(point).toSatisfy('loss.network < 1%')`: one expectation against one point. The subject
 * may be left out; one that is written must be the point's network (or `all`).
 */
export function judgePoint(text: string, point: PointResult): Judgement {
  const expectation = parse(() => parseExpectationAbout(point.network, text))
  const { subject, bound, metric } = expectation
  if (subject.kind === 'network' && subject.network !== point.network) {
    return unusable(`"${text}" is about ${subject.network}, but the point is ${where(point)}`)
  }
  if (metric === 'setup-time' || metric === 'policy') return unusable(`"${text}" is about a network, not a point: write expect(lab).toSatisfy('${expectation.text}')`)
  if (bound.kind !== 'absolute' && bound.of.kind === 'network') return unusable(`"${text}" compares networks: write expect(lab).toSatisfy('${point.network} ${describeExpectation(expectation)}')`)
  if (bound.kind !== 'absolute' && bound.of.kind === 'baseline') return unusable(`"${text}" needs a baseline run, which the imperative form has not`)
  if (!appliesTo(expectation, pointShape(point))) return unusable(`"${text}" does not apply to ${where(point)} (between ${point.between})`)
  const verdict = evaluate(expectation, point, null)
  return { pass: verdict.status === 'passed', message: line(expectation, point, verdict) }
}

/**
 * `expect(lab).toSatisfy('calico tcp throughput >= 90% of flannel')`: an expectation against
 * every point of the file's lab it applies to (all must hold); `of <network>` reads that
 * network's point with the same label and placement.
 */
export function judgeLab(text: string, measured: Measured): Judgement {
  const expectation = parse(() => parseExpectation(text))
  const { subject, bound, metric } = expectation
  if (metric === 'policy') return unusable(`"${text}": the imperative lab runs no policy steps; use a suite with a policy step`)
  if (bound.kind !== 'absolute' && bound.of.kind === 'baseline') return unusable(`"${text}" needs a baseline run, which the imperative form has not`)
  const about = (name: string) => subject.kind === 'all' || subject.network === name
  if (metric === 'setup-time') {
    const networks = measured.networks.filter((network) => about(network.name))
    if (!networks.length) return unusable(`"${text}": the lab installed no such network (it has ${measured.networks.map((n) => n.name).join(', ') || 'none'})`)
    const verdicts = networks.map((network) => ({ network, verdict: evaluateSetupTime(expectation, network) }))
    const failing = verdicts.filter(({ verdict }) => verdict.status !== 'passed')
    return {
      pass: failing.length === 0,
      message: (failing.length ? failing : verdicts).map(({ network, verdict }) => `${network.name} › setup › ${describeExpectation(expectation)}: ${verdict.message}`).join('; '),
    }
  }
  const points = measured.points.filter((point) => about(point.network) && appliesTo(expectation, pointShape(point)))
  if (!points.length) {
    const seen = measured.points.map(where).join(', ') || 'nothing yet'
    return unusable(`"${text}" applies to no point the lab measured in this file (it measured ${seen})`)
  }
  const of = bound.kind !== 'absolute' && bound.of.kind === 'network' ? bound.of : undefined
  const judge = (point: PointResult): Verdict => {
    if (!of) return evaluate(expectation, point, null)
    // As in a suite: a Service path against its own network reads the pod path.
    const via = of.via ?? (of.network === point.network ? 'pod' : point.via ?? 'pod')
    const reference = measured.points.findLast((other) => other.network === of.network && variantOf(other.label) === variantOf(point.label) && other.between === point.between && (other.via ?? 'pod') === via)
    if (reference) return evaluate(expectation, point, reference)
    return { status: 'error', actual: null, expected: null, unit: 'bps', message: `the lab measured no ${variantOf(point.label)}${via === 'pod' ? '' : ` via ${via}`} of ${of.network} between ${point.between} to compare with` }
  }
  const verdicts = points.map((point) => ({ point, verdict: judge(point) }))
  const failing = verdicts.filter(({ verdict }) => verdict.status !== 'passed')
  return {
    pass: failing.length === 0,
    message: (failing.length ? failing : verdicts).map(({ point, verdict }) => line(expectation, point, verdict)).join('; '),
  }
}
