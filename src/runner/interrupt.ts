import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * An interrupt crosses from the CLI to the Vitest worker as a file in the run directory: the CLI
 * writes it on SIGINT/SIGTERM, the worker turns it into an AbortSignal that every probe honours,
 * so nothing new starts after Ctrl-C and the probe in flight stops.
 */
const MARKER = 'interrupted'
const POLL_MS = 100
/** How long the CLI gives the worker to notice the marker and stop its own probes. */
export const INTERRUPT_NOTICE_MS = 3 * POLL_MS

/** Tells the worker to stop; once the run directory is gone (the run is reporting) there is none to tell. */
export function markInterrupted(runDir: string): void {
  try {
    writeFileSync(join(runDir, MARKER), '')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

export function watchInterrupt(runDir: string): { signal: AbortSignal; throwIfInterrupted(): void } & Disposable {
  const controller = new AbortController()
  const check = () => {
    if (!controller.signal.aborted && existsSync(join(runDir, MARKER))) controller.abort(new Error('interrupted'))
    return controller.signal.aborted
  }
  const timer = setInterval(() => { if (check()) clearInterval(timer) }, POLL_MS)
  // The watch must never keep a finished worker alive.
  timer.unref()
  return {
    signal: controller.signal,
    // Checked on the spot before anything new starts: the poll may not have run yet.
    throwIfInterrupted: () => { check(); controller.signal.throwIfAborted() },
    [Symbol.dispose]: () => clearInterval(timer),
  }
}
