/**
 * argv builders for iperf3 3.12. Pure functions so the exact command lines are unit-testable and
 * visible in one place; `runIperf3` only decides ports and timeouts.
 */

/** IPv4 (20) + UDP (8) header bytes: a datagram of `mtu - 28` payload bytes fills one packet. */
export const IPV4_UDP_HEADER_BYTES = 28

/** Control-connection timeout when the caller gives none: long enough for a slow namespace. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000

/** The MTU every hop of the client→server path can carry (endpoints are directly connected). */
export function pathMtu(clientMtu: number, serverMtu: number): number {
  return Math.min(clientMtu, serverMtu)
}

/** UDP payload that fits the path MTU without IP fragmentation (fragments distort loss figures). */
export function datagramBytesForMtu(mtu: number): number {
  // 68 is the IPv4 minimum MTU; below it the interface data is wrong, not the probe.
  if (!Number.isInteger(mtu) || mtu < 68) throw new RangeError(`invalid MTU ${mtu}`)
  return mtu - IPV4_UDP_HEADER_BYTES
}

/**
 * iperf3 3.12 parses `-t` and `-O` with atoi(): `-t 1.5` runs for 1 s (checked on this version,
 * `test_start.duration` reports 1). Round up so a run is never shorter than asked.
 */
export function wholeSeconds(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`invalid duration ${ms} ms`)
  return Math.max(1, Math.ceil(ms / 1000))
}

export interface ServerArgs {
  port: number
  bindIp: string
  /** Serves test after test until stopped (a server kept for a pair's probes); default one test. */
  kept?: boolean
}

/**
 * One-off server (`-1`: exits after one test, so nothing lingers) bound to the endpoint's address;
 * a kept one leaves `-1` out and its owner stops it. `--forceflush` because stdout is a pipe:
 * without it "Server listening" sits in the stdio buffer and the caller cannot tell when the
 * server is ready.
 */
export function serverArgs({ port, bindIp, kept }: ServerArgs): string[] {
  return ['iperf3', '-s', ...kept ? [] : ['-1'], '-p', String(port), '-B', bindIp, '--forceflush']
}

interface CommonClientArgs {
  serverIp: string
  port: number
  durationMs: number
  omitMs?: number
  connectTimeoutMs?: number
}

export interface UdpClientArgs extends CommonClientArgs {
  bitrateBps: number
  datagramBytes: number
  /** `-n`: end once this many bytes are sent, instead of after the duration (3.12 takes only one). */
  bytes?: number
  /** `-i`: report intervals of this length (iperf3 takes fractions of a second); default 1 s. */
  intervalMs?: number
  /** `-w`: socket buffer of both ends (the kernel caps it at net.core.[rw]mem_max). */
  socketBufferBytes?: number
}

export interface TcpClientArgs extends CommonClientArgs {
  streams: number
  /** -R: the server sends. */
  reverse?: boolean
  /** --bidir: both directions at once. */
  bidir?: boolean
}

function commonTail(options: CommonClientArgs, bytes?: number): string[] {
  const tail = bytes ? ['-n', String(Math.round(bytes))] : ['-t', String(wholeSeconds(options.durationMs))]
  if (options.omitMs !== undefined && options.omitMs > 0) tail.push('-O', String(wholeSeconds(options.omitMs)))
  tail.push('--json', '--connect-timeout', String(Math.round(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS)))
  return tail
}

export function udpClientArgs(options: UdpClientArgs): string[] {
  const bitrate = Math.round(options.bitrateBps)
  // `-b 0` means "unlimited" to iperf3: a UDP flood instead of the offered load the suite asked for.
  if (!Number.isFinite(options.bitrateBps) || bitrate <= 0) {
    throw new RangeError(`UDP bitrate must be a positive number of bit/s, got ${options.bitrateBps}`)
  }
  if (!Number.isInteger(options.datagramBytes) || options.datagramBytes < 16) {
    throw new RangeError(`invalid UDP datagram size ${options.datagramBytes}`)
  }
  if (options.bytes !== undefined && !(Number.isFinite(options.bytes) && options.bytes >= options.datagramBytes)) {
    throw new RangeError(`a byte-bounded UDP run needs at least one datagram, got ${options.bytes} bytes`)
  }
  return [
    'iperf3', '-c', options.serverIp, '-p', String(options.port),
    '-u', '-b', String(bitrate), '-l', String(options.datagramBytes),
    ...(options.socketBufferBytes ? ['-w', String(Math.round(options.socketBufferBytes))] : []),
    ...(options.intervalMs ? ['-i', String(options.intervalMs / 1000)] : []),
    ...commonTail(options, options.bytes),
  ]
}

export function tcpClientArgs(options: TcpClientArgs): string[] {
  if (!Number.isInteger(options.streams) || options.streams < 1) {
    throw new RangeError(`TCP streams must be a positive integer, got ${options.streams}`)
  }
  return [
    'iperf3', '-c', options.serverIp, '-p', String(options.port),
    '-P', String(options.streams),
    ...(options.reverse ? ['-R'] : []),
    ...(options.bidir ? ['--bidir'] : []),
    ...commonTail(options),
  ]
}
