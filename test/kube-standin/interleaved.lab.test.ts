/**
 * Interleaved order end to end: the real CLI measures two networks in two kube contexts — two
 * Kubernetes API STAND-INS (server.ts), not clusters; their pods run the real iperf3 on loopback —
 * with every point's repeats alternating between them, as the CNI-version gate does on k3s.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { runCli, startCli } from '../cli.ts'
import { tmpProject } from '../tmp-project.ts'
import { standInsLeftClean, startStandIn, type StandInFixture } from './fixture.ts'

const fixtures = standInsLeftClean()

/** A stand-in whose iperf3 client runs are logged, in the order they start, on `timeline`. */
async function standIn(context: string, timeline: string[]): Promise<StandInFixture> {
  const fixture = await startStandIn({}, [context])
  fixtures.push(fixture)
  const { execs } = fixture.standIn
  const push = execs.push.bind(execs)
  execs.push = (...items) => {
    for (const item of items) if (item.argv[item.argv.indexOf('iperf3') + 1] === '-c') timeline.push(context)
    return push(...items)
  }
  return fixture
}

const gate = [
  'name: CNI version gate',
  'cluster: { provider: kube, readyTimeout: 20s }',
  'order: interleaved',
  'networks: [{ name: calico-3.28, context: old }, { name: calico-3.29, context: new }]',
  'steps:',
  '  - udp: { bitrates: [10M], duration: 1s, between: nodes, repeat: 2 }',
  '  - tcp: { duration: 1s, between: nodes, repeat: 2 }',
  'expect:',
  '  - all at 10M loss < 5%',
  '  - calico-3.29 tcp throughput >= 30% of calico-3.28',
].join('\n')

describe('order: interleaved on provider kube', () => {
  // One run proves both: with -t selecting some expectations the points are still all measured together, interleaved.
  test('two contexts: the repeats alternate A, B, A, B, -t tcp included; the result numbers every sample; the reports say so', async () => {
    const timeline: string[] = []
    const old = await standIn('old', timeline)
    const candidate = await standIn('new', timeline)
    using project = tmpProject({ 'suites/gate.netbench.yaml': gate })
    const listed = await runCli(['list'], { cwd: project.dir, env: { KUBECONFIG: `${old.kubeconfig}:${candidate.kubeconfig}` } })
    expect(listed.stdout).toContain('repeats interleaved: calico-3.28, calico-3.29, calico-3.28, calico-3.29 …')

    const { code, stdout, stderr } = await runCli(['-t', 'tcp', '--output', 'result.json', '--reporter', 'terminal', '--reporter', 'html', '--report-dir', 'report'], {
      cwd: project.dir, env: { KUBECONFIG: `${old.kubeconfig}:${candidate.kubeconfig}` },
    })
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    expect(stdout).toContain('repeats interleaved: calico-3.28, calico-3.29, calico-3.28, calico-3.29 …')
    expect(stdout).toMatch(/✓ calico-3\.29 › tcp › throughput >= 30% of calico-3\.28/)
    expect(stdout).toMatch(/- calico-3\.28 › udp 10M › loss < 5%\s+skipped/)
    // What really ran, as the two API servers saw it: each probe's client alternating between them.
    expect(timeline).toEqual(['old', 'new', 'old', 'new', 'old', 'new', 'old', 'new'])

    const result = JSON.parse(readFileSync(project.path('result.json'), 'utf8'))
    const [suite] = result.suites
    expect(suite.order).toBe('interleaved')
    const samples = suite.points.flatMap((point: { network: string; label: string; samples: Array<{ sequence: number }> }) => point.samples.map((sample) => ({ at: sample.sequence, what: `${point.network} ${point.label}` })))
    samples.sort((a: { at: number }, b: { at: number }) => a.at - b.at)
    expect(samples.map((sample: { at: number }) => sample.at)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(samples.map((sample: { what: string }) => sample.what)).toEqual([
      'calico-3.28 udp 10M', 'calico-3.29 udp 10M', 'calico-3.28 udp 10M', 'calico-3.29 udp 10M',
      'calico-3.28 tcp', 'calico-3.29 tcp', 'calico-3.28 tcp', 'calico-3.29 tcp',
    ])
    // Pod names are DNS labels: the version's dot becomes a dash.
    expect(suite.points[0].from).toBe('calico-3-28-p1')
    const html = readFileSync(project.path('report/index.html'), 'utf8')
    expect(html).toContain('Order: repeats interleaved: calico-3.28, calico-3.29, calico-3.28, calico-3.29 …')
  })

  test('a point one network cannot measure (host, same-node) fails alone; the others still alternate', async () => {
    const old = await standIn('old', [])
    using project = tmpProject({
      'suites/mixed.netbench.yaml': [
        'name: host and calico',
        'cluster: { provider: kube, context: old, readyTimeout: 20s }',
        'order: interleaved',
        'networks: [host, calico]',
        'steps:',
        '  - tcp: { duration: 1s, between: same-node, repeat: 2 }',
        '  - tcp: { duration: 1s, between: nodes, repeat: 2 }',
        'expect: ["all tcp same-node throughput > 1M", "all tcp nodes throughput > 1M"]',
      ].join('\n'),
    })
    const { code, stdout } = await runCli(['--output', 'result.json'], { cwd: project.dir, env: { KUBECONFIG: old.kubeconfig } })
    expect(code).toBe(3)
    expect(stdout).toMatch(/! host › tcp \(same-node\) › throughput > 1M\s+error: .*one endpoint per node/)
    expect(stdout).toMatch(/✓ calico › tcp \(same-node\) › throughput > 1M/)
    const [suite] = JSON.parse(readFileSync(project.path('result.json'), 'utf8')).suites
    const order = suite.points.flatMap((point: { network: string; label: string; samples: Array<{ sequence: number }> }) => point.samples.map((sample) => [sample.sequence, `${point.network} ${point.label}`] as const))
      .sort((a: readonly [number, string], b: readonly [number, string]) => a[0] - b[0]).map(([, what]: readonly [number, string]) => what)
    expect(order).toEqual(['calico tcp (same-node)', 'calico tcp (same-node)', 'host tcp (nodes)', 'calico tcp (nodes)', 'host tcp (nodes)', 'calico tcp (nodes)'])
  })

  test('SIGINT while the networks alternate: both contexts are cleaned, exit 130', async () => {
    const timeline: string[] = []
    const old = await standIn('old', timeline)
    const candidate = await standIn('new', timeline)
    using project = tmpProject({ 'suites/gate.netbench.yaml': gate.replace(/duration: 1s/g, 'duration: 30s') })
    const cli = startCli([], { cwd: project.dir, env: { KUBECONFIG: `${old.kubeconfig}:${candidate.kubeconfig}` } })
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline && timeline.length < 1) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(timeline).toEqual(['old'])
    cli.child.kill('SIGINT')
    const { code, stdout } = await cli.result
    expect(code).toBe(130)
    expect(stdout).toMatch(/SIGINT received, stopping and cleaning up/)
    // No probe started after the interrupt; afterEach checks both stand-ins are empty.
    expect(timeline).toEqual(['old'])
  })

  test('sequential (the default) measures one network after the other, and says so', async () => {
    const timeline: string[] = []
    const old = await standIn('old', timeline)
    const candidate = await standIn('new', timeline)
    // One point per network is enough to tell the orders apart (interleaved would be old, new, old, new).
    const tcpOnly = gate.replace('order: interleaved\n', '').replace(/  - udp: .*\n/, '').replace(/  - all at 10M .*\n/, '')
    using project = tmpProject({ 'suites/gate.netbench.yaml': tcpOnly })
    const { code, stdout } = await runCli(['--output', 'result.json'], { cwd: project.dir, env: { KUBECONFIG: `${old.kubeconfig}:${candidate.kubeconfig}` } })
    expect(code).toBe(0)
    expect(stdout).toContain('sequential: calico-3.28, then calico-3.29')
    expect(timeline).toEqual(['old', 'old', 'new', 'new'])
    expect(JSON.parse(readFileSync(project.path('result.json'), 'utf8')).suites[0].order).toBe('sequential')
  })
})
