import type { RunEvent } from './events.ts'
import type { RunResult } from './types.ts'

export interface RunStartInfo {
  runId: string
  files: string[]
  /** Points the suites plan; imperative files measure as their tests ask, on top. */
  points: number
  imperativeFiles?: number
}

/**
 * A reporter reads only the RunResult (and, live, the run's events), so `netbench report` can
 * re-render any report from a saved result. Every hook is optional. The runner calls one
 * reporter (the CLI's multiplexer over the chosen ones); a rejected onRunEnd means a report
 * could not be written.
 */
export interface NetbenchReporter {
  readonly name: string
  onRunStart?(info: RunStartInfo): void
  onEvent?(event: RunEvent): void
  onRunEnd?(result: RunResult): Promise<void> | void
}
