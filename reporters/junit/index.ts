import { writeFile } from 'node:fs/promises'
import type { RunResult } from '../../src/results/types.ts'
import { reportFile, shown } from '../report-dir.ts'
import type { NetbenchReporter, ReporterOptions } from '../types.ts'
import { renderJunit } from './render.ts'

/** Writes `<report-dir>/junit.xml` for CI servers to gate on and chart. */
export function junitReporter(options: ReporterOptions): NetbenchReporter {
  return {
    name: 'junit',
    async onRunEnd(result: RunResult) {
      const file = await reportFile(options, 'junit.xml')
      await writeFile(file, renderJunit(result))
      options.stream.write(`JUnit XML: ${shown(file)}\n`)
    },
  }
}
