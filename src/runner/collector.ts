import type { Reporter, TestCase, TestModule } from 'vitest/node'
import type { TestOutcome } from './build-result.ts'
import './context.ts'

function firstError(errors: ReadonlyArray<{ message?: string }> | undefined): string | null {
  const message = errors?.[0]?.message
  return message ? message.split('\n')[0]! : null
}

/** The describe blocks around a test, outermost first. */
function describesOf(testCase: TestCase): string[] {
  const names: string[] = []
  for (let parent = testCase.parent; parent.type === 'suite'; parent = parent.parent) names.unshift(parent.name)
  return names
}

/** A Vitest reporter that only remembers how each test and file ended; netbench reports the rest. */
export class OutcomeCollector implements Reporter {
  readonly outcomes: TestOutcome[] = []
  readonly fileErrors = new Map<string, string>()
  readonly unhandled: string[] = []
  /** A file's title when all its tests sit in one top-level `describe`: that describe's name. */
  readonly titles = new Map<string, string>()
  /** Called when a check or measurement test finishes, for live progress. */
  constructor(private readonly onTestDone?: (outcome: TestOutcome) => void) {}

  onTestCaseResult(testCase: TestCase): void {
    const outcome = this.toOutcome(testCase)
    if (outcome) this.onTestDone?.(outcome)
  }

  private toOutcome(testCase: TestCase): TestOutcome | undefined {
    const meta = testCase.meta().netbench
    if (meta?.kind === 'measure') return undefined
    const state = testCase.result().state
    return {
      file: testCase.module.moduleId,
      checkId: meta?.kind === 'check' ? meta.checkId : undefined,
      name: testCase.fullName.replace(/ > /g, ' › '),
      describes: describesOf(testCase),
      state: state === 'passed' ? 'passed' : state === 'failed' ? 'failed' : 'skipped',
      error: firstError(testCase.result().errors),
    }
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message?: string }>): void {
    for (const module of modules) {
      const moduleError = firstError(module.errors())
      if (moduleError) this.fileErrors.set(module.moduleId, moduleError)
      const top = module.children.array()
      if (top.length === 1 && top[0]!.type === 'suite') this.titles.set(module.moduleId, top[0]!.name)
      for (const testCase of module.children.allTests()) {
        const meta = testCase.meta().netbench
        // A failed measurement test means the network or cluster could not be set up: every
        // expectation of that file inherits the cause.
        if (meta?.kind === 'measure' && testCase.result().state === 'failed' && !this.fileErrors.has(module.moduleId)) {
          this.fileErrors.set(module.moduleId, `${meta.network}: ${firstError(testCase.result().errors) ?? 'failed'}`)
        }
        const outcome = this.toOutcome(testCase)
        if (outcome) this.outcomes.push(outcome)
      }
    }
    this.unhandled.push(...unhandledErrors.map((error) => firstError([error]) ?? String(error)))
  }
}
