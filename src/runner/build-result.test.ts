/**
 * A policy step whose probe could not run (status `error`) makes the suite and the run `error`
 * — which the CLI maps to exit 3 — even when no expectation reads the step.
 */
import { expect, test } from 'vitest'
import { planSuite } from '../plan/plan.ts'
import type { PolicyStep, Suite } from '../suites/model.ts'
import { buildRunResult } from './build-result.ts'
import type { PolicyResult } from '../results/policy.ts'

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
