/**
 * An endpoint that is a pod: programs run through the exec API. A program started here must be
 * stoppable, but closing an exec stream does not end the process in the container, so every
 * program runs under a tiny wrapper that records its PID in a file (`sh -c 'echo $$ > "$0" &&
 * exec "$@"' <pidfile> <argv…>`: the argv is passed as arguments, never spliced into the script),
 * and `stop()` signals that PID with a second exec.
 */
import { randomBytes } from 'node:crypto'
import { PassThrough } from 'node:stream'
import type { KubeConfig } from '@kubernetes/client-node'
import { NetbenchError, isNetbenchError } from '../../errors.ts'
import type { Endpoint, ExecOptions, ExecResult, PortRange, RunningProcess } from '../../endpoint.ts'
import { execToEnd, openExec, type ExecOutcome, type ExecStream, type PodRef } from './exec.ts'

const WRAPPER = 'echo $$ > "$0" && exec "$@"'
/** TERM, up to 1.5 s of grace, then KILL; removes the PID file. */
const STOPPER = 'p=$(cat "$0" 2>/dev/null) || exit 0; kill -TERM "$p" 2>/dev/null; n=0; '
  + 'while kill -0 "$p" 2>/dev/null; do n=$((n+1)); if [ "$n" -gt 15 ]; then kill -KILL "$p" 2>/dev/null; break; fi; sleep 0.1; done; rm -f "$0"'

export interface PodEndpointInit {
  name: string
  label: string
  node: string
  zone: string
  ip: string
  mtu: number
  config: KubeConfig
  ref: PodRef
  image: string
  ports?: PortRange
}

export function wrapped(pidFile: string, argv: readonly string[]): string[] {
  return ['sh', '-c', WRAPPER, pidFile, ...argv]
}

export function stopper(pidFile: string): string[] {
  return ['sh', '-c', STOPPER, pidFile]
}

/** `sh: 1: exec: iperf3: not found` (dash) or `sh: exec: line 0: iperf3: not found` (busybox). */
function missingProgramIn(outcome: ExecOutcome, stderr: string, program: string): boolean {
  if (outcome.exitCode === 127 && new RegExp(`${program.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (command )?not found|No such file or directory`).test(stderr)) return true
  return outcome.exitCode === null && /executable file not found|no such file or directory/i.test(outcome.message ?? '')
}

export class PodEndpoint implements Endpoint {
  readonly name: string
  readonly label: string
  readonly node: string
  readonly zone: string
  readonly ip: string
  readonly mtu: number
  readonly pod: string
  readonly ports: PortRange | undefined
  private readonly config: KubeConfig
  private readonly ref: PodRef
  private readonly image: string

  constructor(init: PodEndpointInit) {
    this.name = init.name
    this.label = init.label
    this.node = init.node
    this.zone = init.zone
    this.ip = init.ip
    this.mtu = init.mtu
    this.config = init.config
    this.ref = init.ref
    this.pod = init.ref.pod
    this.image = init.image
    this.ports = init.ports
  }

  private missing(program: string): NetbenchError {
    return new NetbenchError('MISSING_PROGRAM', `${program} is not in the image of pod ${this.pod} (${this.image})`, {
      hint: 'set cluster.podImage to an image with iperf3, sh and ip (the default nicolaka/netshoot has them)',
    })
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    options.signal?.throwIfAborted()
    const running = this.launch(argv)
    // A refused exec (403, pod gone) is an error of the endpoint, not an exit status.
    const stream = await running.opening
    if (stream instanceof Error) throw stream
    let timedOut = false
    let stopping: Promise<void> | undefined
    const onAbort = () => { stopping = running.process.stop() }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const timer = options.timeoutMs ? setTimeout(() => { timedOut = true; stopping = running.process.stop() }, options.timeoutMs) : undefined
    try {
      const result = await running.process.exited
      // Stopped: also wait for the stopper itself, so nothing of ours still runs in the pod.
      await stopping
      options.signal?.throwIfAborted()
      if (missingProgramIn(running.outcome(), result.stderr, argv[0] ?? '')) throw this.missing(argv[0] ?? '')
      return timedOut ? { ...result, exitCode: null, signal: 'SIGKILL' } : result
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  start(argv: readonly string[]): RunningProcess {
    return this.launch(argv).process
  }

  private launch(argv: readonly string[]): { process: RunningProcess; opening: Promise<ExecStream | Error>; outcome: () => ExecOutcome } {
    const pidFile = `/tmp/netbench-${randomBytes(6).toString('hex')}.pid`
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    let out = ''
    let err = ''
    let outcome: ExecOutcome = { exitCode: null, message: null, reason: null, lost: false }
    let ended = false
    const opening: Promise<ExecStream | Error> = openExec(this.config, this.ref, wrapped(pidFile, argv)).then(
      (stream) => {
        stream.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); stdout.write(chunk) })
        stream.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); stderr.write(chunk) })
        return stream
      },
      (error: unknown) => (isNetbenchError(error) || error instanceof Error ? error : new Error(String(error))),
    )
    const exited: Promise<ExecResult> = opening.then(async (stream) => {
      if (stream instanceof Error) {
        outcome = { exitCode: null, message: stream.message, reason: null, lost: true }
      } else {
        outcome = await stream.done
        ended = true
        // A lost stream (connection cut, not the pod gone) leaves the program running in the pod:
        // stop it, or an iperf3 client would go on sending into the next point.
        if (outcome.lost) await execToEnd(this.config, this.ref, stopper(pidFile), 10_000).catch(() => undefined)
        // Let the last chunks reach our listeners before reporting the end.
        await new Promise((resolve) => setImmediate(resolve))
      }
      stdout.end()
      stderr.end()
      const why = outcome.message ? `${err && !err.endsWith('\n') ? '\n' : ''}${outcome.message}\n` : ''
      return { exitCode: outcome.exitCode, signal: null, stdout: out, stderr: err + why }
    })
    let stopping: Promise<void> | undefined
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        const stream = await opening
        if (stream instanceof Error) return
        if (!ended) {
          await execToEnd(this.config, this.ref, stopper(pidFile), 10_000).catch(() => undefined)
          await Promise.race([stream.done, new Promise((resolve) => setTimeout(resolve, 3000).unref())])
        }
        stream.close()
        await exited
      })()
      return stopping
    }
    return { process: { pid: undefined, stdout, stderr, exited, stop }, opening, outcome: () => outcome }
  }
}
