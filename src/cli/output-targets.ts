import { NetbenchError } from '../errors.ts'
import { targetProblem } from '../../reporters/report-dir.ts'

/** Reporters that write into the report directory (json only when `--output` names no file). */
export function writesReportDir(reporters: readonly string[], outputFile: string | undefined): boolean {
  return reporters.some((name) => name === 'html' || name === 'junit' || (name === 'json' && !outputFile))
}

/**
 * Every place a run will write, checked before anything is provisioned: a report that cannot be
 * written must not cost a whole measured run. `reportDirFrom` names where the directory came
 * from (`--report-dir`, the config file) so the message points at what to change.
 */
export function checkOutputTargets(targets: { outputFile?: string; reportDir?: string; reportDirFrom: string }): void {
  const fail = (what: string, path: string, problem: string, hint: string): never => {
    throw new NetbenchError('USAGE', `${what} ${path}: ${problem}`, { hint })
  }
  if (targets.outputFile !== undefined) {
    const problem = targetProblem(targets.outputFile, 'file')
    if (problem) fail('--output', targets.outputFile, problem, 'name a file in a writable directory, e.g. --output result.json')
  }
  if (targets.reportDir !== undefined) {
    const problem = targetProblem(targets.reportDir, 'dir')
    if (problem) fail(targets.reportDirFrom, targets.reportDir, problem, 'name a writable directory, e.g. netbench-report')
  }
}

/** A flag that takes one value, given more than once (cac then passes a list). */
export function singleValue(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined
  if (Array.isArray(value)) {
    throw new NetbenchError('USAGE', `${flag} is given ${value.length} times (${value.map(String).join(', ')})`, { hint: `give ${flag} once` })
  }
  return String(value)
}
