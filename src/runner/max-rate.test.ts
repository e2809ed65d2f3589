import { describe, expect, test } from 'vitest'
import { searchDurations, searchMaxRate, searchProbeEstimate, sweepProbeCount, type MaxRateSearch, type ProbeOutcome } from './max-rate.ts'

// A model link: everything above `capacity` is dropped once a queue of `queueBits` has filled, and
// the sender tops out at `senderMax`. A queue hides excess in short trials, as a shaper's does.
// (The real lab is exercised in the measure lab tests; this checks the search logic exactly.)
function link(capacity: number, senderMax = Infinity, queueBits = 0) {
  return async (offered: number, durationMs: number): Promise<ProbeOutcome> => {
    const sent = Math.min(offered, senderMax)
    const seconds = durationMs / 1000
    const dropped = Math.max(0, (sent - capacity) * seconds - queueBits)
    return { offeredBps: offered, senderBps: sent, receivedBps: sent - dropped / seconds, lossPercent: (dropped / (sent * seconds)) * 100 }
  }
}

const search: MaxRateSearch = { fromBps: 10e6, toBps: 5e9, resolution: 0.05, lossBoundPercent: 0.5 }
const fullLength = searchDurations(10_000, 'full-length')
const shortTrials = searchDurations(10_000)

describe('max-rate search', () => {
  test('converges to within the resolution of the link capacity', async () => {
    const result = await searchMaxRate(search, link(450e6), fullLength)
    expect(result.maxRateBps).not.toBeNull()
    // 0.5% loss is allowed, so the true limit is capacity / (1 - 0.005).
    const limit = 450e6 / (1 - 0.005)
    expect(result.maxRateBps!).toBeLessThanOrEqual(limit)
    expect(result.maxRateBps!).toBeGreaterThan(limit / 1.05)
    expect(result.senderLimited).toBe(false)
  })

  test('needs far fewer probes than a sweep of equal resolution', async () => {
    const result = await searchMaxRate(search, link(450e6), fullLength)
    expect(sweepProbeCount(search)) .toBe(129)
    expect(result.probes.length).toBeLessThanOrEqual(10)
  })

  test('a sender slower than the link is named as the limit', async () => {
    const result = await searchMaxRate(search, link(2e9, 430e6), fullLength)
    expect(result.senderLimited).toBe(true)
    expect(result.maxRateBps!).toBeLessThanOrEqual(430e6 / 0.95)
    expect(result.maxRateBps!).toBeGreaterThan(430e6 / 0.95 / 1.05)
  })

  test('a link above the upper bound, and one below the lower bound', async () => {
    expect(await searchMaxRate(search, link(10e9), fullLength)).toMatchObject({ maxRateBps: 5e9, reachedUpperBound: true })
    const none = await searchMaxRate(search, link(1e6), fullLength)
    expect(none.maxRateBps).toBeNull()
    expect(none.probes).toHaveLength(1)
  })

  test('short trials bisect, and one full-length probe confirms the rate found', async () => {
    const result = await searchMaxRate(search, link(450e6), shortTrials)
    const trials = result.probes.filter((probe) => probe.phase === 'trial')
    expect(trials.every((probe) => probe.durationMs === 2000)).toBe(true)
    expect(result.probes.filter((probe) => probe.phase === 'confirm')).toEqual([expect.objectContaining({ durationMs: 10_000, passed: true, offeredBps: result.maxRateBps })])
    expect(result.probes.at(-1)!.phase).toBe('confirm')
    const limit = 450e6 / (1 - 0.005)
    expect(result.maxRateBps!).toBeLessThanOrEqual(limit)
    expect(result.maxRateBps!).toBeGreaterThan(limit / 1.05)
  })

  test('a confirmation that fails steps down, by the resolution or to what it carried, until one holds', async () => {
    // A 40 Mbit queue hides 4% excess over a 2 s trial at 500M but not over 10 s.
    const result = await searchMaxRate(search, link(500e6, Infinity, 40e6), shortTrials)
    const confirmations = result.probes.filter((probe) => probe.phase === 'confirm')
    expect(confirmations.length).toBeGreaterThan(1)
    expect(confirmations.slice(0, -1).every((probe) => !probe.passed)).toBe(true)
    expect(confirmations.at(-1)).toMatchObject({ passed: true, offeredBps: result.maxRateBps })
    for (let index = 1; index < confirmations.length; index++) {
      expect(confirmations[index]!.offeredBps).toBeLessThanOrEqual(confirmations[index - 1]!.offeredBps / 1.05 + 1)
    }
    // What the full-length search finds, within its resolution.
    const fullResult = await searchMaxRate(search, link(500e6, Infinity, 40e6), fullLength)
    expect(result.maxRateBps! / fullResult.maxRateBps!).toBeGreaterThan(1 / 1.05)
    expect(result.maxRateBps! / fullResult.maxRateBps!).toBeLessThan(1.05)
  })

  test('trials that misjudge the path by more than a few steps fall back to full-length bisection', async () => {
    // Every 2 s trial passes; at full length the path loses 2% of everything above 300M, so a
    // failing probe still carries nearly what was offered and gives no guess.
    const lossyAbove = (limit: number) => async (offered: number, durationMs: number): Promise<ProbeOutcome> => {
      const lossPercent = durationMs > 2000 && offered > limit ? 2 : 0
      return { offeredBps: offered, senderBps: offered, receivedBps: offered * (1 - lossPercent / 100), lossPercent }
    }
    const result = await searchMaxRate(search, lossyAbove(300e6), shortTrials)
    const confirmations = result.probes.filter((probe) => probe.phase === 'confirm')
    expect(confirmations.length).toBeGreaterThan(4)
    expect(result.reachedUpperBound).toBe(false)
    expect(result.maxRateBps!).toBeLessThanOrEqual(300e6)
    expect(result.maxRateBps!).toBeGreaterThan(300e6 / 1.05)
  })

  test('guided trials aim at what an overloaded link carried, and close the bracket in a few probes', async () => {
    const guided = await searchMaxRate(search, link(300e6), shortTrials)
    const bisected = await searchMaxRate(search, link(300e6), searchDurations(10_000, 'full-length'))
    expect(guided.probes.filter((probe) => probe.phase === 'trial').length).toBeLessThanOrEqual(5)
    expect(bisected.probes.length).toBeGreaterThanOrEqual(9)
    expect(guided.maxRateBps! / bisected.maxRateBps!).toBeGreaterThan(1 / 1.05)
    expect(guided.maxRateBps! / bisected.maxRateBps!).toBeLessThan(1.05)
  })

  test('a guess that only just fails (a burst carried in a short trial) is closed by one trial a step below', async () => {
    // A 4 Mbit queue on a 50M link: an overloaded 2 s trial carries 52M, and 52M itself loses ~1.5%.
    const bursty = async (offered: number, durationMs: number): Promise<ProbeOutcome> => {
      const seconds = durationMs / 1000
      const carriedBps = Math.min(offered, 50e6 + 4e6 / seconds * (offered > 60e6 ? 1 : 0.6))
      return { offeredBps: offered, senderBps: offered, receivedBps: carriedBps, lossPercent: (1 - carriedBps / offered) * 100 }
    }
    const result = await searchMaxRate({ ...search, toBps: 10e9 }, bursty, shortTrials)
    const trials = result.probes.filter((probe) => probe.phase === 'trial')
    expect(trials.length).toBeLessThanOrEqual(4)
    expect(trials.at(-1)!.offeredBps).toBeCloseTo(trials.at(-2)!.offeredBps / 1.05, -3)
  })

  test('on a path that loses a share of everything, guesses never take more than twice the bisection', async () => {
    const lossy = async (offered: number): Promise<ProbeOutcome> => {
      const lossPercent = offered > 300e6 ? 15 : 0
      return { offeredBps: offered, senderBps: offered, receivedBps: offered * (1 - lossPercent / 100), lossPercent }
    }
    const result = await searchMaxRate(search, lossy, shortTrials)
    expect(result.probes.filter((probe) => probe.phase === 'trial').length).toBeLessThanOrEqual(2 * searchProbeEstimate(search))
    expect(result.maxRateBps!).toBeGreaterThan(300e6 / 1.05)
  })

  test('a step no longer than a trial runs every probe at full length and confirms nothing', async () => {
    const result = await searchMaxRate(search, link(450e6), searchDurations(1500))
    expect(result.probes.every((probe) => probe.phase === 'trial' && probe.durationMs === 1500)).toBe(true)
  })
})
