import type { SuitePlan } from './planned.ts'

/** What the CLI hands to the Vitest workers (via `provide`): plain JSON. */
export interface RunContext {
  runId: string
  runDir: string
  eventsFile: string
  /** Validated plans keyed by absolute suite file path. */
  plans: Record<string, SuitePlan>
  /** What providers learned in the CLI (the lab's kernel-feature probes), so workers need not find it out again. */
  providerStates?: Record<string, unknown>
  /**
   * Set when the run is one declarative suite file and nothing else: the one worker then runs it,
   * so it may build its cluster before the suite registers. With several files (an imperative one
   * beside it) another file's worker would build it too.
   */
  earlyBuildFile?: string
}

export const CONTEXT_KEY = 'netbench'

/** Test metadata our reporter reads back (`testCase.meta().netbench`). */
export type NetbenchMeta =
  | { kind: 'check'; file: string; checkId: string }
  | { kind: 'measure'; file: string; network: string }

declare module 'vitest' {
  interface TaskMeta {
    netbench?: NetbenchMeta
  }
  interface ProvidedContext {
    netbench: RunContext
  }
}
