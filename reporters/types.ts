// The hooks are part of the result contract (src/results/reporter.ts): the runner calls them
// without knowing any reporter.
export type { NetbenchReporter, RunStartInfo } from '../src/results/reporter.ts'

export interface ReporterOptions {
  /** Where terminal output goes (tests pass a buffer). */
  stream: NodeJS.WritableStream
  /** `--output <file.json>`. */
  outputFile?: string
  /** `--report-dir`: receives index.html, junit.xml and result.json. */
  reportDir?: string
  isTTY: boolean
}
