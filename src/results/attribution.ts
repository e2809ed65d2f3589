import type { Metrics } from './metrics.ts'
import type { PointResult } from './types.ts'

/** Sender below this share of the offered rate: the probe, not the network, set the limit. */
export const SENDER_LIMITED_RATIO = 0.95
/** Loss below this is noise, not a limit worth naming. */
export const SIGNIFICANT_LOSS_PERCENT = 0.1
/** Loss from this on means the path saturated: more offered load would not arrive either. */
export const SATURATED_LOSS_PERCENT = 1

/** What held a UDP point back: the sending host, the receiving socket, or the network. */
export type LimitedBy = 'sender' | 'receiver' | 'network'

/**
 * A UDP point whose sender could not reach the offered rate. Its shortfall is the sending host's,
 * so reports mark it instead of reading the gap between offered and received as network loss.
 */
export function isSenderLimited(point: PointResult): boolean {
  return point.step === 'udp' && point.bitrate !== null && point.metrics.senderBps !== null && point.metrics.senderBps < point.bitrate * SENDER_LIMITED_RATIO
}

/**
 * Splits a UDP sample's loss into what the receiver's socket dropped (its buffer overran: the
 * kernel counted RcvbufErrors in the receiver's namespace) and what the network dropped (the rest).
 */
export function attributeLoss(metrics: Metrics, packets: number | undefined, receiverDrops: number | undefined): void {
  if (metrics.lossPercent === null || !packets) return
  const receiver = receiverDrops === undefined ? null : Math.min(metrics.lossPercent, (Math.max(0, receiverDrops) / packets) * 100)
  metrics.lossReceiverPercent = receiver
  metrics.lossNetworkPercent = receiver === null ? null : Math.max(0, metrics.lossPercent - receiver)
}

/**
 * The class every UDP point is labelled with in reports: the narrowest place on the path. A sender
 * below the offered rate whose traffic still (nearly) all arrived was the limit itself; otherwise
 * loss means something after the sender dropped traffic — the receiver's socket or the network,
 * as the counters split it. Null when the offered rate arrived.
 */
export function limitedBy(point: PointResult): LimitedBy | null {
  if (point.step !== 'udp' || point.status !== 'ok') return null
  // A search found where loss begins: the network's limit, unless the sender ran out first.
  if (point.search) return point.search.senderLimited ? 'sender' : point.search.reachedUpperBound ? null : 'network'
  const { lossPercent, lossReceiverPercent, lossNetworkPercent } = point.metrics
  if (isSenderLimited(point) && (lossPercent ?? 0) < SATURATED_LOSS_PERCENT) return 'sender'
  if (lossPercent !== null && lossPercent >= SIGNIFICANT_LOSS_PERCENT) {
    return lossReceiverPercent !== null && lossNetworkPercent !== null && lossReceiverPercent >= lossNetworkPercent ? 'receiver' : 'network'
  }
  return null
}
