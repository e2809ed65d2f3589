import { isSenderLimited } from './attribution.ts'
import { judge } from './judge.ts'
import type { Metrics } from './metrics.ts'
import { confidenceInterval } from './significance.ts'
import { percentile } from './stats.ts'
import type { ChangeVerdict, Comparison, MetricChange, PointChange, PointResult, RunRef, RunResult, SuiteResult, Tolerance } from './types.ts'
import { basename } from 'node:path'
import { trimNumber } from '../units.ts'

/** The comparison's name for node CPU-seconds per Gbit/s received. */
export const NODE_CPU_METRIC = 'node CPU-s per Gbit/s'

export const DEFAULT_TOLERANCE: Tolerance = { percent: 5, lossPoints: 0.5 }

type MetricKey = keyof Pick<Metrics, 'throughputBps' | 'lossPercent' | 'jitterMs' | 'retransmits' | 'cpuNodePerGbps'>

interface MetricRule {
  key: MetricKey
  name: string
  unit: 'bps' | 'percent' | 'ms' | 'count'
  better: 'higher' | 'lower'
  /**
   * How the tolerance applies; null: shown but not gated, because jitter in microseconds and
   * retransmits in single digits swing by large ratios between identical runs.
   */
  gate: 'percent' | 'points' | null
  steps: ReadonlyArray<PointResult['step']>
  /** Compared only when a side measured it (results before node CPU, or kube without exec, have none). */
  optional?: boolean
}

const RULES: readonly MetricRule[] = [
  { key: 'throughputBps', name: 'throughput', unit: 'bps', better: 'higher', gate: 'percent', steps: ['udp', 'tcp'] },
  { key: 'lossPercent', name: 'loss', unit: 'percent', better: 'lower', gate: 'points', steps: ['udp'] },
  { key: 'jitterMs', name: 'jitter', unit: 'ms', better: 'lower', gate: null, steps: ['udp'] },
  { key: 'retransmits', name: 'retransmits', unit: 'count', better: 'lower', gate: null, steps: ['tcp'] },
  // Shown, not gated: other work on a shared node moves it. Bound it with an expectation instead
  // (`cpu.node.perGbps <= 120% of baseline`), which catches an upgrade that doubles the CPU.
  { key: 'cpuNodePerGbps', name: NODE_CPU_METRIC, unit: 'count', better: 'lower', gate: null, steps: ['udp', 'tcp'], optional: true },
]

type PointShape = Pick<PointResult, 'network' | 'label' | 'step' | 'bitrateBps' | 'streams' | 'between' | 'pairs' | 'via'>

/** What makes two points the same measurement in two runs, whatever their ids and labels. */
function shapeKey(point: PointShape): string {
  return [point.network, point.step, point.bitrateBps ?? '', point.streams ?? '', point.between, point.via ?? 'pod', ...point.pairs ? [`${point.pairs} pairs`] : []].join('|')
}

/**
 * Pairs each point of `current` with the same measurement in `baseline`: the same network and
 * label first (the label carries direction and endpoint), then, for the rest, the same network,
 * kind, rate, streams, placement, path and pairs (a label gains a qualifier when a suite adds a second step).
 */
export function pairPoints<A extends PointShape, B extends PointShape>(baseline: readonly A[], current: readonly B[]): Array<[A | undefined, B]> {
  const left = new Set(baseline)
  const take = (found: A | undefined) => {
    if (found) left.delete(found)
    return found
  }
  const byLabel = current.map((point) => take([...left].find((candidate) => candidate.network === point.network && candidate.label === point.label)))
  return current.map((point, index) => [byLabel[index] ?? take([...left].find((candidate) => shapeKey(candidate) === shapeKey(point))), point])
}

/**
 * The suite of `run` that corresponds to `suite`: the same name or, when `orOnly` (the other side
 * has a single suite too), the only suite of `run` if it comes from the same suite file, so
 * renaming a suite in place keeps its history while an unrelated suite never pairs.
 */
export function counterpartSuite(run: RunResult, suite: { name: string; file: string }, orOnly: boolean): SuiteResult | undefined {
  const only = orOnly && run.suites.length === 1 ? run.suites[0]! : undefined
  return run.suites.find((candidate) => candidate.name === suite.name) ?? (only && basename(only.file) === basename(suite.file) ? only : undefined)
}

export function sampleValues(point: PointResult, key: MetricKey): number[] {
  return point.samples.map((sample) => sample.metrics[key]).filter((value): value is number => value !== null && Number.isFinite(value))
}

const worseSide = (rule: MetricRule) => rule.better === 'higher' ? 'below' : 'above'
const betterSide = (rule: MetricRule) => rule.better === 'higher' ? 'above' : 'below'

/** The reference's samples moved by the tolerance, towards worse (sign 1) or better (sign −1). */
function shifted(values: readonly number[], rule: MetricRule, tolerance: Tolerance, sign: 1 | -1): number[] {
  const towardsWorse = rule.better === 'higher' ? -sign : sign
  if (rule.gate === 'points') return values.map((value) => value + towardsWorse * tolerance.lossPoints)
  return values.map((value) => value * (1 + towardsWorse * tolerance.percent / 100))
}

function compareMetric(rule: MetricRule, baseline: readonly number[], current: readonly number[], tolerance: Tolerance): MetricChange {
  const base = baseline.length ? percentile(baseline, 50) : null
  const now = current.length ? percentile(current, 50) : null
  const change: MetricChange = {
    metric: rule.name, unit: rule.unit, gated: rule.gate !== null, baseline: base, current: now,
    delta: base !== null && now !== null ? now - base : null,
    deltaPercent: base !== null && now !== null && base !== 0 ? ((now - base) / Math.abs(base)) * 100 : null,
    baselineCi: confidenceInterval(baseline) ?? null, currentCi: confidenceInterval(current) ?? null,
    verdict: 'missing', decidedBy: base === null ? 'no baseline value' : 'no current value',
  }
  if (base === null || now === null) return change
  const worse = judge(current, shifted(baseline, rule, tolerance, 1), worseSide(rule))
  if (worse.outcome !== 'held') return { ...change, verdict: worse.outcome === 'violated' ? 'regression' : 'noise', decidedBy: worse.decidedBy }
  const better = judge(current, shifted(baseline, rule, tolerance, -1), betterSide(rule))
  if (better.outcome === 'violated') return { ...change, verdict: 'improvement', decidedBy: better.decidedBy }
  return { ...change, verdict: 'unchanged', decidedBy: better.outcome === 'noise' ? better.decidedBy : 'within tolerance' }
}

const severity: Record<ChangeVerdict, number> = { regression: 4, noise: 3, improvement: 2, unchanged: 1, missing: 0 }

function comparePoint(suite: string, baseline: PointResult | undefined, current: PointResult | undefined, tolerance: Tolerance): PointChange {
  const either = (current ?? baseline)!
  const change: PointChange = {
    suite, network: either.network, label: either.label, step: either.step, bitrateBps: either.bitrateBps,
    presence: baseline && current ? 'both' : baseline ? 'baseline-only' : 'current-only',
    baselineError: baseline?.status === 'error' ? baseline.error : null,
    currentError: current?.status === 'error' ? current.error : null,
    senderLimited: current ? isSenderLimited(current) : false,
    verdict: 'missing', metrics: [],
  }
  if (!baseline || !current) return change
  change.metrics = RULES.filter((rule) => rule.steps.includes(either.step))
    .map((rule) => ({ rule, before: sampleValues(baseline, rule.key), now: sampleValues(current, rule.key) }))
    .filter(({ rule, before, now }) => !rule.optional || before.length + now.length > 0)
    .map(({ rule, before, now }) => compareMetric(rule, before, now, tolerance))
  // A measurement that worked before and fails now is the clearest regression of all.
  if (change.currentError && !change.baselineError) {
    change.verdict = 'regression'
    return change
  }
  const gated = change.metrics.filter((metric) => metric.gated)
  change.verdict = gated.reduce<ChangeVerdict>((worst, metric) => severity[metric.verdict] > severity[worst] ? metric.verdict : worst, 'missing')
  return change
}

/** Compares every point of `current` with the same point of `baseline`. */
export function compareRuns(baseline: RunResult, current: RunResult, tolerance: Tolerance = DEFAULT_TOLERANCE, files: { baseline?: string; current?: string } = {}): Comparison {
  const points: PointChange[] = []
  const pairedBaselineSuites = new Set<SuiteResult>()
  for (const suite of current.suites) {
    const other = counterpartSuite(baseline, suite, current.suites.length === 1)
    if (other) pairedBaselineSuites.add(other)
    const pairs = pairPoints(other?.points ?? [], suite.points)
    for (const [before, now] of pairs) points.push(comparePoint(suite.name, before, now, tolerance))
    const paired = new Set(pairs.map(([before]) => before))
    for (const point of other?.points ?? []) if (!paired.has(point)) points.push(comparePoint(suite.name, point, undefined, tolerance))
  }
  for (const suite of baseline.suites.filter((candidate) => !pairedBaselineSuites.has(candidate))) {
    for (const point of suite.points) points.push(comparePoint(suite.name, point, undefined, tolerance))
  }
  const ref = (run: RunResult, file: string | undefined): RunRef => ({ runId: run.runId, startedAt: run.startedAt, file: file ?? null })
  return {
    baseline: ref(baseline, files.baseline),
    current: ref(current, files.current),
    tolerance,
    points,
    regressions: points.filter((point) => point.verdict === 'regression').length,
    improvements: points.filter((point) => point.verdict === 'improvement').length,
  }
}

/** `−10.7%` for rates and counts, `+0.42 pp` for loss (already a percentage), `±0%` when it rounds away. */
export function describeDelta(change: MetricChange): string {
  const points = change.unit === 'percent'
  const value = points ? change.delta : change.deltaPercent
  if (value === null) return '—'
  const digits = points ? 2 : 1
  const shown = trimNumber(Math.abs(value), digits)
  const unit = points ? ' pp' : '%'
  return Number(shown) === 0 ? `±0${unit}` : `${value > 0 ? '+' : '−'}${shown}${unit}`
}
