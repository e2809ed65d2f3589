/**
 * `netbench.config.ts`: project defaults for what the CLI flags also set, as in Vitest and
 * Playwright. Flags win over the file.
 *
 *   import { defineConfig } from 'netbench'
 *   export default defineConfig({ reporters: ['terminal', 'html', 'junit', 'json'], reportDir: 'reports/net' })
 */
export interface NetbenchConfig {
  /** Reporters of runs without `--reporter`: terminal, json, html, junit. */
  reporters?: string[]
  /** Where the html, junit and json reporters write (default `netbench-report`), relative to the config file. */
  reportDir?: string
}

/** Types the config for editors; returns it unchanged. */
export function defineConfig(config: NetbenchConfig): NetbenchConfig {
  return config
}
