import { appendFileSync } from 'node:fs'

/**
 * `NETBENCH_TRACE=<file>`: every process of a run (CLI and worker) appends `<epoch ms> <pid>
 * <label>` lines to the file, for benchmarks that break a run's wall time down (bench/trace.ts).
 * Unset, a call costs one property read.
 */
const file = process.env.NETBENCH_TRACE

export function trace(label: string): void {
  if (file) appendFileSync(file, `${(performance.timeOrigin + performance.now()).toFixed(1)} ${process.pid} ${label}\n`)
}
