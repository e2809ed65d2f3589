import type { PolicyResult } from './policy.ts'
import type { NetworkResult, PointResult, Verdict } from './types.ts'

/**
 * What the workers report while a run goes on (runner/events.ts carries them as JSON lines): the
 * run result is assembled from them, and reporters follow them for live progress.
 */
export type RunEvent =
  | { type: 'suite-start'; file: string; suite: string; cluster: Record<string, unknown>; points: number }
  /** An imperative file's lab creates its cluster (a suite's session says so with suite-start). */
  | { type: 'cluster'; file: string; cluster: Record<string, unknown> }
  | { type: 'network'; file: string; network: NetworkResult }
  | { type: 'point-start'; file: string; network: string; label: string; index: number; total: number; repeat: number; expectedMs: number; /** Interleaved order: which repeat (1-based) starts; index/total then count repeats. */ sample?: number }
  | { type: 'point'; file: string; point: PointResult }
  | { type: 'policy'; file: string; policy: PolicyResult }
  /** A planned expectation as its test judged it (PlannedCheck.id): the only place it is judged. */
  | { type: 'verdict'; file: string; checkId: string; verdict: Verdict }
