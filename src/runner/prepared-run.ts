import type { LabSetup } from '../model.ts'
import type { SuitePlan } from './planned.ts'

/** What the runner runs: every file found, validated and planned before anything is provisioned. */
export interface PreparedRun {
  files: string[]
  plans: SuitePlan[]
  imperativeFiles: string[]
  /** The clusters the imperative files' tests use (their `test.scoped` calls), validated. */
  imperativeLabs: Array<LabSetup & { file: string }>
}
