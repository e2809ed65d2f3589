import { writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { RunResult } from '../../src/results/types.ts'
import { reportFile, shown } from '../report-dir.ts'
import type { NetbenchReporter, ReporterOptions } from '../types.ts'

/** Writes `<report-dir>/index.html`: the report a reviewer opens, offline, in any browser. */
export function htmlReporter(options: ReporterOptions): NetbenchReporter {
  return {
    name: 'html',
    async onRunEnd(result: RunResult) {
      // Loaded on use: the chart library costs a third of a second to load, which runs that do not
      // ask for an HTML report should not pay.
      const { renderReport } = await import('./render.ts')
      const file = await reportFile(options, 'index.html')
      await writeFile(file, renderReport(result))
      options.stream.write(`HTML report: ${shown(file)} (serve it with \`netbench show-report ${shown(dirname(file))}\`)\n`)
    },
  }
}
