import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { reporterRegistry } from '../../reporters/index.ts'
import { DEFAULT_REPORT_DIR } from '../../reporters/report-dir.ts'
import type { NetbenchConfig } from '../config.ts'
import { NetbenchError } from '../errors.ts'
import type { LoadedResult } from '../results/load-result.ts'
import { singleValue } from './output-targets.ts'
import { UserModules } from '../suites/user-modules.ts'

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
    await using modules = new UserModules()
    loaded = await modules.import(file)
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
  /** Where reportDir came from, as messages name it: `--report-dir`, the config file, the default. */
  reportDirFrom: string
  baseline?: LoadedResult
}

/** Flags over the config file over the defaults; loads `--baseline` (a bad file is exit 2, before anything runs). */
export async function reportSettings(flags: { reporters: string[]; reportDir?: string; baseline?: string }, defaultReporters: readonly string[]): Promise<ReportSettings> {
  const { config, file } = await loadConfig()
  // A flag given twice reaches us as a list: refuse it by name rather than treat the list as a path.
  flags = { ...flags, reportDir: singleValue(flags.reportDir, '--report-dir'), baseline: singleValue(flags.baseline, '--baseline') }
  const settings: ReportSettings = {
    reporters: flags.reporters.length ? [...flags.reporters] : [...config.reporters ?? defaultReporters],
    reportDir: flags.reportDir ?? config.reportDir ?? DEFAULT_REPORT_DIR,
    reportDirFrom: flags.reportDir !== undefined ? '--report-dir' : config.reportDir !== undefined ? `reportDir in ${file}` : 'the report directory',
  }
  // Loaded only with a baseline: the result schema's validator takes a few hundred ms to compile.
  if (flags.baseline) settings.baseline = await (await import('../results/load-result.ts')).loadResult(flags.baseline, 'baseline')
  return settings
}
