import type { RunEvent } from '../src/runner/events.ts'
import type { RunResult } from '../src/results/types.ts'

export interface RunStartInfo {
  runId: string
  files: string[]
  /** Points the suites plan; imperative files measure as their tests ask, on top. */
  points: number
  imperativeFiles?: number
}

/**
 * A reporter reads only the RunResult (and, live, the run's events), so `netbench report` can
 * re-render any report from a saved result. Every hook is optional.
 */
export interface NetbenchReporter {
  readonly name: string
  onRunStart?(info: RunStartInfo): void
  onEvent?(event: RunEvent): void
  onRunEnd?(result: RunResult): Promise<void> | void
}

export interface ReporterOptions {
  /** Where terminal output goes (tests pass a buffer). */
  stream: NodeJS.WritableStream
  /** `--output <file.json>`. */
  outputFile?: string
  /** `--report-dir`: receives index.html, junit.xml and result.json. */
  reportDir?: string
  isTTY: boolean
}
