import type { PointResult } from './types.ts'

/** Sender below this share of the offered rate: the probe, not the network, set the limit. */
export const SENDER_LIMITED_RATIO = 0.95

/**
 * A UDP point whose sender could not reach the offered rate. Its shortfall is the sending host's,
 * so reports mark it instead of reading the gap between offered and received as network loss.
 */
export function isSenderLimited(point: PointResult): boolean {
  return point.step === 'udp' && point.bitrate !== null && point.metrics.senderBps !== null && point.metrics.senderBps < point.bitrate * SENDER_LIMITED_RATIO
}
