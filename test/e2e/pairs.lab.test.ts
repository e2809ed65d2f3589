import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, test } from 'vitest'
import { runCli } from '../cli.ts'
import { labLeftovers } from '../leftovers.ts'
import { tmpProject } from '../tmp-project.ts'

// `pairs: N` end to end: the real CLI on the real lab. Links are shaped to 200M per node because
// every lab node shares this machine's CPUs: unshaped, two iperf3 pairs split the same cores and
// carried 1.1–1.9× one pair here; shaped, each pair has its own node's uplink and two carry ~2×.
// The host network keeps the file short (no pod network to install): which pods pairs use is
// src/providers/local/pairs.test.ts, and the kube stand-in (test/kube-standin/pairs.lab.test.ts)
// measures pod pairs end to end.

afterEach(() => {
  expect(labLeftovers()).toEqual([])
})

interface Point { pairs?: number; fairness?: number; from: string; to: string; metrics: { throughputBps: number }; samples: Array<{ pairs?: Array<{ from: string; to: string; throughputBps: number }>; fairness?: number }> }

describe('pairs: N', () => {
  test('two pairs over distinct nodes move more in aggregate than one, with per-pair figures and fairness', async () => {
    using project = tmpProject({
      's.netbench.yaml': [
        'name: pairs', 'cluster: { nodes: 4, zones: 1, bandwidth: 200M }', 'networks: [host]', 'steps:',
        '  - tcp: { duration: 1s }', '  - tcp: { duration: 1s, pairs: 2 }',
        'expect:', '  - host tcp fairness > 0', '',
      ].join('\n'),
    })
    const { code, stdout, stderr } = await runCli(['s.netbench.yaml', '--output', 'result.json', '--reporter', 'terminal', '--reporter', 'junit'], { cwd: project.dir })
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/1 stream, 2 pairs, J=(0\.\d\d|1\.00)/)
    expect(stdout).toMatch(/host › tcp \(nodes, 2 pairs\), each pair: n1 → n2 [\d.]+ Mbit\/s · n3 → n4 [\d.]+ Mbit\/s/)
    const points: Point[] = JSON.parse(readFileSync(project.path('result.json'), 'utf8')).suites[0].points
    const one = points.find((point) => !point.pairs)!
    const two = points.find((point) => point.pairs === 2)!
    // Two 200M uplinks against one: about 2×; 1.4 leaves room for a loaded machine.
    expect(two.metrics.throughputBps / one.metrics.throughputBps).toBeGreaterThan(1.4)
    expect(two.fairness).toBeGreaterThan(0)
    expect(two.fairness).toBeLessThanOrEqual(1)
    const [sample] = two.samples
    expect(sample!.pairs!.map((pair) => `${pair.from}>${pair.to}`)).toEqual(['n1>n2', 'n3>n4'])
    const sum = sample!.pairs!.reduce((total, pair) => total + pair.throughputBps, 0)
    expect(two.metrics.throughputBps).toBeCloseTo(sum, 0)
    expect(sample!.fairness).toBe(two.fairness)
    const junit = readFileSync(project.path('netbench-report/junit.xml'), 'utf8')
    expect(junit).toContain('<property name="tcp (nodes, 2 pairs).pairs" value="2"/>')
    expect(junit).toMatch(/<property name="tcp \(nodes, 2 pairs\)\.fairness" value="(0\.\d+|1)"\/>/)
  })

  test('more pairs than nodes: exit 2 before anything is provisioned, one line (pairs: 0 and the rest: src/suites/pairs.test.ts)', async () => {
    using project = tmpProject({ 's.netbench.yaml': 'name: t\ncluster: { nodes: 4 }\nnetworks: [host]\nsteps:\n  - tcp: { duration: 1s, between: nodes, pairs: 3 }\n' })
    const { code, stdout, stderr } = await runCli(['s.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(2)
    expect(stderr).toMatch(/^netbench: s\.netbench\.yaml:5:\d+: steps\[0\]\.tcp\.pairs: 3 pairs between nodes need 6 nodes; cluster\.nodes is 4 — set cluster\.nodes: 6 or pairs: 2\n$/)
    expect(stdout).toBe('')
  })
})
