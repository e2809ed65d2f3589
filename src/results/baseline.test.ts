import { describe, expect, it } from 'vitest'
import { handPoint, handRun } from '../../test/hand-result.ts'
import { evaluate } from '../expect/evaluate.ts'
import { parseExpectation } from '../expect/parse.ts'
import { planSuite } from '../plan/plan.ts'
import type { Suite } from '../model.ts'
import type { BaselineMatch } from './baseline.ts'
import type { RunResult } from './types.ts'

const M = 1e6

function suite(expect: string[]): Suite {
  return {
    name: 's', file: 's.netbench.ts',
    cluster: { provider: 'local', nodes: 3, zones: 3, instance: null, bandwidthBps: null },
    networks: ['flannel', 'weave'],
    steps: [
      { kind: 'udp', index: 0, bitratesBps: [100e6], search: null, durationMs: 1000, omitMs: 0, between: 'zones', repeat: 3 },
      { kind: 'tcp', index: 1, streams: [1], reverse: false, bidir: false, durationMs: 1000, omitMs: 0, between: 'zones', repeat: 3 },
    ],
    expectations: expect.map((text) => parseExpectation(text)),
  }
}

const baseline: RunResult = handRun('base', [
  handPoint('flannel', 'tcp', { throughputBps: [400 * M, 405 * M, 410 * M] }),
  handPoint('flannel', 'udp 100M', { throughputBps: [99 * M, 99 * M, 99 * M], lossPercent: [0.1, 0.2, 0.3] }),
])

/** Plans one expectation against the baseline and judges it on the given current samples. */
function judge(text: string, samples: Parameters<typeof handPoint>[2]) {
  const plan = planSuite(suite([text]), { baseline })
  const check = plan.checks[0]!
  const point = handPoint(check.network, check.pointId.endsWith('|') ? 'tcp' : 'udp 100M', samples)
  return { check, verdict: evaluate(check.expectation, point, null, check.baseline) }
}

describe('of baseline', () => {
  it('is refused at plan time without --baseline', () => {
    expect(() => planSuite(suite(['flannel tcp throughput >= 95% of baseline']))).toThrow(/`of baseline` needs a baseline result/)
  })

  it('binds each check to the baseline point of the same measurement', () => {
    const plan = planSuite(suite(['flannel tcp throughput >= 95% of baseline', 'all at 100M loss <= baseline + 0.5%']), { baseline })
    expect(plan.checks.map((check) => [check.name, check.baseline?.kind])).toEqual([
      ['flannel › tcp › throughput >= 95% of baseline', 'found'],
      ['flannel › udp 100M › loss <= baseline + 0.5%', 'found'],
      ['weave › udp 100M › loss <= baseline + 0.5%', 'missing'],
    ])
    const found = plan.checks[0]!.baseline as Extract<BaselineMatch, { kind: 'found' }>
    expect(found.point.label).toBe('tcp')
    expect(found.point.raw).toEqual([])
  })

  it('passes at or above 95% of the baseline median', () => {
    // Baseline median 405 Mbit/s → bound 384.75; current median 385.
    const { verdict } = judge('flannel tcp throughput >= 95% of baseline', { throughputBps: [380 * M, 385 * M, 390 * M] })
    expect(verdict).toMatchObject({ status: 'passed', actual: 385 * M, expected: 384.75 * M })
    expect(verdict.message).toBe('measured 385.0 Mbit/s, needed >= 384.8 Mbit/s (95% of baseline 405.0 Mbit/s)')
  })

  it('fails below it when the repeats put the drop beyond the noise', () => {
    // Current 370, 375, 380 vs bound samples 380, 384.75, 389.5: t = −2.449, df = 3.99, one-sided p = 0.035.
    const { verdict } = judge('flannel tcp throughput >= 95% of baseline', { throughputBps: [370 * M, 375 * M, 380 * M] })
    expect(verdict.status).toBe('failed')
    expect(verdict.message).toBe("measured 375.0 Mbit/s, needed >= 384.8 Mbit/s (95% of baseline 405.0 Mbit/s); one-sided Welch's t-test, p = 0.035 (3 vs 3 samples)")
  })

  it('passes a median below the bound that the noise explains', () => {
    // Median 384 < 384.75, but the mean (388) is above the bound's: p > 0.5, no evidence of a drop.
    const { verdict } = judge('flannel tcp throughput >= 95% of baseline', { throughputBps: [360 * M, 384 * M, 420 * M] })
    expect(verdict.status).toBe('passed')
    expect(verdict.message).toMatch(/needed >= 384\.8 Mbit\/s \(95% of baseline 405\.0 Mbit\/s\); within noise: one-sided Welch's t-test, p = 0\.\d{3} \(3 vs 3 samples\)$/)
  })

  it('reads `baseline + 0.5%` as the baseline loss plus half a point', () => {
    // Baseline median 0.2% → bound 0.7%; current 0.9, 1.0, 1.1 vs 0.6, 0.7, 0.8: t = 3.674, df = 4, p = 0.0107.
    const { verdict } = judge('flannel at 100M loss <= baseline + 0.5%', { throughputBps: [99 * M, 99 * M, 99 * M], lossPercent: [0.9, 1.0, 1.1] })
    expect(verdict).toMatchObject({ status: 'failed', actual: 1, expected: expect.closeTo(0.7, 12) })
    expect(verdict.message).toBe("measured 1%, needed <= 0.7% (baseline 0.2% + 0.5%); one-sided Welch's t-test, p = 0.011 (3 vs 3 samples)")
  })

  it('is an error naming the point when the baseline lacks it', () => {
    const plan = planSuite(suite(['weave tcp throughput >= 95% of baseline']), { baseline })
    const verdict = evaluate(plan.checks[0]!.expectation, handPoint('weave', 'tcp', { throughputBps: [1 * M] }), null, plan.checks[0]!.baseline)
    expect(verdict).toMatchObject({ status: 'error', actual: null })
    expect(verdict.message).toBe('the baseline (run base) has no point weave › tcp (zones); it did not measure weave')
  })

  it('is an error when the baseline measurement itself failed', () => {
    const broken = handRun('base', [handPoint('flannel', 'tcp', {}, { status: 'error', error: 'connection refused' })])
    const plan = planSuite(suite(['flannel tcp throughput >= 95% of baseline']), { baseline: broken })
    const verdict = evaluate(plan.checks[0]!.expectation, handPoint('flannel', 'tcp', { throughputBps: [1 * M] }), null, plan.checks[0]!.baseline)
    expect(verdict.message).toBe('the baseline measurement of flannel › tcp failed: connection refused')
  })
})
