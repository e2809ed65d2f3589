import { mkdir } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import type { ReporterOptions } from './types.ts'

/** Where index.html, junit.xml and result.json go unless `--report-dir` or the config says otherwise. */
export const DEFAULT_REPORT_DIR = 'netbench-report'

/** The path of `name` inside the report directory, which is created if needed. */
export async function reportFile(options: ReporterOptions, name: string): Promise<string> {
  const dir = resolve(options.reportDir ?? DEFAULT_REPORT_DIR)
  await mkdir(dir, { recursive: true })
  return join(dir, name)
}

/** A path as the user should see it: relative to where they ran netbench. */
export function shown(path: string): string {
  return relative(process.cwd(), path) || '.'
}
