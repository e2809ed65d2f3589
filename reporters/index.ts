import { NetbenchError } from '../src/errors.ts'
import type { RunResult } from '../src/results/types.ts'
import { visibleLine } from '../src/text.ts'
import { htmlReporter } from './html/index.ts'
import { jsonReporter } from './json/index.ts'
import { junitReporter } from './junit/index.ts'
import { terminalReporter } from './terminal/index.ts'
import type { NetbenchReporter, ReporterOptions } from './types.ts'

export type { NetbenchReporter, ReporterOptions, RunStartInfo } from './types.ts'

/** Reporters by the name users pass to `--reporter`. */
export const reporterRegistry: Record<string, (options: ReporterOptions) => NetbenchReporter> = {
  terminal: terminalReporter,
  json: jsonReporter,
  html: htmlReporter,
  junit: junitReporter,
}

export function createReporters(names: readonly string[], options: ReporterOptions): NetbenchReporter[] {
  return names.map((name) => {
    const factory = reporterRegistry[name]
    if (!factory) throw new NetbenchError('USAGE', `unknown reporter '${name}'`, { hint: `use one of ${Object.keys(reporterRegistry).join(', ')}` })
    return factory(options)
  })
}

/**
 * Hands the result to every reporter in turn; one that throws is named on `errors` and the
 * others still run. Returns the names of the reporters that failed.
 */
export async function deliverResult(reporters: readonly NetbenchReporter[], result: RunResult, errors: NodeJS.WritableStream): Promise<string[]> {
  const failed: string[] = []
  for (const reporter of reporters) {
    try {
      await reporter.onRunEnd?.(result)
    } catch (error) {
      failed.push(reporter.name)
      errors.write(`netbench: the ${reporter.name} reporter failed: ${visibleLine(error instanceof Error ? error.message : String(error))}\n`)
    }
  }
  return failed
}
