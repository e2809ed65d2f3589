/**
 * The imperative form (`test.scoped({ cluster })` + the `lab` fixture) on provider kube, end to
 * end through the real CLI against the Kubernetes API STAND-IN (server.ts), not a cluster: its
 * pods run the real iperf3 over loopback. The lab gets its cluster from the provider registry, as
 * a suite does, so the same cleanup holds: nothing is left in the cluster, SIGINT included.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { interruptCli, runCli, startCli, waitUntil } from '../cli.ts'
import { tmpProject } from '../tmp-project.ts'
import { standInsLeftClean, startStandIn, type StandInFixture } from './fixture.ts'
import { dockerAvailability } from '../../src/providers/k3s/docker.ts'

const docker = await dockerAvailability(5000)
const fixtures = standInsLeftClean()

async function standIn(): Promise<StandInFixture> {
  const fixture = await startStandIn()
  fixtures.push(fixture)
  return fixture
}

const imperative = (cluster: string, body: string) => [
  `import { describe, test, expect } from 'netbench'`,
  `test.scoped({ cluster: ${cluster} })`,
  body,
].join('\n')

describe('the imperative form on provider kube (stand-in API server)', () => {
  test('test.scoped({ cluster: kube }): pods in the cluster, matchers and toSatisfy, titled by its describe', async () => {
    const { kubeconfig } = await standIn()
    using project = tmpProject({
      'kube.netbench.ts': imperative(`{ provider: 'kube', context: 'standin', readyTimeout: '20s' }`, `
describe('calico on the stand-in', () => {
  test('udp 10M is lossless', async ({ lab }) => {
    const point = await lab.udp({ network: 'calico', bitrate: '10M', duration: '2s' })
    expect(point).toReachThroughput('10M')
    expect(point).toSatisfy('loss.network < 1%')
  })
  test('calico keeps up with host', async ({ lab }) => {
    await lab.tcp({ network: 'host', duration: '1s' })
    await lab.tcp({ network: 'calico', duration: '1s' })
    expect(lab).toSatisfy('calico tcp throughput >= 10% of host')
  })
})`),
    })
    const { code, stdout, stderr } = await runCli(['--kubeconfig', kubeconfig, '--output', 'r.json', 'kube.netbench.ts'], { cwd: project.dir })
    expect(stderr).toBe('')
    expect(code, stdout).toBe(0)
    expect(stdout).toMatch(/^netbench run [a-z0-9]{4} · 1 suite file · measures as the tests ask$/m)
    expect(stdout).toMatch(/^calico on the stand-in {2}\S+kube\.netbench\.ts$/m)
    expect(stdout).toContain('kube: context standin (v1.30.2); calico: calico v3.28.0, MTU 1450; host: none (hostNetwork), MTU 9001')
    expect(stdout).toMatch(/✓ udp 10M is lossless/)
    expect(stdout).toMatch(/✓ calico keeps up with host/)
    const result = JSON.parse(readFileSync(project.path('r.json'), 'utf8'))
    const [suite] = result.suites
    expect(suite).toMatchObject({ name: 'calico on the stand-in', status: 'passed', cluster: { provider: 'kube', context: 'standin' } })
    expect(suite.expectations.map((e: { name: string }) => e.name)).toEqual(['udp 10M is lossless', 'calico keeps up with host'])
    expect(suite.points.map((p: { network: string; label: string; from: string }) => `${p.network} ${p.label} ${p.from}`)).toEqual(['calico udp 10M calico-p1', 'host tcp host-h1', 'calico tcp calico-p1'])
    expect(suite.networks.find((n: { name: string }) => n.name === 'calico').info).toMatchObject({ provider: 'kube', namespace: `netbench-${result.runId}` })
  })

  test('a miss prints the measured value and the bound with enough digits, and the other placement gets its own pods', async () => {
    const { kubeconfig } = await standIn()
    using project = tmpProject({
      'miss.netbench.ts': imperative(`{ provider: 'kube' }`, `
test('an impossible share', async ({ lab }) => {
  await lab.tcp({ network: 'calico', duration: '1s', between: 'nodes' })
  await lab.tcp({ network: 'calico', duration: '1s', between: 'same-node' })
  expect(lab).toSatisfy('calico tcp same-node throughput >= 1000G')
})`),
    })
    const { code, stdout } = await runCli(['--kubeconfig', kubeconfig, '--output', 'r.json', 'miss.netbench.ts'], { cwd: project.dir })
    expect(code).toBe(1)
    // Titled by its path, printed once.
    expect(stdout).toMatch(/^miss\.netbench\.ts$/m)
    expect(stdout).toMatch(/✗ an impossible share {2}calico › tcp › throughput >= (?:1000G|1T) missed: measured [\d.]+ Gbit\/s, needed >= 1000\.00 Gbit\/s/)
    const result = JSON.parse(readFileSync(project.path('r.json'), 'utf8'))
    expect(result.suites[0].points.map((p: { between: string; from: string; to: string }) => `${p.between} ${p.from}→${p.to}`)).toEqual(['nodes calico-p1→calico-p2', expect.stringMatching(/^same-node calico-p[13]→calico-p[34]$/)])
  })

  test('SIGINT mid-probe: the namespace is deleted at once, the probe ends, exit 130', async () => {
    const { standIn: server, kubeconfig } = await standIn()
    using project = tmpProject({
      'long.netbench.ts': imperative(`{ provider: 'kube' }`, `
test('long', async ({ lab }) => {
  expect(await lab.udp({ network: 'calico', bitrate: '5M', duration: '30s' })).toHaveLossBelow(1)
})`),
    })
    const cli = startCli(['--kubeconfig', kubeconfig, 'long.netbench.ts'], { cwd: project.dir })
    await waitUntil(() => server.execs.some((exec) => exec.argv.includes('-c')), 60_000)
    expect(server.processes()).toBeGreaterThan(0)
    await interruptCli(cli, 20_000)
  })

  test('the cluster is checked before the run: an unknown context is exit 3, a misspelt option exit 2, nothing created', async () => {
    const { standIn: server, kubeconfig } = await standIn()
    using project = tmpProject({
      'ctx.netbench.ts': imperative(`{ provider: 'kube', context: 'prod-like' }`, `test('t', async ({ lab }) => { await lab.tcp({ network: 'calico' }) })`),
      'typo.netbench.ts': imperative(`{ provider: 'kube', contxt: 'standin' }`, `test('t', async ({ lab }) => { await lab.tcp({ network: 'calico' }) })`),
    })
    const unknown = await runCli(['--kubeconfig', kubeconfig, 'ctx.netbench.ts'], { cwd: project.dir })
    expect(unknown.code).toBe(3)
    expect(unknown.stderr).toMatch(/^netbench: kube context 'prod-like' is not in the kubeconfig/)
    const typo = await runCli(['--kubeconfig', kubeconfig, 'typo.netbench.ts'], { cwd: project.dir })
    expect(typo.code).toBe(2)
    expect(typo.stderr).toMatch(/^netbench: typo\.netbench\.ts: cluster.*contxt/)
    expect(server.requests.filter((request) => request.method === 'POST')).toEqual([])
  })

  test.runIf(!docker.available)('provider k3s goes through the same registry: without a Docker engine, exit 3 before anything runs', async () => {
    using project = tmpProject({ 'k.netbench.ts': imperative(`{ provider: 'k3s' }`, `test('t', async ({ lab }) => { await lab.tcp() })`) })
    const { code, stdout, stderr } = await runCli(['k.netbench.ts'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^netbench: no Docker engine: /)
  })
})
