import { accessSync, constants, statfsSync, statSync, type Stats } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import type { ReporterOptions } from './types.ts'

/** Where index.html, junit.xml and result.json go unless `--report-dir` or the config says otherwise. */
export const DEFAULT_REPORT_DIR = 'netbench-report'

// Kernel filesystems (proc, sysfs, cgroup, cgroup2, debugfs, securityfs, tracefs) take no report
// files, and a recursive mkdir under /proc never settles.
const KERNEL_FILESYSTEMS = new Set([0x9fa0, 0x62656572, 0x27e0eb, 0x63677270, 0x64626720, 0x73636673, 0x74726163])

/** The path itself or its nearest ancestor that exists, with its stat. */
function nearestExisting(path: string): { path: string; stats: Stats } {
  for (let current = path; ; current = dirname(current)) {
    try {
      return { path: current, stats: statSync(current) }
    } catch (error) {
      if (current === dirname(current)) throw error
    }
  }
}

/**
 * Why `path` cannot take a file (`file`) or hold report files (`dir`), or undefined when it can;
 * checked before a run so that nothing is measured for reports that could not be written.
 */
export function targetProblem(path: string, kind: 'file' | 'dir'): string | undefined {
  const target = resolve(path)
  const existing = nearestExisting(target)
  if (KERNEL_FILESYSTEMS.has(Number(statfsSync(existing.path).type))) return `${existing.path} is on a kernel filesystem (proc, sysfs, cgroup), where no report can be written`
  if (existing.path === target) {
    if (kind === 'file' && existing.stats.isDirectory()) return 'is a directory, not a file'
    if (kind === 'dir' && !existing.stats.isDirectory()) return 'exists and is not a directory'
  } else if (!existing.stats.isDirectory()) {
    return `${existing.path} is a file, so nothing can be created under it`
  }
  try {
    accessSync(existing.path, constants.W_OK)
  } catch (error) {
    return `${existing.path === target ? 'it' : existing.path} is not writable (${(error as NodeJS.ErrnoException).code ?? String(error)})`
  }
  return undefined
}

/** The path of `name` inside the report directory, which is created if needed. */
export async function reportFile(options: ReporterOptions, name: string): Promise<string> {
  const dir = resolve(options.reportDir ?? DEFAULT_REPORT_DIR)
  const problem = targetProblem(dir, 'dir')
  if (problem) throw new Error(`report directory ${dir}: ${problem}`)
  await mkdir(dir, { recursive: true })
  return join(dir, name)
}

/** A path as the user should see it: relative to where they ran netbench. */
export function shown(path: string): string {
  return relative(process.cwd(), path) || '.'
}
