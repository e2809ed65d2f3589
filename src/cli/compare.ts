import { writeFile } from 'node:fs/promises'
import pc from 'picocolors'
import { DEFAULT_REPORT_DIR, reportFile, shown } from '../../reporters/report-dir.ts'
import { renderTable } from '../../reporters/terminal/table.ts'
import { formatValue } from '../results/format.ts'
import { EXIT, NetbenchError } from '../errors.ts'
import { compareRuns, counterpartSuite, DEFAULT_TOLERANCE, describeDelta, NODE_CPU_METRIC } from '../results/compare.ts'
import type { ChangeVerdict, Comparison, MetricChange, PointChange } from '../results/types.ts'
import { NETBENCH_VERSION } from '../results/environment.ts'
import { loadResult } from '../results/load-result.ts'
import { parsePercent, trimNumber } from '../units.ts'
import { clip, deepVisible, visibleLine } from '../text.ts'
import type { RunResult } from '../results/types.ts'
import { loadConfig } from './config.ts'
import { checkOutputTargets, singleValue } from './output-targets.ts'

export interface CompareFlags {
  tolerance?: string
  lossTolerance?: string
  reportDir?: string
}

/** `5%`, `5` or `0.5%`; anything else is a usage error naming the flag. */
function percentFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback
  const text = String(singleValue(value, flag)).trim()
  if (text.startsWith('-')) throw new NetbenchError('USAGE', `${flag} ${text}: tolerances are positive`, { hint: `write e.g. ${flag} 5%` })
  const parsed = /^\d+(\.\d+)?$/.test(text) ? Number(text) : parsePercent(text)
  if (parsed === undefined) throw new NetbenchError('USAGE', `${flag} ${text}: not a percentage`, { hint: `write e.g. ${flag} 5%` })
  return parsed
}

const paint: Record<ChangeVerdict, (text: string) => string> = {
  regression: pc.red, improvement: pc.green, unchanged: (text) => text, noise: pc.dim, missing: pc.dim,
}
const label: Record<ChangeVerdict, string> = {
  regression: 'regression', improvement: 'improvement', unchanged: 'unchanged', noise: 'within noise', missing: 'not compared',
}

function change(metric: MetricChange | undefined): [string, string] {
  if (!metric || metric.verdict === 'missing') return ['—', '']
  return [`${formatValue(metric.baseline, metric.unit)} → ${formatValue(metric.current, metric.unit)}`, paint[metric.verdict](describeDelta(metric))]
}

function pointName(point: PointChange, suites: number): string {
  return `${suites > 1 ? `${point.suite} › ` : ''}${point.network} › ${point.label}`
}

/** The per-point delta table, then one line per regression saying which test decided it. */
export function renderComparisonText(comparison: Comparison): string {
  const suites = new Set(comparison.points.map((point) => point.suite)).size
  // Node CPU only when a run measured it: results from before it, or kube without exec, have none.
  const columns = ['throughput', 'loss', ...comparison.points.some((point) => point.metrics.some((metric) => metric.metric === NODE_CPU_METRIC)) ? [NODE_CPU_METRIC] : []]
  const rows = [['point', ...columns.flatMap((column) => [column === NODE_CPU_METRIC ? 'node CPU-s/Gbit' : column, 'change']), 'verdict'].map((cell) => pc.dim(cell))]
  for (const point of comparison.points) {
    const metric = (name: string) => point.metrics.find((candidate) => candidate.metric === name)
    const note = point.presence === 'baseline-only' ? ' (not measured now)' : point.presence === 'current-only' ? ' (not in baseline)' : point.currentError ? ' (measurement failed)' : point.senderLimited ? ' (sender-limited)' : ''
    rows.push([pointName(point, suites), ...columns.flatMap((column) => change(metric(column))), paint[point.verdict](`${label[point.verdict]}${note}`)])
  }
  const { tolerance } = comparison
  const lines = [
    `${pc.bold('netbench compare')} ${pc.dim(`baseline ${comparison.baseline.runId}${comparison.baseline.file ? ` (${comparison.baseline.file})` : ''} → current ${comparison.current.runId}${comparison.current.file ? ` (${comparison.current.file})` : ''}`)}`,
    '',
    renderTable(rows),
    '',
  ]
  const regressions = comparison.points.filter((point) => point.verdict === 'regression')
  for (const point of regressions) {
    const why = point.currentError ? `measurement failed: ${point.currentError}` : point.metrics.filter((metric) => metric.gated && metric.verdict === 'regression').map((metric) => `${metric.metric}: ${metric.decidedBy}`).join('; ')
    lines.push(`${pc.red('✗')} ${pointName(point, suites)}: ${why}`)
  }
  const noise = comparison.points.filter((point) => point.verdict === 'noise').length
  lines.push(
    `${regressions.length ? pc.red(`${regressions.length} regression(s)`) : pc.green('no regression')}, ${comparison.improvements} improvement(s), ${noise} within noise ${pc.dim(`(gates: throughput −${trimNumber(tolerance.percent, 2)}%, loss +${trimNumber(tolerance.lossPoints, 2)} pp; jitter and retransmits not gated)`)}`,
    '',
  )
  return lines.join('\n')
}

/** Two results without a suite in common measured different things: their deltas would mean nothing. */
function refuseUnrelated(baseline: RunResult, current: RunResult, baselineFile: string, currentFile: string): void {
  if (current.suites.some((suite) => counterpartSuite(baseline, suite, current.suites.length === 1))) return
  const names = (run: RunResult) => run.suites.map((suite) => `'${clip(visibleLine(suite.name), 60)}'`).join(', ') || 'no suite'
  throw new NetbenchError('USAGE', `${baselineFile} and ${currentFile} share no suite: ${names(baseline)} vs ${names(current)}`, {
    hint: 'compare two results of the same suite (a suite renamed in place still pairs with its file)',
  })
}

/** `netbench compare <a.json> <b.json>`: exit 1 when b regressed from a beyond the tolerance and the noise. */
export async function compareCommand(baselineFile: string, currentFile: string, flags: CompareFlags, stream: NodeJS.WritableStream): Promise<number> {
  const tolerance = {
    percent: percentFlag(flags.tolerance, '--tolerance', DEFAULT_TOLERANCE.percent),
    lossPoints: percentFlag(flags.lossTolerance, '--loss-tolerance', DEFAULT_TOLERANCE.lossPoints),
  }
  const { config, file: configFile } = await loadConfig()
  const reportDir = singleValue(flags.reportDir, '--report-dir') ?? config.reportDir ?? DEFAULT_REPORT_DIR
  checkOutputTargets({ reportDir, reportDirFrom: flags.reportDir !== undefined ? '--report-dir' : config.reportDir !== undefined ? `reportDir in ${configFile}` : 'the report directory' })
  const baseline = await loadResult(baselineFile, 'baseline')
  const current = await loadResult(currentFile)
  refuseUnrelated(baseline.result, current.result, baselineFile, currentFile)
  const comparison = compareRuns(baseline.result, current.result, tolerance, { baseline: baselineFile, current: currentFile })
  // Strings come from the result files: control characters are shown, not executed.
  stream.write(renderComparisonText(deepVisible(comparison)))
  const { renderComparison } = await import('../../reporters/html/render.ts')
  const file = await reportFile({ stream, isTTY: false, reportDir }, 'compare.html')
  await writeFile(file, renderComparison(comparison, NETBENCH_VERSION))
  stream.write(`HTML comparison: ${shown(file)}\n`)
  return comparison.regressions ? EXIT.expectationFailed : EXIT.ok
}
