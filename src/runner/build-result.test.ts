/**
 * Result assembly: a policy step whose probe could not run (status `error`) makes the suite and
 * the run `error` — which the CLI maps to exit 3 — even when no expectation reads the step; the
 * expectations are the workers' verdicts, copied, never judged again.
 */
import { describe, expect, test, it } from 'vitest'
import { handPoint } from '../../test/hand-result.ts'
import { parseExpectation } from '../expect/parse.ts'
import { planSuite } from '../plan/plan.ts'
import type { PlannedCheck } from './planned.ts'
import type { RunEvent } from '../results/events.ts'
import type { PolicyResult } from '../results/policy.ts'
import type { Verdict } from '../results/types.ts'
import type { PolicyStep, Suite } from '../model.ts'
import { buildRunResult, type TestOutcome } from './build-result.ts'

const step: PolicyStep = {
  kind: 'policy', index: 0,
  pods: [{ name: 'a', labels: {}, namespace: 'default', node: null, namedPorts: {} }, { name: 'b', labels: {}, namespace: 'default', node: null, namedPorts: {} }],
  namespaces: { default: { 'kubernetes.io/metadata.name': 'default' } },
  policies: [], ports: { tcp: [8080], udp: [5353] }, probeTimeoutMs: 1000, updates: [],
}

function run(status: PolicyResult['status']) {
  const file = '/suites/p.netbench.yaml'
  const suite: Suite = { name: 'p', file, cluster: { provider: 'local', nodes: 3, zones: 3, instance: null, bandwidthBps: null, pods: 2 }, networks: ['calico'], steps: [], policySteps: [step], expectations: [] }
  const policy: PolicyResult = { id: 'calico|0|policy', network: 'calico', stepIndex: 0, status, error: status === 'error' ? 'a probe server did not start' : null, enforcement: null, pods: [], policies: [], matrix: [] }
  return buildRunResult({
    runId: 'ab12', startedAt: new Date(), environment: { netbenchVersion: '0', node: 'v20', kernel: 'k', platform: 'linux/x64', cpuModel: 'c', cpuCount: 2, iperf3: 'i', provider: 'local' },
    plans: [planSuite(suite, {})], imperativeFiles: [], events: [{ type: 'policy', file, policy }], outcomes: [], fileErrors: new Map(), interrupted: false,
  })
}

test('an error verdict fails the run as an environment problem; enforced does not', () => {
  expect(run('error').status).toBe('error')
  expect(run('error').suites[0]!.policies?.[0]?.error).toBe('a probe server did not start')
  expect(run('enforced').status).toBe('passed')
})

describe('expectations come from the workers\' verdicts', () => {
  const file = '/suites/t.netbench.yaml'
  const suite: Suite = {
    name: 't', file, cluster: { provider: 'local', nodes: 3, zones: 3, instance: null, bandwidthBps: null }, networks: ['host'],
    steps: [{ kind: 'tcp', index: 0, streams: [1], reverse: false, bidir: false, durationMs: 1000, omitMs: 0, between: 'zones', repeat: 1 }],
    expectations: ['host tcp throughput >= 300M', 'host setup-time < 5s'].map((text) => parseExpectation(text)),
  }
  const plan = planSuite(suite, {})
  const [throughput, setup] = plan.checks as [PlannedCheck, PlannedCheck]
  // The point says 1 Mbit/s: a result that judged again would fail `>= 300M`.
  const point = { ...handPoint('host', 'tcp', { throughputBps: [1e6] }), id: throughput.pointId }
  const passed: Verdict = { status: 'passed', actual: 400e6, expected: 300e6, unit: 'bps', message: 'measured 400.0 Mbit/s, needed >= 300.0 Mbit/s', needed: 'needed >= 300.0 Mbit/s' }
  const outcome = (check: PlannedCheck, state: TestOutcome['state'], error: string | null = null): TestOutcome => ({ file, checkId: check.id, name: check.name, state, error })
  const build = (events: RunEvent[], outcomes: TestOutcome[]) => buildRunResult({
    runId: 'ab12', startedAt: new Date(), environment: { netbenchVersion: '0', node: 'v20', kernel: 'k', platform: 'linux/x64', cpuModel: 'c', cpuCount: 2, iperf3: 'i', provider: 'local' },
    plans: [plan], imperativeFiles: [], events: [{ type: 'point', file, point }, ...events], outcomes, fileErrors: new Map(), interrupted: false,
  }).suites[0]!.expectations

  it('copies the verdict as it is, without judging again', () => {
    const [result] = build([{ type: 'verdict', file, checkId: throughput.id, verdict: passed }], [outcome(throughput, 'passed')])
    expect(result).toEqual({ text: 'host tcp throughput >= 300M', name: 'host › tcp › throughput >= 300M', network: 'host', point: throughput.pointId, pointLabel: 'tcp', ...passed })
  })

  it('a test that broke before judging, or after a passing verdict, is an error with its own message', () => {
    const [early] = build([], [outcome(throughput, 'failed', 'network host failed to install: boom')])
    expect(early).toMatchObject({ status: 'error', actual: null, message: 'network host failed to install: boom' })
    const [late] = build([{ type: 'verdict', file, checkId: throughput.id, verdict: passed }], [outcome(throughput, 'failed', 'afterEach hook failed')])
    expect(late).toMatchObject({ status: 'error', actual: 400e6, message: 'afterEach hook failed' })
  })

  it('a test that did not run is skipped; a network check is grouped under setup', () => {
    const [, skipped] = build([], [outcome(setup, 'skipped')])
    expect(skipped).toMatchObject({ status: 'skipped', message: 'not run', pointLabel: 'setup' })
  })
})

test('an imperative test is grouped under its innermost describe, below the file\'s title', () => {
  const file = '/t/imp.test.ts'
  const outcomes: TestOutcome[] = [
    { file, name: 'Title › udp › at 10M', describes: ['Title', 'udp'], state: 'passed', error: null },
    { file, name: 'Title › plain', describes: ['Title'], state: 'failed', error: 'boom' },
  ]
  const result = buildRunResult({
    runId: 'ab12', startedAt: new Date(), environment: { netbenchVersion: '0', node: 'v20', kernel: 'k', platform: 'linux/x64', cpuModel: 'c', cpuCount: 2, iperf3: 'i', provider: 'local' },
    plans: [], imperativeFiles: [file], titles: new Map([[file, 'Title']]), events: [], outcomes, fileErrors: new Map(), interrupted: false,
  })
  expect(result.suites[0]!.expectations.map((e) => [e.name, e.pointLabel])).toEqual([['udp › at 10M', 'udp'], ['plain', null]])
})
