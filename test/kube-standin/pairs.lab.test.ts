/**
 * `pairs: N` on kube, end to end: the real CLI against the Kubernetes API STAND-IN (server.ts), not a
 * cluster. The stand-in's pods run the real iperf3 on this machine over loopback. Its schedulable
 * nodes are node-a1, node-b1, node-c1 and node-c2 (cp1 is tainted, akswin-a1 runs Windows).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { runCli } from '../cli.ts'
import { tmpProject } from '../tmp-project.ts'
import { standInsLeftClean, startStandIn } from './fixture.ts'

const fixtures = standInsLeftClean()

const suite = (pairs: number) => [
  'name: pairs on kube', "cluster: { provider: kube, context: standin, readyTimeout: '20s' }", 'networks: [calico]', 'steps:',
  `  - tcp: { duration: 1s, between: zones, pairs: ${pairs} }`, 'expect:', '  - calico tcp fairness > 0', '',
].join('\n')

describe('pairs: N on kube (API stand-in)', () => {
  test('two pairs: a pod per pair end, on four distinct nodes, measured at once', async () => {
    const fixture = await startStandIn()
    fixtures.push(fixture)
    using project = tmpProject({ 's.netbench.yaml': suite(2) })
    const { code, stdout, stderr } = await runCli(['s.netbench.yaml', '--kubeconfig', fixture.kubeconfig, '--output', 'result.json'], { cwd: project.dir })
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/✓ calico › tcp \(2 pairs\) › fairness > 0/)
    const [only] = JSON.parse(readFileSync(project.path('result.json'), 'utf8')).suites
    const [point] = only.points
    const nodeOf = new Map<string, string>(only.networks[0].info.endpoints.map((endpoint: { name: string; node: string }) => [endpoint.name, endpoint.node]))
    expect(point).toMatchObject({ status: 'ok', pairs: 2 })
    const pairs: Array<{ from: string; to: string; throughputBps: number }> = point.samples[0].pairs
    expect(pairs).toHaveLength(2)
    // Four pods, one per pair end, each on its own node; the pairs' figures add up to the point's.
    expect(new Set(pairs.flatMap((pair) => [nodeOf.get(pair.from), nodeOf.get(pair.to)])).size).toBe(4)
    expect(point.metrics.throughputBps).toBeCloseTo(pairs[0]!.throughputBps + pairs[1]!.throughputBps, 0)
    expect(point.fairness).toBeGreaterThan(0)
    expect(point.fairness).toBeLessThanOrEqual(1)
  })

  test('more pairs than schedulable nodes: exit 2 before anything is made', async () => {
    const fixture = await startStandIn()
    fixtures.push(fixture)
    using project = tmpProject({ 's.netbench.yaml': suite(3) })
    const { code, stdout, stderr } = await runCli(['s.netbench.yaml', '--kubeconfig', fixture.kubeconfig], { cwd: project.dir })
    expect(code).toBe(2)
    expect(stderr).toMatch(/^netbench: 3 pairs between zones need 6 schedulable nodes; context 'standin' has 4 with zone labels \(.*\) — add schedulable nodes, or set pairs: 2\n$/)
    expect(stdout).toBe('')
    expect(fixture.standIn.requests).not.toContainEqual({ method: 'POST', path: '/api/v1/namespaces' })
  })
})
