import { describe, expect, it } from 'vitest'
import { ceilingBytes, CEILING_TARGET_MS, steadySenderBps } from './ceiling.ts'

const interval = (bytes: number, seconds: number) => ({ sum: { bytes, seconds } })

describe('sender ceiling', () => {
  it('reads the rate after the first interval: the ramp is left out', () => {
    // 100 ms at 1.6 Gbit/s, then 100 ms and a 50 ms remainder at 2.4 Gbit/s.
    const raw = { intervals: [interval(20e6, 0.1), interval(30e6, 0.1), interval(15e6, 0.05)] }
    expect(steadySenderBps(raw)).toBeCloseTo(2.4e9, -6)
  })

  it('has no steady rate with one interval or none, or with a malformed one', () => {
    expect(steadySenderBps({ intervals: [interval(20e6, 0.1)] })).toBeNull()
    expect(steadySenderBps({})).toBeNull()
    expect(steadySenderBps(undefined)).toBeNull()
    expect(steadySenderBps({ intervals: [interval(1, 0.1), { sum: { bytes: 'x', seconds: 0.1 } }] })).toBeNull()
  })

  it('sizes the run from the rate reached, never below what 2 Gbit/s sends in the target time', () => {
    expect(ceilingBytes(4e9)).toBe(Math.round((4e9 / 8) * CEILING_TARGET_MS / 1000))
    expect(ceilingBytes(1e6)).toBe(ceilingBytes(2e9))
  })
})
