/**
 * iperf3 servers: started on a free port and waited for until they listen, either for one test
 * (`-1`) or kept by a ServerKeeper for test after test on the same endpoint.
 */
import type { Endpoint, PortRange, RunningProcess } from '../../endpoint.ts'
import { NetbenchError } from '../../errors.ts'
import { serverArgs } from './args.ts'

/** Ports tried after "Address already in use" before giving up. */
export const PORT_TRIES = 10
/** How long a server may take to print "Server listening" (a cold namespace can be slow). */
const LISTEN_TIMEOUT_MS = 10_000

const missingHint = 'run `netbench setup` or `apt-get install iperf3`'

export function missingIperf3(cause?: unknown): NetbenchError {
  return new NetbenchError('MISSING_PROGRAM', 'iperf3 is not installed', { hint: missingHint, cause })
}

/** spawn ENOENT, or `ip netns exec` / a shell saying the program does not exist. */
export function isMissingProgram(error: unknown, text = ''): boolean {
  if ((error as { code?: unknown } | undefined)?.code === 'ENOENT') return true
  return /exec of "(?:[^"]*\/)?iperf3" failed: No such file|iperf3: (command )?not found|spawn \S*iperf3 ENOENT/i.test(text)
}

export function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find((line) => line !== '') ?? ''
}

export interface StartedServer {
  process: RunningProcess
  port: number
}

/** Starts a server, moving to the next port while the current one is taken. */
export async function startServer(
  endpoint: Endpoint, firstPort: number, range: PortRange | undefined, signal: AbortSignal | undefined, kept = false,
): Promise<StartedServer> {
  let lastError = ''
  for (let tries = 0; tries < PORT_TRIES; tries++) {
    // Within the range, wrap around rather than leave it (a firewall opens only the range).
    const port = range ? range.first + ((firstPort - range.first + tries) % (range.last - range.first + 1)) : firstPort + tries
    signal?.throwIfAborted()
    let running: RunningProcess
    try {
      running = endpoint.start(serverArgs({ port, bindIp: endpoint.ip, kept }))
    } catch (error) {
      if (isMissingProgram(error, String(error))) throw missingIperf3(error)
      throw error
    }
    const outcome = await waitForListening(running, port, signal)
    if (outcome.kind === 'listening') return { process: running, port }
    await running.stop()
    if (outcome.kind === 'aborted') throw signal?.reason ?? new Error('aborted')
    if (outcome.kind === 'missing') throw missingIperf3(outcome.error)
    if (/Address already in use/i.test(outcome.text)) {
      lastError = firstLine(outcome.text)
      continue
    }
    const line = firstLine(outcome.text)
    throw new NetbenchError('MEASUREMENT', `iperf3 server on ${endpoint.name} did not start${line ? `: ${line}` : ''}`, {
      hint: outcome.kind === 'timeout'
        ? `it printed no "Server listening" line within ${LISTEN_TIMEOUT_MS / 1000} s`
        : `check that ${endpoint.ip} is an address of ${endpoint.label}`,
    })
  }
  throw new NetbenchError('MEASUREMENT', `no free port for the iperf3 server on ${endpoint.name} in ${firstPort}-${firstPort + PORT_TRIES - 1}: ${lastError}`, {
    hint: 'other iperf3 servers hold these ports; stop them or pass another port',
  })
}

type ListenOutcome =
  | { kind: 'listening' }
  | { kind: 'exited' | 'timeout'; text: string }
  | { kind: 'missing'; error: unknown }
  | { kind: 'aborted' }

/**
 * Resolves once the server says "Server listening on <port>" (that line is printed after
 * listen(), so a client connecting afterwards cannot be refused), or when it exits, times out
 * or the run is cancelled. Output keeps being drained afterwards so the pipe never fills; only
 * its first 64 KiB are kept (a kept server prints every test's intervals).
 */
function waitForListening(running: RunningProcess, port: number, signal: AbortSignal | undefined): Promise<ListenOutcome> {
  let stdout = ''
  let stderr = ''
  const limit = 64 * 1024
  return new Promise<ListenOutcome>((resolve) => {
    let settled = false
    const finish = (outcome: ListenOutcome): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      resolve(outcome)
    }
    const onAbort = (): void => finish({ kind: 'aborted' })
    const timer = setTimeout(() => finish({ kind: 'timeout', text: stderr + stdout }), LISTEN_TIMEOUT_MS)
    signal?.addEventListener('abort', onAbort, { once: true })
    running.stdout.on('data', (chunk: Buffer | string) => {
      if (stdout.length < limit) stdout += String(chunk)
      const match = /Server listening on (?:\S+ port )?(\d+)/.exec(stdout)
      if (match && Number(match[1]) === port) finish({ kind: 'listening' })
    })
    running.stderr.on('data', (chunk: Buffer | string) => {
      if (stderr.length < limit) stderr += String(chunk)
    })
    running.exited.then(
      (result) => {
        const text = `${stderr}\n${result.stderr}\n${stdout}`
        finish(isMissingProgram(undefined, text) ? { kind: 'missing', error: undefined } : { kind: 'exited', text })
      },
      (error: unknown) => {
        finish(isMissingProgram(error, String(error)) ? { kind: 'missing', error } : { kind: 'exited', text: String(error) })
      },
    )
  })
}

/**
 * Servers kept between the probes of one network: a probe borrows a listening server on its
 * server endpoint (starting one only if none is idle there) and gives it back when its client has
 * ended, so the next probe on that pair skips a server's start and stop (tens of milliseconds
 * each, more on a busy machine). A probe that failed stops its server instead: the next one gets
 * a fresh server rather than one that may still be busy with a broken test. `close` stops every
 * server; one given back after that is stopped at once.
 */
export class ServerKeeper {
  private readonly idle = new Map<Endpoint, StartedServer[]>()
  private readonly watched = new WeakSet<StartedServer>()
  private closed = false

  borrow(endpoint: Endpoint, start: (kept: boolean) => Promise<StartedServer>): Promise<StartedServer> {
    const server = this.idle.get(endpoint)?.pop()
    return server ? Promise.resolve(server) : start(true)
  }

  async giveBack(endpoint: Endpoint, server: StartedServer, healthy: boolean): Promise<void> {
    if (!healthy || this.closed) return server.process.stop()
    this.idle.set(endpoint, [...this.idle.get(endpoint) ?? [], server])
    if (this.watched.has(server)) return
    this.watched.add(server)
    // A server that dies between probes (killed, crashed) is not lent again.
    void server.process.exited.then(() => {
      const idle = this.idle.get(endpoint)
      if (idle?.includes(server)) this.idle.set(endpoint, idle.filter((other) => other !== server))
    })
  }

  async close(): Promise<void> {
    this.closed = true
    const servers = [...this.idle.values()].flat()
    this.idle.clear()
    await Promise.all(servers.map((server) => server.process.stop()))
  }
}
