import { createReporters, type NetbenchReporter } from '../../reporters/index.ts'
import { EXIT } from '../errors.ts'
import { compareRuns } from '../results/compare.ts'
import { loadResult } from '../results/load-result.ts'
import type { RunResult } from '../results/types.ts'
import { reportSettings } from './config.ts'

/** What `netbench report` renders when neither `--reporter` nor the config names reporters. */
export const REPORT_DEFAULT_REPORTERS = ['terminal', 'html', 'junit']

/**
 * Hands the result to every reporter; one that throws is named on `errors` and the others still
 * run. Returns the names of the reporters that failed.
 */
export async function deliverResult(reporters: readonly NetbenchReporter[], result: RunResult, errors: NodeJS.WritableStream): Promise<string[]> {
  const failed: string[] = []
  for (const reporter of reporters) {
    try {
      await reporter.onRunEnd?.(result)
    } catch (error) {
      failed.push(reporter.name)
      errors.write(`netbench: the ${reporter.name} reporter failed: ${error instanceof Error ? error.message : String(error)}\n`)
    }
  }
  return failed
}

export interface ReportFlags {
  reporters: string[]
  reportDir?: string
  baseline?: string
}

/** `netbench report <result.json>`: re-renders the reports of a saved run (exit 3 when a reporter failed). */
export async function reportCommand(file: string, flags: ReportFlags, stream: NodeJS.WritableStream, errors: NodeJS.WritableStream): Promise<number> {
  const settings = await reportSettings(flags, REPORT_DEFAULT_REPORTERS)
  const { result } = await loadResult(file)
  const reporters = createReporters(settings.reporters, { stream, reportDir: settings.reportDir, isTTY: false })
  const rendered: RunResult = settings.baseline
    ? { ...result, baseline: compareRuns(settings.baseline.result, result, undefined, { baseline: settings.baseline.file, current: file }) }
    : result
  const failed = await deliverResult(reporters, rendered, errors)
  return failed.length ? EXIT.environment : EXIT.ok
}
