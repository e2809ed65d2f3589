import type { RunEvent } from '../src/results/events.ts'
import type { NetbenchReporter, RunStartInfo } from '../src/results/reporter.ts'
import type { RunResult } from '../src/results/types.ts'
import { visibleLine } from '../src/text.ts'

/**
 * Many reporters as one (Playwright Test's Multiplexer is the model): each hook is passed to every
 * reporter that has it, in order, and a reporter that throws is named on `errors` while the
 * others still run. Used by a run and by `netbench report` alike.
 */
export class Multiplexer implements NetbenchReporter {
  readonly name = 'multiplexer'
  /** Reporters that failed at the end of the run (their report is missing or incomplete). */
  readonly failed: string[] = []

  constructor(private readonly reporters: readonly NetbenchReporter[], private readonly errors: NodeJS.WritableStream) {}

  onRunStart(info: RunStartInfo): void {
    for (const reporter of this.reporters) this.guard(reporter, () => reporter.onRunStart?.(info))
  }

  onEvent(event: RunEvent): void {
    for (const reporter of this.reporters) this.guard(reporter, () => reporter.onEvent?.(event))
  }

  /** Rejects, after every reporter ran, when one of them failed (already told on `errors`). */
  async onRunEnd(result: RunResult): Promise<void> {
    for (const reporter of this.reporters) {
      try {
        await reporter.onRunEnd?.(result)
      } catch (error) {
        this.failed.push(reporter.name)
        this.tell(reporter, error)
      }
    }
    if (this.failed.length) {
      throw new Error(`the ${this.failed.join(', ')} reporter${this.failed.length > 1 ? 's' : ''} failed`)
    }
  }

  /** Live hooks: a reporter that throws loses that one call, the run goes on. */
  private guard(reporter: NetbenchReporter, call: () => void): void {
    try {
      call()
    } catch (error) {
      this.tell(reporter, error)
    }
  }

  private tell(reporter: NetbenchReporter, error: unknown): void {
    this.errors.write(`netbench: the ${reporter.name} reporter failed: ${visibleLine(error instanceof Error ? error.message : String(error))}\n`)
  }
}
