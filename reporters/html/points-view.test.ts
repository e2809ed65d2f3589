import { describe, expect, it } from 'vitest'
import { handPoint } from '../../test/hand-result.ts'
import { limitedBy } from '../../src/results/attribution.ts'
import { limitPills, pointRow } from './points-view.ts'

describe('a UDP point the link held back (issue 10)', () => {
  // 450M uplink offered 1G: the shaper throttled, the sender stayed at the link rate, nothing dropped.
  const point = handPoint('host', 'udp 1000M', { senderBps: [438e6], throughputBps: [438e6], lossPercent: [0], lossNetworkPercent: [0], lossReceiverPercent: [0] })
  point.samples[0]!.shaper = { packets: 111_480, drops: 0, overlimits: 258_505 }
  point.senderCeilingBps = 999e6
  point.limitedBy = limitedBy(point)

  it('is marked as held by the link, not as sender-limited or sender short', () => {
    expect(limitPills(point).map((pill) => pill.text)).toEqual(['▼ held by the link'])
    expect(pointRow(point, undefined).senderLimited).toBe(false)
  })

  it('says in words what the sender managed and why', () => {
    expect(pointRow(point, undefined).note).toBe('the link\'s shaper held the sender to 438.0 Mbit/s of the 1.00 Gbit/s offered (its ceiling on loopback: 999.0 Mbit/s): the path pushed back instead of dropping')
  })
})
