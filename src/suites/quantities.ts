import { bitrateProblem, durationProblem, parseBitrate, parseDuration } from '../units.ts'
import type { PathSegment } from './validate.ts'

type Fail = (path: PathSegment[], message: string, hint: string) => never

/**
 * The schema checks a quantity's spelling; these check its size (`0M`, `1e+26G`, `100000000h`,
 * `0s` all match the patterns) so nothing absurd reaches iperf3, tc or a timer.
 */
export function checkedBitrate(text: string, path: PathSegment[], fail: Fail): number {
  const problem = bitrateProblem(text)
  if (problem) fail(path, problem.message, problem.hint)
  return parseBitrate(text)!
}

export function checkedDuration(value: string | number, path: PathSegment[], fail: Fail): number {
  const ms = parseDuration(value)
  const problem = durationProblem(ms, value)
  if (problem) fail(path, problem.message, problem.hint)
  return ms!
}
