import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { reporterRegistry } from '../../reporters/index.ts'
import { DEFAULT_REPORT_DIR } from '../../reporters/report-dir.ts'
import type { NetbenchConfig } from '../config.ts'
import { NetbenchError } from '../errors.ts'
import { loadResult, type LoadedResult } from '../results/load-result.ts'
import { importModule } from '../suites/load.ts'

const CONFIG_FILES = ['netbench.config.ts', 'netbench.config.mts', 'netbench.config.js', 'netbench.config.mjs']

export interface LoadedConfig {
  file: string | null
  config: NetbenchConfig
}

/** The first netbench.config.* in `cwd`, validated; an empty config when there is none. */
export async function loadConfig(cwd = process.cwd()): Promise<LoadedConfig> {
  const file = CONFIG_FILES.map((name) => join(cwd, name)).find((path) => existsSync(path))
  if (!file) return { file: null, config: {} }
  const fail = (message: string, hint: string): never => { throw new NetbenchError('USAGE', `${file}: ${message}`, { hint }) }
  let loaded: { default?: unknown }
  try {
    // As suites are imported: sharing the module cache, so the config's `import … from 'netbench'`
    // does not load a second Vitest (which then fails on its missing worker state when a suite loads).
    loaded = await importModule(file)
  } catch (error) {
    return fail(`failed to load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, 'fix the error in the config file')
  }
  const config = loaded.default
  if (typeof config !== 'object' || config === null) return fail('has no default export', 'write `export default defineConfig({ … })`')
  const { reporters, reportDir } = config as Record<string, unknown>
  if (reporters !== undefined) {
    if (!Array.isArray(reporters) || !reporters.every((name) => typeof name === 'string')) fail('reporters must be a list of reporter names', "write e.g. reporters: ['terminal', 'html']")
    const unknown = (reporters as string[]).find((name) => !(name in reporterRegistry))
    if (unknown !== undefined) fail(`unknown reporter '${unknown}'`, `use one of ${Object.keys(reporterRegistry).join(', ')}`)
  }
  if (reportDir !== undefined && (typeof reportDir !== 'string' || !reportDir)) fail('reportDir must be a directory name', "write e.g. reportDir: 'netbench-report'")
  return {
    file,
    config: {
      ...(reporters ? { reporters: reporters as string[] } : {}),
      // Relative to the config file, so the setting means the same from any working directory.
      ...(reportDir ? { reportDir: resolve(dirname(file), reportDir as string) } : {}),
    },
  }
}

export interface ReportSettings {
  reporters: string[]
  reportDir: string
  baseline?: LoadedResult
}

/** Flags over the config file over the defaults; loads `--baseline` (a bad file is exit 2, before anything runs). */
export async function reportSettings(flags: { reporters: string[]; reportDir?: string; baseline?: string }, defaultReporters: readonly string[]): Promise<ReportSettings> {
  const { config } = await loadConfig()
  const settings: ReportSettings = {
    reporters: flags.reporters.length ? [...flags.reporters] : [...config.reporters ?? defaultReporters],
    reportDir: flags.reportDir ?? config.reportDir ?? DEFAULT_REPORT_DIR,
  }
  if (flags.baseline) settings.baseline = await loadResult(flags.baseline, 'baseline')
  return settings
}
