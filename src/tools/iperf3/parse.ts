/**
 * Turns iperf3 3.12 `--json` client output into metrics. Written against real output captured in
 * fixtures/iperf3 (see its README for what each field meant there).
 */
import { NetbenchError } from '../../errors.ts'
import { emptyMetrics, type Metrics } from '../../results/metrics.ts'

export type Iperf3Kind = 'udp' | 'tcp'

export interface Iperf3Result {
  metrics: Metrics
  /** Rate the client was told to send (UDP `-b`); null for TCP (unlimited). */
  offeredBps: number | null
  /** UDP: datagrams and losses as the receiver counted them. */
  packets?: number
  lostPackets?: number
  /** UDP payload size iperf3 used (`test_start.blksize`). */
  datagramBytes?: number
  /** TCP: the sender's congestion control (`end.sender_tcp_congestion`). */
  congestion?: string
  /** How long the sender actually sent, in ms (whole seconds after iperf3's rounding). */
  durationMs: number | null
  /** The parsed JSON, nan/inf already turned into null. */
  raw: unknown
}

type Json = Record<string, unknown>

const nonFiniteWords = new Set(['nan', '-nan', 'inf', '-inf', 'infinity', '-infinity'])

/**
 * Finds the JSON object in iperf3's stdout and returns it as strict JSON text. iperf3 may print
 * warnings before it and text after it, so we start at the first `{` that begins a line and stop
 * at its matching brace. Bare nan/inf tokens (older cJSON, and glibc's `-nan`) are not JSON, so
 * they become `null` here, outside strings only. Returns undefined when there is no object.
 */
export function extractJsonText(stdout: string): string | undefined {
  const start = stdout.startsWith('{') ? 0 : stdout.indexOf('\n{') + 1
  if (start === 0 && !stdout.startsWith('{')) return undefined // indexOf gave -1
  let out = ''
  let depth = 0
  let i = start
  while (i < stdout.length) {
    const ch = stdout[i]!
    if (ch === '"') {
      // Copy the whole string, honouring escapes, so braces or "nan" inside text are left alone.
      let j = i + 1
      while (j < stdout.length && stdout[j] !== '"') j += stdout[j] === '\\' ? 2 : 1
      out += stdout.slice(i, j + 1)
      i = j + 1
      continue
    }
    if (/[A-Za-z-]/.test(ch)) {
      const word = /^-?[A-Za-z]+/.exec(stdout.slice(i, i + 12))?.[0]
      if (word !== undefined) {
        out += nonFiniteWords.has(word.toLowerCase()) ? 'null' : word
        i += word.length
        continue
      }
    }
    out += ch
    i++
    if (ch === '{' || ch === '[') depth++
    else if (ch === '}' || ch === ']') {
      depth--
      if (depth === 0) return out
    }
  }
  // Unbalanced: iperf3 was killed mid-print. Report as "no JSON" rather than guess.
  return undefined
}

/** Parses iperf3 stdout into an object, or undefined when it holds no (complete) JSON object. */
export function parseIperf3Json(stdout: string): Json | undefined {
  const text = extractJsonText(stdout)
  if (text === undefined) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** The fix a user can try for each error iperf3 3.12 reports in its `error` field. */
export function hintForIperf3Error(message: string): string {
  const m = message.toLowerCase()
  if (m.includes('busy')) return 'another client is using this iperf3 server; something else connects to the same port — retry, or check for a second netbench run'
  if (m.includes('connection refused')) return 'no iperf3 server listens at that address and port; check the server endpoint\'s IP and any firewall rejecting the port'
  if (m.includes('unable to connect') || m.includes('timed out') || m.includes('no route')) return 'the client cannot reach the server; check routing and network policy between the two endpoints'
  if (m.includes('control')) return 'the control connection broke mid-test: the server died (killed, OOM) or the path dropped it'
  if (m.includes('interrupt')) return 'iperf3 was stopped before the test finished (timeout or cancel)'
  return 'see the iperf3 output kept in the result'
}

/** NetbenchError for an iperf3 `error` message. */
export function iperf3Error(message: string, cause?: unknown): NetbenchError {
  return new NetbenchError('MEASUREMENT', `iperf3: ${message}`, { hint: hintForIperf3Error(message), cause })
}

/**
 * Extracts a probe's figures. Throws NetbenchError('MEASUREMENT') when iperf3 reported an error
 * (3.12 exits 0 in --json mode even for "Connection refused", so the field is the only signal)
 * or printed no usable summary.
 */
export function parseIperf3Output(stdout: string, kind: Iperf3Kind): Iperf3Result {
  const raw = parseIperf3Json(stdout)
  if (raw === undefined) {
    const first = stdout.trim().split('\n')[0] ?? ''
    throw new NetbenchError('MEASUREMENT', `iperf3 printed no JSON result${first ? `: ${first}` : ''}`, {
      hint: 'iperf3 was probably killed before it finished; check the endpoint for resource limits',
    })
  }
  if (typeof raw.error === 'string') throw iperf3Error(raw.error)

  const start = obj(raw.start)
  const testStart = obj(start.test_start)
  const end = obj(raw.end)
  const sent = obj(end.sum_sent)
  const received = obj(end.sum_received)
  if (Object.keys(sent).length === 0 && Object.keys(received).length === 0) {
    throw new NetbenchError('MEASUREMENT', 'iperf3 printed no end-of-test summary', {
      hint: 'the test did not complete; see the iperf3 output kept in the result',
    })
  }
  const protocol = typeof testStart.protocol === 'string' ? testStart.protocol.toLowerCase() : kind
  if (protocol !== kind) {
    throw new NetbenchError('MEASUREMENT', `iperf3 ran a ${protocol.toUpperCase()} test where ${kind.toUpperCase()} was expected`)
  }

  const cpu = obj(end.cpu_utilization_percent)
  const metrics = emptyMetrics()
  // No -R: the client sends, so host_* is the sender's CPU and remote_* the receiver's.
  metrics.cpuSenderPercent = num(cpu.host_total)
  metrics.cpuReceiverPercent = num(cpu.remote_total)
  metrics.senderBps = num(sent.bits_per_second)
  metrics.throughputBps = num(received.bits_per_second)
  const seconds = num(sent.seconds)
  const result: Iperf3Result = { metrics, offeredBps: null, durationMs: seconds === null ? null : seconds * 1000, raw }

  if (kind === 'tcp') {
    metrics.retransmits = num(sent.retransmits)
    // -R: the server sends, so the CPU figures change ends.
    if (num(testStart.reverse) === 1) [metrics.cpuSenderPercent, metrics.cpuReceiverPercent] = [metrics.cpuReceiverPercent, metrics.cpuSenderPercent]
    // --bidir: the second direction has its own sums; a datapath carried both at once.
    const backSent = obj(end.sum_sent_bidir_reverse)
    const backReceived = obj(end.sum_received_bidir_reverse)
    if (Object.keys(backReceived).length) {
      const add = (a: number | null, b: number | null) => a === null || b === null ? a ?? b : a + b
      metrics.throughputBps = add(metrics.throughputBps, num(backReceived.bits_per_second))
      metrics.senderBps = add(metrics.senderBps, num(backSent.bits_per_second))
      metrics.retransmits = add(metrics.retransmits, num(backSent.retransmits))
    }
    if (typeof end.sender_tcp_congestion === 'string') result.congestion = end.sender_tcp_congestion
    return result
  }

  result.offeredBps = num(testStart.target_bitrate) ?? num(start.target_bitrate)
  const blksize = num(testStart.blksize)
  if (blksize !== null) result.datagramBytes = blksize
  // UDP: sum_received is the server's count (bytes = datagrams that arrived × blksize); `sum`
  // mixes the sender's bytes/rate with the receiver's loss and jitter, so it is not used.
  const packets = num(received.packets)
  const lost = num(received.lost_packets)
  if (packets !== null) result.packets = packets
  if (lost !== null) result.lostPackets = lost
  metrics.jitterMs = num(received.jitter_ms)
  metrics.lossPercent = num(received.lost_percent)
    ?? (packets !== null && lost !== null && packets > 0 ? (100 * lost) / packets : null)
  // Some iperf3 versions copy the sender's bytes into sum_received; a receiver that lost
  // datagrams cannot have received everything, so rebuild its rate from the counts then.
  const receivedSeconds = num(received.seconds)
  if (lost !== null && lost > 0 && packets !== null && blksize !== null && receivedSeconds
    && num(received.bytes) !== null && num(received.bytes)! >= (num(sent.bytes) ?? Infinity)) {
    metrics.throughputBps = ((packets - lost) * blksize * 8) / receivedSeconds
  }
  return result
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function obj(value: unknown): Json {
  return isObject(value) ? value : {}
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}
