/**
 * One iperf3 measurement between two endpoints: a one-off server on `server`, the client on
 * `client`, output parsed into a Sample. The server is always stopped, whatever happens.
 */
import type { Destination, Endpoint, ExecResult, PortRange, RunningProcess } from '../../endpoint.ts'
import { NetbenchError } from '../../errors.ts'
import type { Sample } from '../../results/metrics.ts'
import { datagramBytesForMtu, pathMtu, serverArgs, tcpClientArgs, udpClientArgs, wholeSeconds } from './args.ts'
import { parseIperf3Json, parseIperf3Output } from './parse.ts'
import { readUdpCounters } from '../udp-counters.ts'
import { grantedSocketBuffer } from './socket-buffer.ts'

export type Iperf3Probe =
  | { kind: 'udp'; bitrateBps: number; durationMs: number; omitMs?: number; socketBufferBytes?: number }
  | { kind: 'tcp'; streams: number; durationMs: number; omitMs?: number; reverse?: boolean; bidir?: boolean }

export interface RunIperf3Options {
  server: Endpoint
  client: Endpoint
  probe: Iperf3Probe
  signal?: AbortSignal
  /** Where the client sends, when not to the server's address and port (a Service in front of it). */
  destination?: Destination
  /** First port to try; default 5201 plus a per-process counter so parallel runs differ. */
  portHint?: number
  connectTimeoutMs?: number
  /**
   * Reads the caller takes around the probe (e.g. counters on its path), run side by side with
   * the server's start and stop: `before` settles before the client starts, `after` begins only
   * once it has ended, so they bracket the probe as tightly as running them in sequence would.
   */
  around?: { before: () => Promise<unknown>; after: () => Promise<unknown> }
  /**
   * Awaited once the server listens and `around.before` settled, right before the client starts:
   * probes run side by side start their clients together. A rejection stops the server.
   */
  ready?: () => Promise<void>
}

export const DEFAULT_PORT = 5201
/** The ports probes rotate through when the server's endpoint names none. */
export const DEFAULT_PORTS: PortRange = { first: DEFAULT_PORT, last: DEFAULT_PORT + 49 }
/**
 * UDP socket buffer wanted: a receiver that falls behind for a moment overruns a small one. Each
 * probe asks for less where the kernel grants less (`grantedSocketBuffer`) and records what it used.
 */
export const UDP_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024
/** Ports tried after "Address already in use" before giving up. */
export const PORT_TRIES = 10
/** How long a server may take to print "Server listening" (a cold namespace can be slow). */
const LISTEN_TIMEOUT_MS = 10_000
/** Slack over the test time for connect, omit and the result exchange. */
const CLIENT_SLACK_MS = 15_000

let portCounter = 0

const missingHint = 'run `netbench setup` or `apt-get install iperf3`'

export function missingIperf3(cause?: unknown): NetbenchError {
  return new NetbenchError('MISSING_PROGRAM', 'iperf3 is not installed', { hint: missingHint, cause })
}

/** spawn ENOENT, or `ip netns exec` / a shell saying the program does not exist. */
function isMissingProgram(error: unknown, text = ''): boolean {
  if ((error as { code?: unknown } | undefined)?.code === 'ENOENT') return true
  return /exec of "(?:[^"]*\/)?iperf3" failed: No such file|iperf3: (command )?not found|spawn \S*iperf3 ENOENT/i.test(text)
}

function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find((line) => line !== '') ?? ''
}

export async function runIperf3(options: RunIperf3Options): Promise<Sample> {
  const { server, client, probe, signal } = options
  signal?.throwIfAborted()
  const mtu = pathMtu(client.mtu, server.mtu)
  const datagramBytes = probe.kind === 'udp' ? datagramBytesForMtu(mtu) : undefined
  const { destination } = options
  const common = (port: number) => ({
    serverIp: destination?.address ?? server.ip, port: destination ? destination.port(port) : port, durationMs: probe.durationMs, omitMs: probe.omitMs,
    connectTimeoutMs: options.connectTimeoutMs,
  })
  const socketBufferBytes = probe.kind === 'udp' ? probe.socketBufferBytes ?? await grantedSocketBuffer(client, server, UDP_SOCKET_BUFFER_BYTES) : undefined
  const clientArgv = (port: number): string[] => probe.kind === 'udp'
    ? udpClientArgs({ ...common(port), bitrateBps: probe.bitrateBps, datagramBytes: datagramBytes!, socketBufferBytes })
    : tcpClientArgs({ ...common(port), streams: probe.streams, reverse: probe.reverse, bidir: probe.bidir })
  // Build the argv once before starting anything, so bad input (bitrate 0) throws with no server.
  clientArgv(DEFAULT_PORT)

  const ports = server.ports ?? DEFAULT_PORTS
  const firstPort = options.portHint ?? ports.first + (portCounter++ % (ports.last - ports.first + 1))
  // The receiver's socket-buffer drops around the run tell receiver overrun from network loss.
  const readCounters = () => probe.kind === 'udp' ? readUdpCounters(server) : Promise.resolve(undefined)
  const reading = readCounters()
  const { process: serverProcess, port } = await startAlongside(
    startServer(server, firstPort, options.portHint === undefined ? ports : undefined, signal),
    [reading, options.around?.before()],
  )
  const countersBefore = await reading
  let stopped: Promise<void> | undefined
  try {
    const runMs = (wholeSeconds(probe.durationMs) + (probe.omitMs ? wholeSeconds(probe.omitMs) : 0)) * 1000
    await options.ready?.()
    let result: ExecResult
    try {
      result = await client.exec(clientArgv(port), { timeoutMs: runMs + CLIENT_SLACK_MS, signal })
    } catch (error) {
      signal?.throwIfAborted()
      if (isMissingProgram(error, String(error))) throw missingIperf3(error)
      throw error
    }
    signal?.throwIfAborted()
    stopped = serverProcess.stop()
    const [countersAfter] = await Promise.all([countersBefore ? readCounters() : undefined, options.around?.after(), stopped])
    if (parseIperf3Json(result.stdout) === undefined) {
      if (isMissingProgram(undefined, result.stderr)) throw missingIperf3()
      const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`
      const line = firstLine(result.stderr) || firstLine(result.stdout)
      throw new NetbenchError('MEASUREMENT', `iperf3 client ${how} without a result${line ? `: ${line}` : ''}`, {
        hint: result.signal ? `it did not finish within ${(runMs + CLIENT_SLACK_MS) / 1000} s` : 'see the message above',
      })
    }
    // 3.12 reports errors in the JSON `error` field, often with exit code 0; the parser throws.
    const parsed = parseIperf3Output(result.stdout, probe.kind)
    const sample: Sample = {
      metrics: parsed.metrics,
      mtu,
      durationMs: parsed.durationMs ?? probe.durationMs,
      raw: parsed.raw,
    }
    if (parsed.congestion) sample.congestion = parsed.congestion
    if (probe.kind === 'udp') {
      if (parsed.packets !== undefined) sample.packets = parsed.packets
      if (parsed.lostPackets !== undefined) sample.lostPackets = parsed.lostPackets
      sample.datagramBytes = parsed.datagramBytes ?? datagramBytes
      sample.socketBufferBytes = socketBufferBytes
      if (countersBefore && countersAfter) sample.receiverDrops = countersAfter.rcvbufErrors - countersBefore.rcvbufErrors
    }
    return sample
  } finally {
    await (stopped ?? serverProcess.stop())
  }
}

interface StartedServer {
  process: RunningProcess
  port: number
}

/** The server started while the reads before the probe run; if any fails, the server is stopped again. */
async function startAlongside(starting: Promise<StartedServer>, reads: ReadonlyArray<Promise<unknown> | undefined>): Promise<StartedServer> {
  const [started, ...others] = await Promise.allSettled([starting, ...reads])
  const failed = [started, ...others].find((outcome) => outcome.status === 'rejected')
  if (!failed) return (started as PromiseFulfilledResult<StartedServer>).value
  if (started.status === 'fulfilled') await started.value.process.stop()
  throw failed.reason
}

/** Starts a one-off server, moving to the next port while the current one is taken. */
async function startServer(
  endpoint: Endpoint, firstPort: number, range: PortRange | undefined, signal: AbortSignal | undefined,
): Promise<StartedServer> {
  let lastError = ''
  for (let tries = 0; tries < PORT_TRIES; tries++) {
    // Within the range, wrap around rather than leave it (a firewall opens only the range).
    const port = range ? range.first + ((firstPort - range.first + tries) % (range.last - range.first + 1)) : firstPort + tries
    signal?.throwIfAborted()
    let running: RunningProcess
    try {
      running = endpoint.start(serverArgs({ port, bindIp: endpoint.ip }))
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
 * or the run is cancelled. Output keeps being drained afterwards so the pipe never fills.
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
