import { execFile, type ChildProcess, type ExecFileException } from 'node:child_process'
import { NetbenchError } from './errors.ts'
import type { ExecOptions, ExecResult } from './endpoint.ts'

/** Debian package that provides each program we run, for "how to get it" hints. */
export const PACKAGE_OF: Record<string, string> = {
  ip: 'iproute2',
  tc: 'iproute2',
  iperf3: 'iperf3',
  nft: 'nftables',
  bird: 'bird2',
  birdc: 'bird2',
  sysctl: 'procps',
  ethtool: 'ethtool',
  ping: 'iputils-ping',
  sockperf: 'sockperf',
  bridge: 'iproute2',
}

export function missingProgram(program: string): NetbenchError {
  const pkg = PACKAGE_OF[program] ?? program
  return new NetbenchError('MISSING_PROGRAM', `${program} is not installed`, {
    hint: `run \`netbench setup\` or \`apt-get install ${pkg}\``,
  })
}

/**
 * Programs this process has started (`run` and long-running ones alike) and `run`s not yet ended:
 * a reading taken when none was running is still current while `started` has not moved, as far as
 * netbench's own doing goes (the lab's namespaces see no one else's).
 */
const activity = { started: 0, running: 0 }

export function programActivity(): Readonly<typeof activity> {
  return { ...activity }
}

/** Counts a long-running program started outside `run` (a server, a daemon). */
export function noteProgramStarted(): void {
  activity.started++
}

/**
 * Runs a program with an argument array (never a shell) and collects its output. Resolves with
 * the exit status instead of throwing, so callers decide what a non-zero exit means; only a
 * missing program throws.
 */
export function run(program: string, args: readonly string[], options: ExecOptions & { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    activity.started++
    activity.running++
    const child = execFile(program, args, {
      timeout: options.timeoutMs ?? 0,
      signal: options.signal,
      maxBuffer: 64 * 1024 * 1024,
      killSignal: 'SIGKILL',
      env: options.env,
    }, (error: ExecFileException | null, stdout, stderr) => {
      if (error?.code === 'ENOENT') return reject(missingProgram(program))
      if (error && (error.name === 'AbortError')) return void exited.then(() => reject(error))
      resolve({
        exitCode: typeof error?.code === 'number' ? error.code : error ? null : 0,
        signal: (error?.signal as NodeJS.Signals | undefined) ?? null,
        stdout: String(stdout),
        stderr: String(stderr),
      })
    })
    const exited = processExit(child)
    void exited.then(() => { activity.running-- })
    if (options.input !== undefined) child.stdin?.end(options.input)
  })
}

/**
 * Settles once the process has really exited, so a caller that aborted can count on it being
 * gone. An abort emits 'error' (AbortError) the moment the kill signal is sent, long before the
 * process exits on a loaded machine: only an 'error' with no process behind it (spawn failed) ends
 * the wait early.
 */
export function processExit(child: ChildProcess): Promise<void> {
  return new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done()
    child.once('exit', () => done())
    child.once('error', () => { if (child.pid === undefined) done() })
  })
}

/** Runs a program that must succeed; a failure becomes a provider error quoting its stderr. */
export async function runChecked(program: string, args: readonly string[], options: ExecOptions & { input?: string; what?: string } = {}): Promise<string> {
  const result = await run(program, args, options)
  if (result.exitCode !== 0) {
    const reason = result.stderr.trim().split('\n')[0] || (result.signal ? `killed by ${result.signal}` : `exit ${result.exitCode}`)
    throw new NetbenchError('PROVIDER', `${options.what ?? `${program} ${args.join(' ')}`} failed: ${reason}`, {
      hint: 'run `netbench clean` and try again; if it persists, check the kernel supports this',
    })
  }
  return result.stdout
}
