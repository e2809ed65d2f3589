import type { Endpoint } from '../../endpoint.ts'
import { runIperf3 } from './run.ts'

/** Far above what any host sends on loopback, so the sender runs flat out. */
const CEILING_OFFER_BPS = 40e9
/**
 * How long the run should last: iperf3 3.12 takes `-t` in whole seconds only, so the run is bounded
 * by bytes instead, sized from the rate the sender reached in the point that asks.
 */
export const CEILING_TARGET_MS = 300
/**
 * Reports every 100 ms; the first is the sender's ramp (1.5–2.2 Gbit/s here where the rest run at
 * 2.3–2.45) and is left out. Seven runs of each, alternating, after the first 100 ms: 1 s runs
 * 2.02–2.43 Gbit/s (median 2.40), runs sized for 0.3 s 2.21–2.48 (2.42); over their whole length
 * short runs read 5–8% low.
 */
const CEILING_INTERVAL_MS = 100
/** A slow sender's point still gets a run long enough to stand for faster points: the ceiling is kept for the node. */
const CEILING_MIN_REACHED_BPS = 2e9
/** Without a rate to size it from: one second, iperf3's shortest timed run. */
const CEILING_DURATION_MS = 1000

/** The endpoint itself, addressed on loopback: server and client share its network stack. */
function loopbackOf(endpoint: Endpoint): Endpoint {
  return {
    name: endpoint.name, label: `${endpoint.label} on loopback`, node: endpoint.node, zone: endpoint.zone,
    ip: '127.0.0.1', mtu: endpoint.mtu,
    exec: (argv, options) => endpoint.exec(argv, options),
    start: (argv) => endpoint.start(argv),
  }
}

/** Bytes for a run of about CEILING_TARGET_MS at the rate the sender already reached. */
export function ceilingBytes(reachedBps: number): number {
  return Math.round((Math.max(CEILING_MIN_REACHED_BPS, reachedBps) / 8) * (CEILING_TARGET_MS / 1000))
}

/** The sender's rate over the intervals after the first (its ramp); null with fewer than two. */
export function steadySenderBps(raw: unknown): number | null {
  const intervals = (raw as { intervals?: Array<{ sum?: { bytes?: unknown; seconds?: unknown } }> } | undefined)?.intervals
  const steady = Array.isArray(intervals) ? intervals.slice(1).map((interval) => interval.sum) : []
  const bytes = steady.reduce((total, sum) => total + (typeof sum?.bytes === 'number' ? sum.bytes : Number.NaN), 0)
  const seconds = steady.reduce((total, sum) => total + (typeof sum?.seconds === 'number' ? sum.seconds : Number.NaN), 0)
  return steady.length && seconds > 0 && Number.isFinite(bytes) ? (bytes * 8) / seconds : null
}

/**
 * How fast this endpoint's iperf3 can send UDP at all: a short flat-out run to its own loopback,
 * with datagrams of the endpoint's MTU, read after its ramp. A point's sender near this rate had
 * no CPU left; one far below it was held back by something else. `reachedBps` is what the sender
 * managed in the point that asks: the ceiling is at least that, so the run lasts at most about
 * CEILING_TARGET_MS (null: a 1 s run). Null when the run fails (no loopback, no iperf3).
 */
export async function measureSenderCeiling(endpoint: Endpoint, reachedBps: number | null, signal?: AbortSignal): Promise<number | null> {
  const local = loopbackOf(endpoint)
  try {
    const bytes = reachedBps !== null && Number.isFinite(reachedBps) && reachedBps > 0 ? ceilingBytes(reachedBps) : undefined
    const probe = { kind: 'udp' as const, bitrateBps: CEILING_OFFER_BPS, durationMs: CEILING_DURATION_MS, bytes, intervalMs: CEILING_INTERVAL_MS }
    const sample = await runIperf3({ client: local, server: local, signal, probe })
    return steadySenderBps(sample.raw) ?? sample.metrics.senderBps
  } catch {
    signal?.throwIfAborted()
    return null
  }
}
