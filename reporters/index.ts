import { NetbenchError } from '../src/errors.ts'
import { htmlReporter } from './html/index.ts'
import { jsonReporter } from './json/index.ts'
import { junitReporter } from './junit/index.ts'
import { terminalReporter } from './terminal/index.ts'
import type { NetbenchReporter, ReporterOptions } from './types.ts'

export type { NetbenchReporter, ReporterOptions, RunStartInfo } from './types.ts'
export { Multiplexer } from './multiplexer.ts'

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
