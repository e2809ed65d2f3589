import { describe, expect, test } from 'vitest'
import { parseExpectation } from '../expect/parse.ts'
import type { Suite } from '../model.ts'
import { planSuite } from './plan.ts'
import type { NetbenchError } from '../errors.ts'

function suite(expect: string[], overrides: Partial<Suite> = {}): Suite {
  return {
    name: 's', file: 's.netbench.yaml',
    cluster: { provider: 'local', nodes: 3, zones: 3, instance: null, bandwidthBps: null } as Suite['cluster'],
    networks: ['host', 'flannel'],
    steps: [
      { kind: 'udp', index: 0, bitratesBps: [1e6, 100e6], search: null, durationMs: 1000, omitMs: 0, between: 'zones', repeat: 3 },
      { kind: 'tcp', index: 1, streams: [1], reverse: false, bidir: false, durationMs: 1000, omitMs: 0, between: 'zones', repeat: 1 },
    ],
    expectations: expect.map((text) => parseExpectation(text)),
    ...overrides,
  }
}

describe('planSuite', () => {
  test('expands networks × steps × rates into points, in suite order', () => {
    const plan = planSuite(suite([]))
    expect(plan.networks.map((n) => n.name)).toEqual(['host', 'flannel'])
    expect(plan.networks[0]!.points.map((p) => [p.label, p.bitrateBps, p.repeat])).toEqual([
      ['udp 1M', 1e6, 3], ['udp 100M', 100e6, 3], ['tcp', null, 1],
    ])
  })

  test('one check per expectation and matching point; `all` expands to every network', () => {
    const plan = planSuite(suite(['all at 100M loss < 5%', 'host tcp throughput >= 1M']))
    expect(plan.checks.map((c) => c.name)).toEqual([
      'host › udp 100M › loss < 5%', 'flannel › udp 100M › loss < 5%', 'host › tcp › throughput >= 1M',
    ])
  })

  test('an expectation without `at` applies to every point its metric exists for', () => {
    const plan = planSuite(suite(['host jitter < 1ms', 'host throughput > 0.5M']))
    expect(plan.checks.map((c) => c.name)).toEqual([
      'host › udp 1M › jitter < 1ms', 'host › udp 100M › jitter < 1ms',
      'host › udp 1M › throughput > 500K', 'host › udp 100M › throughput > 500K', 'host › tcp › throughput > 500K',
    ])
  })

  test('`% of <network>` binds the same point of the other network', () => {
    const [check] = planSuite(suite(['flannel tcp throughput >= 90% of host'])).checks
    expect(check).toMatchObject({ network: 'flannel', pointId: 'flannel|1|', referencePointId: 'host|1|' })
  })

  describe('Service paths', () => {
    const tcpVia = (index: number, via?: 'service' | 'nodeport' | 'hairpin') => ({ kind: 'tcp' as const, index, streams: [1], reverse: false, bidir: false, durationMs: 1000, omitMs: 0, between: 'zones' as const, repeat: 1, ...via ? { via } : {} })
    const services = (expect: string[], steps = [tcpVia(0), tcpVia(1, 'service'), tcpVia(2, 'hairpin')]) => planSuite(suite(expect, { networks: ['flannel', 'calico'], steps }))

    test('a point carries its path and says it in its label', () => {
      expect(services([]).networks[0]!.points.map((point) => [point.label, point.via])).toEqual([
        ['tcp (zones)', undefined], ['tcp via service (zones)', 'service'], ['tcp via hairpin (same pod)', 'hairpin'],
      ])
    })

    test("`of <own network>` from a Service path reads that network's pod path; another network's, the same path", () => {
      const checks = services(['calico tcp via service throughput >= 95% of calico', 'calico via service throughput >= 90% of flannel']).checks
      expect(checks.map((check) => [check.name, check.referencePointId])).toEqual([
        ['calico › tcp via service (zones) › throughput >= 95% of calico', 'calico|0|'],
        ['calico › tcp via service (zones) › throughput >= 90% of flannel', 'flannel|1|'],
      ])
    })

    test('`of <network> via <path>` names the reference path; without `via` an expectation reads every path', () => {
      const checks = services(['all tcp throughput >= 50% of flannel via pod']).checks
      expect(checks.filter((check) => check.network === 'calico').map((check) => [check.pointId, check.referencePointId])).toEqual([
        ['calico|0|', 'flannel|0|'], ['calico|1|', 'flannel|0|'], ['calico|2|', 'flannel|0|'],
      ])
    })

    test('a path no step takes, or a reference path that was not measured, is exit 2 before anything runs', () => {
      expect(() => services(['calico via nodeport throughput > 1M'])).toThrow(/expect\[0\]: no step measures via nodeport in "calico via nodeport throughput > 1M"/)
      const noPodPath = () => services(['calico tcp via service throughput >= 95% of calico'], [tcpVia(0, 'service')])
      expect(noPodPath).toThrow(/nothing to compare calico's tcp via service with: calico has no tcp point via pod in "/)
      try { noPodPath() } catch (error) { expect((error as NetbenchError).exitCode).toBe(2) }
    })
  })

  test('--network drops the other networks and the checks that need them', () => {
    const plan = planSuite(suite(['flannel tcp throughput >= 90% of host', 'flannel at 1M loss < 1%']), { onlyNetworks: ['flannel'] })
    expect(plan.networks.map((n) => n.name)).toEqual(['flannel'])
    expect(plan.checks.map((c) => c.name)).toEqual(['flannel › udp 1M › loss < 1%'])
  })

  test('two steps of a kind are told apart by their placement', () => {
    const plan = planSuite(suite([], {
      steps: [
        { kind: 'tcp', index: 0, streams: [1], reverse: false, bidir: false, durationMs: 1000, omitMs: 0, between: 'zones', repeat: 1 },
        { kind: 'tcp', index: 1, streams: [4], reverse: false, bidir: false, durationMs: 1000, omitMs: 0, between: 'nodes', repeat: 1 },
      ],
    }))
    expect(plan.networks[0]!.points.map((p) => p.label)).toEqual(['tcp (zones)', 'tcp ×4 (nodes)'])
  })

  const bad: Array<[string, RegExp, string]> = [
    ['weave at 1M loss < 1%', /network 'weave' is not in this suite's networks/, '  weave at 1M loss < 1%\n  ^^^^^'],
    ['host at 5M loss < 1%', /no udp step offers 5M/, '  host at 5M loss < 1%\n          ^^'],
    ['host tcp throughput >= 90% of calico', /network 'calico' is not in this suite's networks/, '  host tcp throughput >= 90% of calico\n' + ' '.repeat(32) + '^^^^^^'],
    ['host nodes loss < 1%', /no step measures between nodes/, '  host nodes loss < 1%\n       ^^^^^'],
  ]
  test.each(bad)('rejects %s before anything runs', (text, message, caret) => {
    try {
      planSuite(suite([text]))
      expect.unreachable('the plan should be rejected')
    } catch (error) {
      expect((error as Error).message).toMatch(message)
      expect((error as { detail?: string }).detail).toBe(caret)
      expect((error as { exitCode?: number }).exitCode).toBe(2)
    }
  })

  test('a suite without a tcp step rejects tcp expectations', () => {
    expect(() => planSuite(suite(['host tcp throughput > 1M'], { steps: [{ kind: 'udp', index: 0, bitratesBps: [1e6], search: null, durationMs: 1000, omitMs: 0, between: 'zones', repeat: 1 }] })))
      .toThrow(/the suite has no tcp step/)
  })
})
