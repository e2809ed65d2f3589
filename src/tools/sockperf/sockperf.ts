/**
 * Request/response round trips with sockperf (Debian package `sockperf`): the client's ping-pong
 * mode sends one small message, waits for its echo, and sends the next, over TCP or UDP, for whole
 * seconds. Its summary gives the round-trip percentiles (`--full-rtt`, microseconds) and the
 * messages exchanged in the measured part of the run (after its warm-up), from which follow the
 * transactions per second — one message in flight, so TPS is the inverse of the mean round trip.
 */
import type { Destination, Endpoint, RunningProcess } from '../../endpoint.ts'
import { NetbenchError } from '../../errors.ts'
import type { RoundTripPercentiles } from '../../results/metrics.ts'

export type RoundTripProtocol = 'tcp' | 'udp'

export interface RoundTripProbe {
  protocol: RoundTripProtocol
  /** Whole seconds: sockperf's `-t` takes an integer. */
  durationMs: number
  /** Payload per message; small, like an RPC. */
  messageBytes?: number
}

export interface RoundTripResult {
  rttMs: RoundTripPercentiles
  /** Messages answered in the measured part of the run. */
  transactions: number
  transactionsPerSecond: number
  /** Messages sent and not answered, in percent of those sent (UDP can lose them). */
  lossPercent: number
  /** Length of the measured part (sockperf's "Valid Duration"). */
  durationMs: number
  raw: string
}

export const DEFAULT_MESSAGE_BYTES = 64
/**
 * sockperf's client pauses 2 s after connecting before it measures (with or without its warm-up
 * messages), and counts only its run's last part (after a 400 ms warm-up): a load meant to
 * overlap the measurement must cover this much more than the duration.
 */
export const SOCKPERF_LEAD_MS = 2_500
export const SOCKPERF_PORT = 11111
/** How many ports from SOCKPERF_PORT up servers rotate through (on endpoints that name no range). */
export const SOCKPERF_PORTS = 50
const UDP_LOSS_HINT = "UDP request/response stalls on lost messages (a policer or a full queue on the path drops them): use protocol: 'tcp'"
const MISSING_HINT = 'run `netbench setup` or `apt-get install sockperf`'

export function serverArgs(protocol: RoundTripProtocol, bindIp: string, port: number): string[] {
  return ['sockperf', 'server', ...protocol === 'tcp' ? ['--tcp'] : [], '-i', bindIp, '-p', String(port)]
}

export function clientArgs(target: string, port: number, probe: RoundTripProbe): string[] {
  const seconds = probe.durationMs / 1000
  if (!Number.isInteger(seconds) || seconds < 1) throw new RangeError(`sockperf runs whole seconds, got ${probe.durationMs} ms`)
  const bytes = probe.messageBytes ?? DEFAULT_MESSAGE_BYTES
  if (!Number.isInteger(bytes) || bytes < 14 || bytes > 65000) throw new RangeError(`sockperf messages are 14 to 65000 bytes, got ${bytes}`)
  return ['sockperf', 'ping-pong', ...probe.protocol === 'tcp' ? ['--tcp'] : [], '-i', target, '-p', String(port), '-t', String(seconds), '-m', String(bytes), '--full-rtt']
}

/** sockperf colours some lines with ANSI escapes even into a pipe. */
function plain(output: string): string {
  return output.replace(/\u001b\[[0-9;]*m/g, '')
}

function firstError(text: string): string {
  return text.split('\n').map((line) => line.replace(/^sockperf:\s*/, '').trim()).find((line) => /error|refused|unreachable|timed out|no valid observations/i.test(line)) ?? ''
}

/** Reads the client's summary; throws a MEASUREMENT error naming sockperf's complaint when there is none. */
export function parseSockperf(output: string): RoundTripResult {
  const text = plain(output)
  const valid = /\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=(\d+); ReceivedMessages=(\d+)/.exec(text)
  const percentile = (label: string) => {
    const match = new RegExp(`---> ${label} = \\s*([\\d.]+)`).exec(text)
    return match ? Number(match[1]) / 1000 : undefined
  }
  const mean = /avg-rtt=([\d.]+)/.exec(text)
  const values = {
    p50: percentile('percentile 50\\.000'), p90: percentile('percentile 90\\.000'), p99: percentile('percentile 99\\.000'),
    'p99.9': percentile('percentile 99\\.900'), min: percentile('<MIN> observation'), max: percentile('<MAX> observation'),
    mean: mean ? Number(mean[1]) / 1000 : undefined,
  }
  if (!valid || Object.values(values).some((value) => value === undefined || !Number.isFinite(value))) {
    const complaint = firstError(text)
    throw new NetbenchError('MEASUREMENT', `sockperf gave no round-trip summary${complaint ? `: ${complaint}` : ''}`, { hint: 'check that the server is reachable on its port' })
  }
  const seconds = Number(valid[1])
  const sent = Number(valid[2])
  const received = Number(valid[3])
  const dropped = /# dropped messages = (\d+)/.exec(text)
  const lost = dropped ? Number(dropped[1]) : Math.max(0, sent - received)
  return {
    rttMs: values as RoundTripPercentiles,
    transactions: received,
    transactionsPerSecond: seconds > 0 ? received / seconds : 0,
    lossPercent: sent ? (lost / sent) * 100 : 0,
    durationMs: seconds * 1000,
    raw: output,
  }
}

function isMissing(text: string): boolean {
  return /exec of "(?:[^"]*\/)?sockperf" failed: No such file|sockperf: (command )?not found|spawn \S*sockperf ENOENT/i.test(text)
}

function missingSockperf(cause?: unknown): NetbenchError {
  return new NetbenchError('MISSING_PROGRAM', 'sockperf is not installed', { hint: MISSING_HINT, cause })
}

/** How long a server may take to say it waits for messages. */
const LISTEN_TIMEOUT_MS = 5_000

/** Resolves once the server blocks on its socket (it listens by then), or rejects with its output. */
function whenListening(server: RunningProcess): Promise<void> {
  let output = ''
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "block on socket" line within ${LISTEN_TIMEOUT_MS / 1000} s`)), LISTEN_TIMEOUT_MS)
    const read = (chunk: Buffer | string) => {
      if (output.length < 64 * 1024) output += String(chunk)
      if (/to block on socket/.test(output)) {
        clearTimeout(timer)
        resolve()
      }
    }
    server.stdout.on('data', read)
    server.stderr.on('data', read)
    server.exited.then((result) => {
      clearTimeout(timer)
      reject(new Error(`${output}\n${result.stderr}`))
    }, reject)
  })
}

let portCounter = 0

/** One ping-pong run: a one-off sockperf server on `server`, the client on `client`; the server always stops. */
export async function runSockperf(options: { client: Endpoint; server: Endpoint; probe: RoundTripProbe; signal?: AbortSignal; destination?: Destination }): Promise<RoundTripResult> {
  const { client, server, probe, signal, destination } = options
  signal?.throwIfAborted()
  // From the top of an endpoint's range down: iperf3 (a load running meanwhile) counts up from its bottom.
  const port = server.ports ? server.ports.last - (portCounter++ % (server.ports.last - server.ports.first + 1)) : SOCKPERF_PORT + (portCounter++ % SOCKPERF_PORTS)
  const argv = clientArgs(destination?.address ?? server.ip, destination ? destination.port(port) : port, probe)
  let running: RunningProcess
  try {
    running = server.start(serverArgs(probe.protocol, server.ip, port))
  } catch (error) {
    throw isMissing(String(error)) || (error as { code?: unknown }).code === 'ENOENT' ? missingSockperf(error) : error
  }
  try {
    await whenListening(running).catch((error: unknown) => {
      const text = String((error as Error).message ?? error)
      if (isMissing(text)) throw missingSockperf(error)
      throw new NetbenchError('MEASUREMENT', `sockperf server on ${server.name} did not start: ${firstError(text) || text.trim().split('\n')[0]}`, { hint: `check that ${server.ip} is an address of ${server.label}` })
    })
    const result = await client.exec(argv, { timeoutMs: probe.durationMs + 15_000, signal })
    signal?.throwIfAborted()
    if (isMissing(result.stderr)) throw missingSockperf()
    try {
      return parseSockperf(result.stdout + result.stderr)
    } catch (error) {
      // One message in flight: a lost UDP message stalls the exchange until sockperf gives up on it.
      if (probe.protocol === 'udp' && error instanceof NetbenchError) throw new NetbenchError('MEASUREMENT', error.message, { hint: UDP_LOSS_HINT })
      throw error
    }
  } finally {
    await running.stop()
  }
}
