/**
 * RFC 2544-style throughput search: the highest offered UDP rate whose loss stays within a bound.
 * Rates span decades, so the search bisects geometrically (the midpoint of 10M and 1G is 100M)
 * and stops when the bracket is narrower than the resolution. A probe whose sender could not
 * reach the offered rate fails too, and the result says the sender, not the network, set the limit.
 *
 * The bisection runs short trials; the rate it finds is then confirmed by one trial of the step's
 * full duration (RFC 2544's search plus verification), stepping down by the resolution while the
 * confirmation fails. Only a confirmed rate is reported.
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
  /** A short bisection trial, or the full-duration confirmation of the rate found. */
  phase: ProbePhase
  durationMs: number
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

export type ProbePhase = 'trial' | 'confirm'

/** How the search probes: trial and confirmation lengths, and whether failures' received rates guide it. */
export interface SearchDurations {
  trialMs: number
  fullMs: number
  /** Aim the next trial at what the last failing probe received (false: plain bisection, the search before trials). */
  guided: boolean
}

/** Trials this long find a rate to within 5% on a shaped link; RFC 2544 leaves the trial length open. */
export const SEARCH_TRIAL_MS = 2000

/**
 * `trials`: guided short trials and a confirmation (a step no longer than a trial runs every probe
 * at its full length and confirms nothing); `full-length`: every probe at the step's full length,
 * plain bisection — the search before trials, kept as the benchmark's baseline.
 */
export type SearchStrategy = 'trials' | 'full-length'

export function searchDurations(fullMs: number, strategy: SearchStrategy = 'trials'): SearchDurations {
  return strategy === 'trials' ? { trialMs: Math.min(SEARCH_TRIAL_MS, fullMs), fullMs, guided: true } : { trialMs: fullMs, fullMs, guided: false }
}

function judge(outcome: ProbeOutcome, search: MaxRateSearch): Omit<SearchProbe, 'phase' | 'durationMs'> {
  if (outcome.senderBps !== null && outcome.senderBps < outcome.offeredBps * SENDER_REACH) return { ...outcome, passed: false, reason: 'sender' }
  if (outcome.lossPercent === null || outcome.lossPercent > search.lossBoundPercent) return { ...outcome, passed: false, reason: 'loss' }
  return { ...outcome, passed: true, reason: null }
}

/** Probes `measure` at chosen rates until the bracket is within the resolution, then confirms the rate found. */
export async function searchMaxRate(
  search: MaxRateSearch,
  measure: (offeredBps: number, durationMs: number) => Promise<ProbeOutcome>,
  durations: SearchDurations,
): Promise<SearchResult> {
  const probes: SearchProbe[] = []
  const confirming = durations.trialMs < durations.fullMs
  const probe = async (rate: number, phase: ProbePhase) => {
    const durationMs = phase === 'trial' ? durations.trialMs : durations.fullMs
    const outcome = { ...judge(await measure(Math.round(rate), durationMs), search), phase, durationMs }
    probes.push(outcome)
    return outcome
  }
  // The limit is set by the lowest rate that failed: whoever made that probe fail set it.
  const finish = (maxRateBps: number | null, reachedUpperBound: boolean): SearchResult => {
    const lowestFailure = probes.filter((p) => !p.passed).sort((a, b) => a.offeredBps - b.offeredBps)[0]
    return { maxRateBps, reachedUpperBound, senderLimited: lowestFailure?.reason === 'sender', probes }
  }
  if (!(await probe(search.fromBps, 'trial')).passed) return finish(null, false)
  const top = await probe(search.toBps, 'trial')
  const candidate = top.passed ? search.toBps : await narrow(search, top, (rate) => probe(rate, 'trial'), durations.guided)
  if (!confirming) return finish(Math.round(candidate), candidate === search.toBps)
  const confirm = (rate: number) => probe(rate, 'confirm')
  let rate = candidate
  for (let stepDown = 0; stepDown <= MAX_STEP_DOWNS; stepDown++) {
    const confirmation = await confirm(rate)
    if (confirmation.passed) return finish(Math.round(rate), rate === search.toBps)
    if (rate === search.fromBps) return finish(null, false)
    // Step down by the resolution, or straight to what the failed confirmation carried if that is lower.
    if (stepDown < MAX_STEP_DOWNS) rate = Math.max(Math.min(rate / (1 + search.resolution), carried(confirmation) ?? Infinity), search.fromBps)
  }
  // The trials misjudged the path by more than a few steps: search below the failure at full length.
  const low = await narrow({ ...search, toBps: rate }, null, confirm, false)
  if (low !== search.fromBps || (await confirm(low)).passed) return finish(Math.round(low), false)
  return finish(null, false)
}

/** Failed confirmations stepped down before the search falls back to full-length bisection. */
const MAX_STEP_DOWNS = 3

/** What a failing probe got through the path: the received rate (never above what was sent). */
function carried(probe: SearchProbe): number | null {
  return probe.receivedBps ?? probe.senderBps
}

/** A failed guess whose loss is within this many times the bound sat just above the limit. */
const NEAR_MISS = 10

/**
 * Narrows the bracket (from passed, to failed) to the resolution; returns the highest rate that
 * passed. Guided: a capacity-limited path tops out at what its failing probes carried, so the next
 * trial goes there when that lies well inside the bracket. A guess that passes is followed by one
 * trial a step above it, and a guess that only just failed (a queue's burst lets a short trial
 * carry a little more than the path sustains) by one a step below it: either closes the bracket.
 * Otherwise — and after a guess that failed by far, as on a lossy path that carries nearly what
 * it is offered — it bisects geometrically (the midpoint of 10M and 1G is 100M).
 */
async function narrow(search: MaxRateSearch, failed: SearchProbe | null, probe: (rate: number) => Promise<SearchProbe>, guided: boolean): Promise<number> {
  const step = 1 + search.resolution
  let low = search.fromBps
  let high = search.toBps
  let next: 'guess' | 'above' | 'below' | 'middle' = guided ? 'guess' : 'middle'
  while (high / low > step) {
    const guess = failed && guided ? carried(failed) : null
    const usable = guess !== null && guess > low * Math.sqrt(step) && guess < high / step ** 2
    const rate: number = next === 'above' ? low * step : next === 'below' ? high / step : next === 'guess' && usable ? guess : Math.sqrt(low * high)
    const outcome = await probe(rate)
    if (outcome.passed) low = rate
    else [high, failed] = [rate, outcome]
    next = guided ? afterProbe(outcome, next === 'guess' && usable, search) : 'middle'
  }
  return low
}

/** Guided narrowing's next move, from how the last trial went and whether it was a guess. */
function afterProbe(outcome: SearchProbe, wasGuess: boolean, search: MaxRateSearch): 'guess' | 'above' | 'below' | 'middle' {
  if (outcome.passed) return wasGuess ? 'above' : 'guess'
  if (!wasGuess) return 'guess'
  const nearMiss = outcome.reason === 'loss' && outcome.lossPercent !== null && outcome.lossPercent <= NEAR_MISS * search.lossBoundPercent
  return nearMiss ? 'below' : 'middle'
}

/** How many probes a fixed sweep needs to locate the limit to the same resolution. */
export function sweepProbeCount(search: MaxRateSearch): number {
  return Math.ceil(Math.log(search.toBps / search.fromBps) / Math.log(1 + search.resolution)) + 1
}

/** Trials a search will take: the two bounds, then one per halving of the bracket. */
export function searchProbeEstimate(search: MaxRateSearch): number {
  return 2 + Math.ceil(Math.log2(Math.log(search.toBps / search.fromBps) / Math.log(1 + search.resolution)))
}

/** Time a search's probes will take, assuming the first confirmation holds. */
export function searchDurationEstimateMs(search: MaxRateSearch, durations: SearchDurations, perProbeOverheadMs: number): number {
  const trials = searchProbeEstimate(search) * (durations.trialMs + perProbeOverheadMs)
  return durations.trialMs < durations.fullMs ? trials + durations.fullMs + perProbeOverheadMs : trials
}
