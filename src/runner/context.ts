import type { SuitePlan } from '../plan/plan.ts'
import type { Probes } from '../providers/local/features.ts'

/** What the CLI hands to the Vitest workers (via `provide`): plain JSON. */
export interface RunContext {
  runId: string
  runDir: string
  eventsFile: string
  /** Validated plans keyed by absolute suite file path. */
  plans: Record<string, SuitePlan>
  /** The kernel features the preflight probed, so the workers need not probe them again. */
  kernelFeatures?: Probes
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
