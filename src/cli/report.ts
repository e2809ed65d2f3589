import { createReporters, Multiplexer } from '../../reporters/index.ts'
import { EXIT } from '../errors.ts'
import { compareRuns } from '../results/compare.ts'
import { loadResult } from '../results/load-result.ts'
import type { RunResult } from '../results/types.ts'
import { reportSettings } from './config.ts'
import { checkOutputTargets, writesReportDir } from './output-targets.ts'

/** What `netbench report` renders when neither `--reporter` nor the config names reporters. */
export const REPORT_DEFAULT_REPORTERS = ['terminal', 'html', 'junit']

export interface ReportFlags {
  reporters: string[]
  reportDir?: string
  baseline?: string
}

/** `netbench report <result.json>`: re-renders the reports of a saved run (exit 3 when a reporter failed). */
export async function reportCommand(file: string, flags: ReportFlags, stream: NodeJS.WritableStream, errors: NodeJS.WritableStream): Promise<number> {
  const settings = await reportSettings(flags, REPORT_DEFAULT_REPORTERS)
  checkOutputTargets({ reportDir: writesReportDir(settings.reporters, undefined) ? settings.reportDir : undefined, reportDirFrom: settings.reportDirFrom })
  const { result } = await loadResult(file)
  const reporters = new Multiplexer(createReporters(settings.reporters, { stream, reportDir: settings.reportDir, isTTY: false }), errors)
  const rendered: RunResult = settings.baseline
    ? { ...result, baseline: compareRuns(settings.baseline.result, result, undefined, { baseline: settings.baseline.file, current: file }) }
    : result
  // A reporter that failed has said so on `errors` already.
  return reporters.onRunEnd(rendered).then(() => EXIT.ok, () => EXIT.environment)
}
