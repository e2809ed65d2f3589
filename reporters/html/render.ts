import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import nunjucks from 'nunjucks'
import type { Comparison, RunResult } from '../../src/results/types.ts'
import { comparisonChart } from './charts/comparison.ts'
import { comparisonView } from './comparison-view.ts'
import { reportView } from './view.ts'

const templates = fileURLToPath(new URL('./templates', import.meta.url))

// Autoescape on: every suite, network and expectation text is the user's and is shown as text.
const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(templates), { autoescape: true, throwOnUndefined: false })

const script = readFileSync(new URL('./templates/report.js', import.meta.url), 'utf8')
/**
 * The page allows exactly this script (by hash) and no other: even if some text escaped the
 * escaping, an injected `onerror=` or `<script>` would not run.
 */
const scriptHash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`

/** The HTML report: one self-contained file (inline CSS, SVG charts, one small script). */
export function renderReport(result: RunResult): string {
  const view = reportView(result)
  return env.render('report.njk', { ...view, script, scriptHash })
}

/** The page `netbench compare` writes. */
export function renderComparison(comparison: Comparison, version: string): string {
  const view = comparisonView(comparison)
  return env.render('compare.njk', { view, chart: comparisonChart(comparison), title: `netbench compare: ${comparison.baseline.runId} → ${comparison.current.runId}`, version, script, scriptHash })
}
