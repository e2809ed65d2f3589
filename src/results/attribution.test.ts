import { describe, expect, it } from 'vitest'
import { handPoint } from '../../test/hand-result.ts'
import { limitedBy, limitNote, pathPushedBack } from './attribution.ts'
import type { PointResult } from './types.ts'

// Figures from issue 10's measurements on a 2-node lab: a 450M uplink offered 1G.
function offered1G(senderBps: number, lossPercent: number, shaper: { packets: number; drops: number; overlimits: number } | null, senderCeilingBps?: number): PointResult {
  const point = handPoint('host', 'udp 1000M', { senderBps: [senderBps], throughputBps: [senderBps * (1 - lossPercent / 100)], lossPercent: [lossPercent], lossNetworkPercent: [lossPercent], lossReceiverPercent: [0] })
  point.samples[0]!.shaper = shaper
  if (senderCeilingBps !== undefined) point.senderCeilingBps = senderCeilingBps
  point.limitedBy = limitedBy(point)
  return point
}

describe('telling the path pushing back from a sender short of CPU', () => {
  it('a sender held to the link by a throttling shaper, well below its own ceiling, is the link\'s', () => {
    const point = offered1G(438e6, 0, { packets: 111_480, drops: 0, overlimits: 258_505 }, 999e6)
    expect(pathPushedBack(point)).toBe(true)
    expect(limitedBy(point)).toBe('link')
    expect(limitNote(point)).toBe('the link\'s shaper held the sender to 438.0 Mbit/s of the 1.00 Gbit/s offered (its ceiling on loopback: 999.0 Mbit/s): the path pushed back instead of dropping')
  })

  it('a sender at its own ceiling is sender-limited even behind a throttling shaper', () => {
    const point = offered1G(438e6, 0, { packets: 111_480, drops: 0, overlimits: 258_505 }, 460e6)
    expect(limitedBy(point)).toBe('sender')
    expect(limitNote(point)).toMatch(/^this host could offer only 438.0 Mbit\/s of 1.00 Gbit\/s \(its ceiling on loopback: 460.0 Mbit\/s\)/)
  })

  it('a shaper that hardly waited for tokens did not hold the sender back', () => {
    expect(limitedBy(offered1G(438e6, 0, { packets: 111_480, drops: 0, overlimits: 2_000 }, 999e6))).toBe('sender')
  })

  it('without shaper counters (unshaped, kube) a short sender stays sender-limited', () => {
    expect(limitedBy(offered1G(438e6, 0, null, 999e6))).toBe('sender')
  })

  it('a short sender whose excess the shaper dropped is network loss, and the note says what was offered', () => {
    const point = offered1G(540e6, 45.9, { packets: 96_000, drops: 44_000, overlimits: 150_000 }, 999e6)
    expect(limitedBy(point)).toBe('network')
    expect(limitNote(point)).toMatch(/could offer only 540.0 Mbit\/s of 1.00 Gbit\/s/)
  })

  it('a point that offered its rate needs no note', () => {
    expect(limitNote(offered1G(1e9, 55, { packets: 170_000, drops: 93_000, overlimits: 300_000 }))).toBeNull()
  })
})
