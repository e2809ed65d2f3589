import type { Endpoint } from '../../endpoint.ts'
import { runIperf3 } from './run.ts'

/** Far above what any host sends on loopback, so the sender runs flat out. */
const CEILING_OFFER_BPS = 40e9
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

/**
 * How fast this endpoint's iperf3 can send UDP at all: a short flat-out run to its own loopback,
 * with datagrams of the endpoint's MTU. A point's sender near this rate had no CPU left; one far
 * below it was held back by something else. Null when the run fails (no loopback, no iperf3).
 */
export async function measureSenderCeiling(endpoint: Endpoint, signal?: AbortSignal): Promise<number | null> {
  const local = loopbackOf(endpoint)
  try {
    const sample = await runIperf3({ client: local, server: local, signal, probe: { kind: 'udp', bitrateBps: CEILING_OFFER_BPS, durationMs: CEILING_DURATION_MS } })
    return sample.metrics.senderBps
  } catch {
    signal?.throwIfAborted()
    return null
  }
}
