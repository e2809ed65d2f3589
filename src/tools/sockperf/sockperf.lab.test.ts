import { describe, expect, test } from 'vitest'
import { runSockperf } from './sockperf.ts'
import { createNetnsPair } from '../iperf3/netns-endpoint.testkit.ts'

describe('sockperf between two real namespaces', () => {
  // TCP runs in the runner's lab test and through the kube stand-in; UDP here (on a shaped link in the runner's).
  test('UDP round trips; the server is gone afterwards', async () => {
    const pair = await createNetnsPair()
    try {
      const result = await runSockperf({ client: pair.a, server: pair.b, probe: { protocol: 'udp', durationMs: 1000 } })
      expect(result.transactions).toBeGreaterThan(100)
      expect(result.rttMs.p50).toBeGreaterThan(0)
      expect(result.rttMs.p99).toBeLessThan(100)
      expect(result.transactionsPerSecond).toBeGreaterThan(100)
      for (const pid of pair.pids) expect(() => process.kill(pid, 0)).toThrow()
    } finally {
      await pair.dispose()
    }
  })
})
