/**
 * RFC 2544-style throughput search: the highest offered UDP rate whose loss stays within a bound.
 * Rates span decades, so the search bisects geometrically (the midpoint of 10M and 1G is 100M)
 * and stops when the bracket is narrower than the resolution. A probe whose sender could not
 * reach the offered rate fails too, and the result says the sender, not the network, set the limit.
 */

export interface MaxRateSearch {
  fromBps: number
  toBps: number
  /** Stop when high/low < 1 + resolution (0.05 = 5%). */
  resolution: number
  lossBoundPercent: number
}

export interface ProbeOutcome {
  offeredBps: number
  senderBps: number | null
  receivedBps: number | null
  lossPercent: number | null
}

export interface SearchProbe extends ProbeOutcome {
  passed: boolean
  /** Why it failed: loss over the bound, or the sender below the offered rate. */
  reason: 'loss' | 'sender' | null
}

export interface SearchResult {
  /** Highest passing rate; null when even `from` failed. */
  maxRateBps: number | null
  /** `to` passed: the real limit is higher than the search looked. */
  reachedUpperBound: boolean
  /** The sender set the limit: the lowest failing probe failed because its sender fell short. */
  senderLimited: boolean
  probes: SearchProbe[]
}

export const SENDER_REACH = 0.95

function judge(outcome: ProbeOutcome, search: MaxRateSearch): SearchProbe {
  if (outcome.senderBps !== null && outcome.senderBps < outcome.offeredBps * SENDER_REACH) return { ...outcome, passed: false, reason: 'sender' }
  if (outcome.lossPercent === null || outcome.lossPercent > search.lossBoundPercent) return { ...outcome, passed: false, reason: 'loss' }
  return { ...outcome, passed: true, reason: null }
}

/** Probes `measure` at chosen rates until the bracket is within the resolution. */
export async function searchMaxRate(search: MaxRateSearch, measure: (offeredBps: number) => Promise<ProbeOutcome>): Promise<SearchResult> {
  const probes: SearchProbe[] = []
  const probe = async (rate: number) => {
    const outcome = judge(await measure(Math.round(rate)), search)
    probes.push(outcome)
    return outcome
  }
  // The limit is set by the lowest rate that failed: whoever made that probe fail set it.
  const finish = (maxRateBps: number | null, reachedUpperBound: boolean): SearchResult => {
    const lowestFailure = probes.filter((p) => !p.passed).sort((a, b) => a.offeredBps - b.offeredBps)[0]
    return { maxRateBps, reachedUpperBound, senderLimited: lowestFailure?.reason === 'sender', probes }
  }
  if (!(await probe(search.fromBps)).passed) return finish(null, false)
  if ((await probe(search.toBps)).passed) return finish(search.toBps, true)
  let low = search.fromBps
  let high = search.toBps
  while (high / low > 1 + search.resolution) {
    const middle = Math.sqrt(low * high)
    if ((await probe(middle)).passed) low = middle
    else high = middle
  }
  return finish(Math.round(low), false)
}

/** How many probes a fixed sweep needs to locate the limit to the same resolution. */
export function sweepProbeCount(search: MaxRateSearch): number {
  return Math.ceil(Math.log(search.toBps / search.fromBps) / Math.log(1 + search.resolution)) + 1
}

/** Probes a search will take: the two bounds, then one per halving of the bracket. */
export function searchProbeEstimate(search: MaxRateSearch): number {
  return 2 + Math.ceil(Math.log2(Math.log(search.toBps / search.fromBps) / Math.log(1 + search.resolution)))
}
