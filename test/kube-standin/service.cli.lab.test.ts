/**
 * End to end: the real CLI runs a kube suite whose steps go through Services (`via`) against the
 * Kubernetes API STAND-IN (server.ts). The Services are real API objects, validated as the API
 * server does; the stand-in's routing through them is a userspace forwarder in the test process,
 * so the figures prove the path, not a datapath. The iperf3 runs are real, over loopback.
 *
 * Needs branch `svc` (the `via` step field, its placements and the tools sending to the Service
 * route) merged: without it the suite is refused as invalid input.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { runCli } from '../cli.ts'
import { tmpProject } from '../tmp-project.ts'
import { standInsLeftClean, startStandIn } from './fixture.ts'

const fixtures = standInsLeftClean()

describe('netbench run with provider kube and Service paths', () => {
  test('tcp through a ClusterIP and udp through a NodePort pass; the Services existed during the run and are gone after', async () => {
    const fixture = await startStandIn()
    fixtures.push(fixture)
    const { standIn: server, kubeconfig } = fixture
    using project = tmpProject({
      'suites/svc.netbench.ts': `import { defineSuite, udp, tcp } from 'netbench'
export default defineSuite({
  name: 'Service paths on a stand-in cluster',
  cluster: { provider: 'kube', context: 'standin', readyTimeout: '20s' },
  networks: ['calico'],
  steps: [
    tcp({ via: 'service', between: 'nodes', duration: '1s' }),
    udp({ via: 'nodeport', bitrates: ['10M'], between: 'nodes', duration: '1s' }),
  ],
  expect: ['calico at 10M loss < 20%'],
})
`,
    })
    const { code, stdout, stderr } = await runCli(['--kubeconfig', kubeconfig, '--output', 'result.json'], { cwd: project.dir })
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    expect(stdout).toMatch(/Expectations\s+1 passed \| 0 failed/)
    // The routes the kube provider built, as the report names them (client pod on node-c1, server calico-p2 on node-c2).
    expect(stdout).toContain('NodePort node-c1 (127.0.0.1) → calico-p2')
    expect(stdout).toMatch(/ClusterIP 127\.0\.\d+\.\d+ → calico-p2/)

    const result = JSON.parse(readFileSync(project.path('result.json'), 'utf8'))
    const points = result.suites[0].points as Array<{ network: string; status: string }>
    expect(points.length).toBe(2)
    expect(points.every((point) => point.status === 'ok')).toBe(true)
    // Two Services in front of the server pod (node-c2 for between: nodes), and the probes went through both.
    const history = server.serviceHistory()
    expect(history.map((entry) => `${entry.object.metadata.name}:${entry.object.spec.type}`).sort()).toEqual(['np-calico-p2:NodePort', 'svc-calico-p2:ClusterIP'])
    for (const entry of history) {
      expect(entry.object.metadata.namespace).toBe(`netbench-${result.runId}`)
      expect(entry.forwarded).toBeGreaterThan(0)
    }
    expect(server.services()).toEqual([])
  })
})
