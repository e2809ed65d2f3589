import { counterpartSuite, pairPoints } from './compare.ts'
import type { PointResult, RunResult } from './types.ts'

/**
 * The baseline's counterpart of a planned point, bound at plan time so it travels with the plan
 * to the workers. A missing counterpart is kept as a message: its expectations become errors
 * that name the point, never silent passes.
 */
export type BaselineMatch =
  | { kind: 'found'; runId: string; point: PointResult }
  | { kind: 'missing'; message: string }

/** What a planned point must say to be found in another run (plan's PlannedPoint has all of it). */
export type PointToMatch = Pick<PointResult, 'network' | 'label' | 'bitrateBps' | 'streams' | 'between'> & { step: string }

export function matchBaseline(baseline: RunResult, suite: { name: string; file: string }, point: PointToMatch): BaselineMatch {
  const where = `the baseline (run ${baseline.runId})`
  const other = counterpartSuite(baseline, suite, true)
  if (!other) return { kind: 'missing', message: `${where} has no suite '${suite.name}' to compare ${point.network} › ${point.label} with` }
  const found = pairPoints(other.points, [{ ...point, step: point.step as PointResult['step'] }])[0]?.[0]
  if (!found) {
    const measured = other.points.filter((candidate) => candidate.network === point.network).map((candidate) => candidate.label)
    const has = measured.length ? `it measured ${point.network} at ${measured.join(', ')}` : `it did not measure ${point.network}`
    return { kind: 'missing', message: `${where} has no point ${point.network} › ${point.label} (${point.between}); ${has}` }
  }
  // The raw tool output stays behind: the plan is sent to every worker.
  return { kind: 'found', runId: baseline.runId, point: { ...found, raw: [] } }
}
