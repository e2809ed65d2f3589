import { readdirSync, readFileSync } from 'node:fs'

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

/** PIDs whose parent is `parent`: the processes it started and that still run. */
export function childProcesses(parent: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[1]) === parent && fields[0] !== 'Z') children.push(Number(entry))
    } catch { /* gone meanwhile */ }
  }
  return children
}

/** `parent`'s children, theirs, and so on: a process tree as it stands now. */
export function descendantProcesses(parent: number): number[] {
  const found: number[] = []
  for (let level = childProcesses(parent); level.length; level = level.flatMap(childProcesses)) found.push(...level)
  return found
}

/**
 * SIGTERM, then SIGKILL after a grace period to whichever is still the same process (PID and
 * start time), so a PID reused meanwhile is never touched.
 */
export async function stopProcesses(pids: readonly number[], graceMs = 1500): Promise<void> {
  const started = new Map(pids.map((pid) => [pid, processStartTicks(pid)] as const))
  const alive = () => [...started].filter(([pid, ticks]) => ticks !== undefined && processStartTicks(pid) === ticks).map(([pid]) => pid)
  const signal = (targets: number[], name: NodeJS.Signals) => targets.forEach((pid) => { try { process.kill(pid, name) } catch { /* already gone */ } })
  signal(alive(), 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline && alive().length) await new Promise((resolve) => setTimeout(resolve, 50))
  signal(alive(), 'SIGKILL')
}
