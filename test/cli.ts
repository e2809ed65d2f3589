import { spawn, type ChildProcess } from 'node:child_process'
import { expect } from 'vitest'
import { join } from 'node:path'
import { REPO_ROOT } from './tmp-project.ts'

/** The environment of a user's shell: without the variables of the Vitest running these tests. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_ENV' && key !== 'TEST'))
  return { ...env, NO_COLOR: '1', ...extra }
}

export interface CliOptions {
  cwd?: string
  /** Variables to set or override, e.g. a PATH without iperf3. */
  env?: NodeJS.ProcessEnv
  /** Run as this user and group id (e.g. 65534, nobody) to test what a non-root user sees. */
  uid?: number
}

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs the real CLI (`bin/netbench.js`) as a user would, with colours off. */
export function startCli(args: string[], options: CliOptions = {}): { child: ChildProcess; result: Promise<CliResult>; output: () => string } {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/netbench.js'), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: cleanEnv(options.env),
    uid: options.uid,
    gid: options.uid,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const result = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
  return { child, result, output: () => stdout + stderr }
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result
}

/** Polls every 100 ms until `condition` holds or `timeoutMs` passes (the caller asserts what it needs). */
export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && !condition()) await new Promise((resolve) => setTimeout(resolve, 100))
}

/** Sends SIGINT to a running CLI: it must say so and exit 130 within `withinMs`. Returns its stdout. */
export async function interruptCli(cli: ReturnType<typeof startCli>, withinMs: number): Promise<string> {
  const interruptedAt = Date.now()
  cli.child.kill('SIGINT')
  const { code, stdout } = await cli.result
  expect(code).toBe(130)
  expect(Date.now() - interruptedAt).toBeLessThan(withinMs)
  expect(stdout).toMatch(/SIGINT received, stopping and cleaning up/)
  return stdout
}
