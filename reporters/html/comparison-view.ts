import { formatValue } from '../../src/results/format.ts'
import { describeDelta } from '../../src/results/compare.ts'
import type { ChangeVerdict, Comparison, MetricChange, PointChange } from '../../src/results/types.ts'
import { trimNumber } from '../../src/units.ts'

export interface MetricCell {
  metric: string
  baseline: string
  current: string
  /** `± 3.2 Mbit/s`: half the 95% confidence interval of the mean; empty for a single sample. */
  baselineSpread: string
  currentSpread: string
  delta: string
  verdict: ChangeVerdict
  gated: boolean
  decidedBy: string
}

export interface ComparisonRow {
  suite: string
  network: string
  label: string
  verdict: ChangeVerdict
  verdictLabel: string
  note: string
  cells: MetricCell[]
}

export interface ComparisonView {
  baselineRun: string
  currentRun: string
  tolerance: string
  regressions: number
  improvements: number
  noise: number
  missing: number
  /** Regressions, changes within noise and improvements: what a reviewer reads first. */
  changed: ComparisonRow[]
  /** Unchanged and uncompared points. */
  rest: ComparisonRow[]
}

const CHANGED = new Set<ChangeVerdict>(['regression', 'noise', 'improvement'])
const VERDICT_TEXT: Record<ChangeVerdict, string> = {
  regression: 'regression', improvement: 'improvement', unchanged: 'unchanged', noise: 'within noise', missing: 'not compared',
}

function spread(change: MetricChange, side: 'baselineCi' | 'currentCi'): string {
  const interval = change[side]
  return interval ? `± ${formatValue((interval.high - interval.low) / 2, change.unit)}` : ''
}

function cell(change: MetricChange): MetricCell {
  return {
    metric: change.metric,
    baseline: formatValue(change.baseline, change.unit),
    current: formatValue(change.current, change.unit),
    baselineSpread: spread(change, 'baselineCi'),
    currentSpread: spread(change, 'currentCi'),
    delta: describeDelta(change),
    verdict: change.verdict,
    gated: change.gated,
    decidedBy: change.decidedBy,
  }
}

function note(point: PointChange): string {
  if (point.presence === 'baseline-only') return 'measured in the baseline only'
  if (point.presence === 'current-only') return 'not in the baseline'
  if (point.currentError) return `measurement failed: ${point.currentError}`
  if (point.baselineError) return `the baseline measurement failed: ${point.baselineError}`
  return point.senderLimited ? 'sender-limited in the current run: a throughput drop may be the sending host' : ''
}

/** The comparison as table rows, for the report's baseline section and `netbench compare`'s page. */
export function comparisonView(comparison: Comparison): ComparisonView {
  const run = (ref: Comparison['baseline']) => `${ref.runId}${ref.file ? ` (${ref.file})` : ''}, ${ref.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`
  const count = (verdict: ChangeVerdict) => comparison.points.filter((point) => point.verdict === verdict).length
  const rows: ComparisonRow[] = comparison.points.map((point) => ({
    suite: point.suite, network: point.network, label: point.label, verdict: point.verdict, verdictLabel: VERDICT_TEXT[point.verdict], note: note(point), cells: point.metrics.map(cell),
  }))
  return {
    baselineRun: run(comparison.baseline),
    currentRun: run(comparison.current),
    tolerance: `throughput −${trimNumber(comparison.tolerance.percent, 2)}%, loss +${trimNumber(comparison.tolerance.lossPoints, 2)} pp`,
    regressions: comparison.regressions,
    improvements: comparison.improvements,
    noise: count('noise'),
    missing: count('missing'),
    changed: rows.filter((row) => CHANGED.has(row.verdict)),
    rest: rows.filter((row) => !CHANGED.has(row.verdict)),
  }
}

/** `flannel › udp 1G: throughput −12.3%` lines for a summary. */
export function regressionLines(comparison: Comparison): string[] {
  return comparison.points.filter((point) => point.verdict === 'regression').map((point) => {
    const worst = point.metrics.filter((metric) => metric.gated && metric.verdict === 'regression').map((metric) => `${metric.metric} ${describeDelta(metric)}`)
    return `${point.network} › ${point.label}: ${worst.join(', ') || note(point)}`
  })
}
