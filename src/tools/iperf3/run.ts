/**
 * One iperf3 measurement between two endpoints: a server on `server` (one-off, or lent by a
 * ServerKeeper), the client on `client`, output parsed into a Sample. A one-off server is always
 * stopped, whatever happens; a lent one goes back, or is stopped if the probe failed.
 */
import type { Destination, Endpoint, ExecResult, PortRange } from '../../endpoint.ts'
import { NetbenchError } from '../../errors.ts'
import type { Sample } from '../../results/metrics.ts'
import { datagramBytesForMtu, pathMtu, serverArgs, tcpClientArgs, udpClientArgs, wholeSeconds } from './args.ts'
import { parseIperf3Json, parseIperf3Output } from './parse.ts'
import { readUdpCounters } from '../udp-counters.ts'
import { grantedSocketBuffer } from './socket-buffer.ts'
import { firstLine, isMissingProgram, missingIperf3, startServer, type ServerKeeper, type StartedServer } from './server.ts'
import { trace } from '../../trace.ts'

export type Iperf3Probe =
  /** With `bytes`, the run ends once they are sent, and `durationMs` only bounds how long it may take. */
  | { kind: 'udp'; bitrateBps: number; durationMs: number; omitMs?: number; socketBufferBytes?: number; bytes?: number; intervalMs?: number }
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
  /** Keeps the server listening for the next probe on this endpoint (default: one-off servers). */
  servers?: ServerKeeper
}

export const DEFAULT_PORT = 5201
/** The ports probes rotate through when the server's endpoint names none. */
export const DEFAULT_PORTS: PortRange = { first: DEFAULT_PORT, last: DEFAULT_PORT + 49 }
/**
 * UDP socket buffer wanted: a receiver that falls behind for a moment overruns a small one. Each
 * probe asks for less where the kernel grants less (`grantedSocketBuffer`) and records what it used.
 */
export const UDP_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024
/** Slack over the test time for connect, omit and the result exchange. */
const CLIENT_SLACK_MS = 15_000

let portCounter = 0

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
    ? udpClientArgs({ ...common(port), bitrateBps: probe.bitrateBps, datagramBytes: datagramBytes!, socketBufferBytes, bytes: probe.bytes, intervalMs: probe.intervalMs })
    : tcpClientArgs({ ...common(port), streams: probe.streams, reverse: probe.reverse, bidir: probe.bidir })
  // Build the argv once before starting anything, so bad input (bitrate 0) throws with no server.
  clientArgv(DEFAULT_PORT)

  trace('iperf3:begin')
  const ports = server.ports ?? DEFAULT_PORTS
  const firstPort = options.portHint ?? ports.first + (portCounter++ % (ports.last - ports.first + 1))
  const start = (kept: boolean) => startServer(server, firstPort, options.portHint === undefined ? ports : undefined, signal, kept)
  const keeper = options.servers
  // The receiver's socket-buffer drops around the run tell receiver overrun from network loss.
  const readCounters = () => probe.kind === 'udp' ? readUdpCounters(server) : Promise.resolve(undefined)
  const reading = readCounters()
  const started = await startAlongside(keeper ? keeper.borrow(server, start) : start(false), [reading, options.around?.before()])
  const countersBefore = await reading
  trace('iperf3:ready')
  // The server goes (or back to its keeper) while the reads after the probe run.
  let released: Promise<void> | undefined
  const release = (healthy: boolean) => released ??= keeper ? keeper.giveBack(server, started, healthy) : started.process.stop()
  try {
    const runMs = (wholeSeconds(probe.durationMs) + (probe.omitMs ? wholeSeconds(probe.omitMs) : 0)) * 1000
    await options.ready?.()
    let result: ExecResult
    try {
      result = await client.exec(clientArgv(started.port), { timeoutMs: runMs + CLIENT_SLACK_MS, signal })
    } catch (error) {
      signal?.throwIfAborted()
      if (isMissingProgram(error, String(error))) throw missingIperf3(error)
      throw error
    }
    signal?.throwIfAborted()
    trace('iperf3:client-end')
    const json = parseIperf3Json(result.stdout)
    const [countersAfter] = await Promise.all([countersBefore ? readCounters() : undefined, options.around?.after(), release(json !== undefined && json.error === undefined)])
    trace('iperf3:after')
    if (json === undefined) {
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
    await release(false)
  }
}

/** The server started while the reads before the probe run; if any fails, the server is stopped again. */
async function startAlongside(starting: Promise<StartedServer>, reads: ReadonlyArray<Promise<unknown> | undefined>): Promise<StartedServer> {
  const [started, ...others] = await Promise.allSettled([starting, ...reads])
  const failed = [started, ...others].find((outcome) => outcome.status === 'rejected')
  if (!failed) return (started as PromiseFulfilledResult<StartedServer>).value
  if (started.status === 'fulfilled') await started.value.process.stop()
  throw failed.reason
}
