import { execFile } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { processExit, run } from './exec.ts'

describe('processExit', () => {
  it('waits past the AbortError an abort emits until the process has really exited', async () => {
    // The shell takes 300 ms to act on SIGTERM, as a busy machine delays any exit.
    const controller = new AbortController()
    const child = execFile('sh', ['-c', 'trap "sleep 0.3; exit 1" TERM; sleep 10 & wait'], { signal: controller.signal }, () => undefined)
    const exited = processExit(child)
    let abortErrorSeen = false
    child.once('error', () => { abortErrorSeen = true })
    await new Promise((resolve) => setTimeout(resolve, 200))
    controller.abort()
    await exited
    expect(abortErrorSeen).toBe(true)
    expect(child.exitCode ?? child.signalCode).not.toBeNull()
  })

  it('settles at once for a program that could not be spawned', async () => {
    const child = execFile('/nonexistent-nb/program', [], () => undefined)
    await processExit(child)
    expect(child.pid).toBeUndefined()
  })

  it('run() still rejects an aborted command with its AbortError', async () => {
    const controller = new AbortController()
    const pending = run('sleep', ['10'], { signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    await expect(pending).rejects.toThrow(/abort/i)
  })
})
