import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { RunResult } from '../../src/results/types.ts'
import { reportFile, targetProblem } from '../report-dir.ts'
import type { NetbenchReporter, ReporterOptions } from '../types.ts'

/** Writes the RunResult: the contract later runs compare against and other reporters re-render. */
export function jsonReporter(options: ReporterOptions): NetbenchReporter {
  return {
    name: 'json',
    async onRunEnd(result: RunResult) {
      // `--output` names the file; without it the result joins the other reports in the report directory.
      const file = options.outputFile ? resolve(options.outputFile) : await reportFile(options, 'result.json')
      const problem = targetProblem(file, 'file')
      if (problem) throw new Error(`${file}: ${problem}`)
      await mkdir(dirname(file), { recursive: true })
      await writeFile(file, `${JSON.stringify(result, null, 2)}\n`)
    },
  }
}
