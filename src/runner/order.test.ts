import { describe, expect, test } from 'vitest'
import type { Suite } from '../model.ts'
import { interleavedSlots } from './order.ts'
import { planSuite } from '../plan/plan.ts'
import { describeOrder } from '../results/order.ts'

const suite: Suite = {
  name: 's', file: 's.netbench.yaml',
  cluster: { provider: 'kube', context: null, contexts: {}, podImage: 'x', readyTimeoutMs: 1, deleteTimeoutMs: 1, placements: [] },
  networks: ['calico-3.28', 'calico-3.29'],
  steps: [
    { kind: 'udp', index: 0, bitratesBps: [10e6, 100e6], search: null, durationMs: 1000, omitMs: 0, between: 'zones', repeat: 2 },
    { kind: 'udp', index: 1, bitratesBps: [], search: { fromBps: 1e6, toBps: 1e9, resolution: 0.05, lossBoundPercent: 0.5 }, durationMs: 1000, omitMs: 0, between: 'zones', repeat: 3 },
    { kind: 'tcp', index: 2, streams: [1], reverse: false, bidir: false, durationMs: 1000, omitMs: 0, between: 'zones', repeat: 3 },
  ],
  order: 'interleaved',
  expectations: [],
}

describe('interleaved order', () => {
  test("each point's repeats alternate across networks, step by step; a search is one repeat", () => {
    const slots = interleavedSlots(planSuite(suite)).map((slot) => slot.kind === 'sample' ? `${slot.pointId}#${slot.repeat + 1}/${slot.of}` : slot.policyId)
    expect(slots).toEqual([
      'calico-3.28|0|10000000#1/2', 'calico-3.29|0|10000000#1/2', 'calico-3.28|0|10000000#2/2', 'calico-3.29|0|10000000#2/2',
      'calico-3.28|0|100000000#1/2', 'calico-3.29|0|100000000#1/2', 'calico-3.28|0|100000000#2/2', 'calico-3.29|0|100000000#2/2',
      'calico-3.28|1|max#1/1', 'calico-3.29|1|max#1/1',
      'calico-3.28|2|#1/3', 'calico-3.29|2|#1/3', 'calico-3.28|2|#2/3', 'calico-3.29|2|#2/3', 'calico-3.28|2|#3/3', 'calico-3.29|2|#3/3',
    ])
  })

  test('--network narrows the alternation to the networks selected', () => {
    const slots = interleavedSlots(planSuite(suite, { onlyNetworks: ['calico-3.29'] }))
    expect(new Set(slots.map((slot) => slot.network))).toEqual(new Set(['calico-3.29']))
    expect(slots).toHaveLength(2 + 2 + 1 + 3)
  })

  test('the reports state the order in words', () => {
    expect(describeOrder('interleaved', ['a', 'b'])).toBe('repeats interleaved: a, b, a, b …')
    expect(describeOrder('sequential', ['a', 'b'])).toBe('sequential: a, then b')
    expect(describeOrder(undefined, ['a', 'b'])).toBe('sequential: a, then b')
    expect(describeOrder('interleaved', ['a'])).toBeNull()
  })
})
