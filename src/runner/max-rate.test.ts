import { describe, expect, test } from 'vitest'
import { searchMaxRate, sweepProbeCount, type MaxRateSearch, type ProbeOutcome } from './max-rate.ts'

// A model link: everything above `capacity` is dropped, and the sender tops out at `senderMax`.
// (The real lab is exercised in max-rate.lab.test.ts; this checks the search logic exactly.)
function link(capacity: number, senderMax = Infinity) {
  return async (offered: number): Promise<ProbeOutcome> => {
    const sent = Math.min(offered, senderMax)
    const received = Math.min(sent, capacity)
    return { offeredBps: offered, senderBps: sent, receivedBps: received, lossPercent: ((sent - received) / sent) * 100 }
  }
}

const search: MaxRateSearch = { fromBps: 10e6, toBps: 5e9, resolution: 0.05, lossBoundPercent: 0.5 }

describe('max-rate search', () => {
  test('converges to within the resolution of the link capacity', async () => {
    const result = await searchMaxRate(search, link(450e6))
    expect(result.maxRateBps).not.toBeNull()
    // 0.5% loss is allowed, so the true limit is capacity / (1 - 0.005).
    const limit = 450e6 / (1 - 0.005)
    expect(result.maxRateBps!).toBeLessThanOrEqual(limit)
    expect(result.maxRateBps!).toBeGreaterThan(limit / 1.05)
    expect(result.senderLimited).toBe(false)
  })

  test('needs far fewer probes than a sweep of equal resolution', async () => {
    const result = await searchMaxRate(search, link(450e6))
    expect(sweepProbeCount(search)) .toBe(129)
    expect(result.probes.length).toBeLessThanOrEqual(10)
  })

  test('a sender slower than the link is named as the limit', async () => {
    const result = await searchMaxRate(search, link(2e9, 430e6))
    expect(result.senderLimited).toBe(true)
    expect(result.maxRateBps!).toBeLessThanOrEqual(430e6 / 0.95)
    expect(result.maxRateBps!).toBeGreaterThan(430e6 / 0.95 / 1.05)
  })

  test('a link above the upper bound, and one below the lower bound', async () => {
    expect(await searchMaxRate(search, link(10e9))).toMatchObject({ maxRateBps: 5e9, reachedUpperBound: true })
    const none = await searchMaxRate(search, link(1e6))
    expect(none.maxRateBps).toBeNull()
    expect(none.probes).toHaveLength(1)
  })
})
