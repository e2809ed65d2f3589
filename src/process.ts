import { readFileSync } from 'node:fs'

/**
 * When a process started (clock ticks since boot, /proc/<pid>/stat field 22), or undefined when it
 * is gone or a zombie. A PID plus its start time names one process for good: PIDs are reused,
 * start times are not, so ownership records compare both.
 */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (fields[0] === 'Z') return undefined
    return fields[19]
  } catch {
    return undefined
  }
}
