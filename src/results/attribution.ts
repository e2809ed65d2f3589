import type { Metrics, ShaperCounters } from './metrics.ts'
import { formatRate } from '../units.ts'
import type { LimitedBy, PointResult } from './types.ts'
import { offeredBps } from './pairs.ts'

/** Sender below this share of the offered rate: the probe, not the network, set the limit. */
export const SENDER_LIMITED_RATIO = 0.95
/** Loss below this is noise, not a limit worth naming. */
export const SIGNIFICANT_LOSS_PERCENT = 0.1
/** Loss from this on means the path saturated: more offered load would not arrive either. */
export const SATURATED_LOSS_PERCENT = 1

/** The shaper waited for tokens on at least this share of the packets it sent: it was holding the rate. */
export const SHAPER_BUSY_RATIO = 0.1
/** A sender at this share of its own ceiling (measured on loopback) had nothing left to give. */
export const AT_CEILING_RATIO = 0.9

/**
 * A UDP point whose sender could not reach the offered rate. Its shortfall is the sending host's,
 * so reports mark it instead of reading the gap between offered and received as network loss.
 */
export function isSenderLimited(point: PointResult): boolean {
  const offered = offeredBps(point)
  return point.step === 'udp' && offered !== null && point.metrics.senderBps !== null && point.metrics.senderBps < offered * SENDER_LIMITED_RATIO
}

/** The shaper counters of a point, summed over its samples; null where none were read. */
export function shaperTotals(point: PointResult): ShaperCounters | null {
  const read = point.samples.map((sample) => sample.shaper).filter((shaper) => shaper != null)
  if (!read.length) return null
  return read.reduce((total, shaper) => ({ packets: total.packets + shaper.packets, drops: total.drops + shaper.drops, overlimits: total.overlimits + shaper.overlimits }))
}

/**
 * A sender short of the offered rate whose path pushed back: the shaper between the ends was
 * throttling (it waited for tokens on many of the packets it sent) while the sender stayed below
 * its own ceiling. The shortfall is the path's, not the sending host's — in the local lab the
 * forwarding and the shaper's timed releases run on the sender's CPU, so a throttling shaper
 * slows the sender down to the link rate.
 */
export function pathPushedBack(point: PointResult): boolean {
  const shaper = shaperTotals(point)
  if (!shaper || !isSenderLimited(point) || shaper.overlimits < shaper.packets * SHAPER_BUSY_RATIO) return false
  const ceiling = point.senderCeilingBps
  // With pairs, each client sends on its own node: compare one pair's share with a node's ceiling.
  return ceiling == null || point.metrics.senderBps! / (point.pairs ?? 1) < ceiling * AT_CEILING_RATIO
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
 * below the offered rate whose traffic still (nearly) all arrived was the limit itself, unless the
 * path pushed back on it (`pathPushedBack`); otherwise
 * loss means something after the sender dropped traffic — the receiver's socket or the network,
 * as the counters split it. Null when the offered rate arrived.
 */
export function limitedBy(point: PointResult): LimitedBy | null {
  if (point.step !== 'udp' || point.status !== 'ok') return null
  // A search found where loss begins: the network's limit, unless the sender ran out first.
  if (point.search) return point.search.senderLimited ? 'sender' : point.search.reachedUpperBound ? null : 'network'
  const { lossPercent, lossReceiverPercent, lossNetworkPercent } = point.metrics
  if (isSenderLimited(point) && (lossPercent ?? 0) < SATURATED_LOSS_PERCENT) return pathPushedBack(point) ? 'link' : 'sender'
  if (lossPercent !== null && lossPercent >= SIGNIFICANT_LOSS_PERCENT) {
    return lossReceiverPercent !== null && lossNetworkPercent !== null && lossReceiverPercent >= lossNetworkPercent ? 'receiver' : 'network'
  }
  return null
}

/**
 * Words for a point whose offered rate was not what the network saw: what the sender managed, and
 * whether that was the host's limit or the path's. Null where the offered rate was offered.
 */
export function limitNote(point: PointResult): string | null {
  if (point.step !== 'udp' || point.status !== 'ok' || point.search || !isSenderLimited(point)) return null
  const sent = formatRate(point.metrics.senderBps)
  const offered = formatRate(offeredBps(point))
  const ceiling = point.senderCeilingBps ? ` (its ceiling on loopback: ${formatRate(point.senderCeilingBps)})` : ''
  if (point.limitedBy === 'link') return `the link's shaper held the sender to ${sent} of the ${offered} offered${ceiling}: the path pushed back instead of dropping`
  return `this host could offer only ${sent} of ${offered}${ceiling}: the rate above that was not tested`
}
