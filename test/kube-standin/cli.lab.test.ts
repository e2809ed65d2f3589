/**
 * End to end: the real CLI runs kube suites against a Kubernetes API STAND-IN (server.ts), not a
 * cluster. Everything netbench does goes through the API as it would on EKS or GKE; the stand-in's
 * pods run the real iperf3 on this machine over loopback, so the figures are real.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { interruptCli, runCli, startCli, waitUntil } from '../cli.ts'
import { tmpProject } from '../tmp-project.ts'
import { standInsLeftClean, startStandIn, type StandInFixture } from './fixture.ts'
import { dockerAvailability } from '../../src/providers/k3s/docker.ts'

const docker = await dockerAvailability(5000)
const fixtures = standInsLeftClean()

async function standIn(...args: Parameters<typeof startStandIn>): Promise<StandInFixture> {
  const fixture = await startStandIn(...args)
  fixtures.push(fixture)
  return fixture
}

const suite = (body: string) => `import { defineSuite, udp, tcp } from 'netbench'\nexport default defineSuite(${body})\n`

const kubeSuite = (cluster: string, extra = '') => suite(`{
  name: 'calico on a stand-in cluster',
  cluster: ${cluster},
  networks: ['host', 'calico'],
  steps: [udp({ bitrates: ['10M'], duration: '1s', between: 'zones' }), tcp({ duration: '1s', between: 'zones' })],
  expect: ['calico at 10M loss < 5%', 'calico at 10M throughput >= 90% of offered', 'calico tcp throughput >= 10% of host'],
  ${extra}
}`)

describe('netbench run with provider kube', () => {
  test('a kubeconfig context: pods across zones, real iperf3, same summary and result as the lab', async () => {
    const { standIn: server, kubeconfig } = await standIn()
    using project = tmpProject({ 'suites/kube.netbench.ts': kubeSuite(`{ provider: 'kube', context: 'standin', readyTimeout: '20s' }`) })
    const { code, stdout, stderr } = await runCli(['--kubeconfig', kubeconfig, '--output', 'result.json'], { cwd: project.dir })
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toContain('kube: context standin (v1.30.2); host: none (hostNetwork), MTU 9001; calico: calico v3.28.0, MTU 1450')
    expect(stdout).toMatch(/calico\s+10M\s+10\.0 Mbit\/s/)
    expect(stdout).toMatch(/✓ calico › udp 10M › loss < 5%/)
    expect(stdout).toMatch(/✓ calico › tcp › throughput >= 10% of host/)
    expect(stdout).toMatch(/Expectations\s+3 passed \| 0 failed/)

    const result = JSON.parse(readFileSync(project.path('result.json'), 'utf8'))
    expect(result.status).toBe('passed')
    expect(result.environment.provider).toBe('kube')
    const [only] = result.suites
    expect(only.cluster).toMatchObject({ provider: 'kube', context: 'standin', contexts: { host: 'standin', calico: 'standin' } })
    const calico = only.networks.find((network: { name: string }) => network.name === 'calico')
    expect(calico).toMatchObject({ status: 'ok', info: { provider: 'kube', context: 'standin', server: 'v1.30.2', cni: 'calico', cniVersion: 'v3.28.0', mtu: 1450, namespace: `netbench-${result.runId}` } })
    expect(calico.info.nodes.map((node: { name: string; zone: string }) => `${node.name}/${node.zone}`)).toEqual(['node-a1/eu-west-1a', 'node-b1/eu-west-1b'])
    const point = only.points.find((entry: { network: string; label: string }) => entry.network === 'calico' && entry.label === 'udp 10M')
    expect(point).toMatchObject({ status: 'ok', from: 'calico-p1', to: 'calico-p2' })
    expect(point.samples[0].datagramBytes).toBe(1422)
    expect(point.raw[0].start.test_start.protocol).toBe('UDP')
    // The run's namespace carried the run id, and every exec went over v5.channel.k8s.io.
    expect(server.requests).toContainEqual({ method: 'POST', path: '/api/v1/namespaces' })
    expect(server.execs.filter((exec) => exec.argv.includes('-c')).every((exec) => exec.pod.startsWith(`netbench-${result.runId}/`))).toBe(true)
  })

  test('one context per network (KUBECONFIG with two files, two clusters with different CNIs)', async () => {
    const calicoLab = await standIn({}, ['calico-lab'])
    const weaveLab = await standIn({ daemonsets: [{ namespace: 'kube-system', name: 'weave-net', image: 'ghcr.io/weaveworks/launcher/weave-kube:2.8.1' }], podMtu: 1376 }, ['weave-lab'])
    using project = tmpProject({
      'suites/two.netbench.yaml': [
        'name: one cluster per CNI',
        'cluster: { provider: kube }',
        'networks: [{ name: calico, context: calico-lab }, { name: weave, context: weave-lab }]',
        'steps: [{ udp: { bitrates: [10M], duration: 1s, between: nodes } }]',
        'expect: ["all at 10M loss < 5%"]',
      ].join('\n'),
    })
    const kubeconfig = `${calicoLab.kubeconfig}:${weaveLab.kubeconfig}`
    const { code, stdout } = await runCli(['--kubeconfig', calicoLab.kubeconfig, '--output', 'result.json'], { cwd: project.dir }).then(async (first) => {
      // --kubeconfig names one file; KUBECONFIG may list several (merged, as kubectl does).
      expect(first.code).toBe(3)
      expect(first.stderr).toContain("kube context 'weave-lab' is not in the kubeconfig")
      process.env.KUBECONFIG = kubeconfig
      try {
        return await runCli(['--output', 'result.json'], { cwd: project.dir })
      } finally {
        delete process.env.KUBECONFIG
      }
    })
    expect(code).toBe(0)
    expect(stdout).toContain('kube: context calico-lab (v1.30.2), context weave-lab (v1.30.2); calico: calico v3.28.0, MTU 1450; weave: weave 2.8.1, MTU 1376')
    const result = JSON.parse(readFileSync(project.path('result.json'), 'utf8'))
    const weavePoint = result.suites[0].points.find((point: { network: string }) => point.network === 'weave')
    expect(weavePoint.samples[0].datagramBytes).toBe(1376 - 28)
    expect(calicoLab.standIn.execs.some((exec) => exec.argv.includes('-c'))).toBe(true)
    expect(weaveLab.standIn.execs.some((exec) => exec.argv.includes('-c'))).toBe(true)
  })

  test('SIGINT mid-probe: the namespace is deleted at once, the probe ends, exit 130, nothing left', async () => {
    const { standIn: server, kubeconfig } = await standIn()
    using project = tmpProject({ 's.netbench.yaml': 'name: long\ncluster: { provider: kube }\nnetworks: [calico]\nsteps:\n  - udp: { bitrates: [5M, 6M], duration: 30s }\n' })
    const cli = startCli(['--kubeconfig', kubeconfig, 's.netbench.yaml'], { cwd: project.dir })
    // Wait until a probe really runs: an iperf3 client exec'd into a pod.
    await waitUntil(() => server.execs.some((exec) => exec.argv.includes('-c')), 60_000)
    expect(server.processes()).toBeGreaterThan(0)
    const stdout = await interruptCli(cli, 20_000)
    expect(stdout).toMatch(/interrupted/)
  })
})

describe('netbench run with a NetworkPolicy step on kube', () => {
  test('real NetworkPolicy objects, the connectivity matrix, and the policy expectation', async () => {
    const { standIn: server, kubeconfig } = await standIn()
    using project = tmpProject({
      'p.netbench.yaml': [
        'name: policy on kube',
        'cluster: { provider: kube }',
        'networks: [calico]',
        'steps:',
        '  - policy:',
        '      pods:',
        '        client: { labels: { role: frontend } }',
        '        other: { labels: { role: batch } }',
        '        web: { labels: { app: web }, namespace: prod }',
        '      policies:',
        '        - metadata: { name: web-from-frontend, namespace: prod }',
        '          spec:',
        '            podSelector: { matchLabels: { app: web } }',
        '            ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: frontend } } }], ports: [{ protocol: TCP, port: 8080 }] }]',
        'expect: ["calico policy enforced"]',
      ].join('\n'),
    })
    const { code, stdout, stderr } = await runCli(['--kubeconfig', kubeconfig, '--output', 'result.json', 'p.netbench.yaml'], { cwd: project.dir })
    expect({ code, stdout, stderr }).toMatchObject({ code: 0 })
    expect(stdout).toMatch(/✓ calico › policy › policy enforced/)
    const result = JSON.parse(readFileSync(project.path('result.json'), 'utf8'))
    const policy = result.suites[0].policies[0]
    expect(policy).toMatchObject({ status: 'enforced', network: 'calico', policies: ['prod/web-from-frontend'] })
    expect(policy.matrix.filter((cell: { to: string; expected: string }) => cell.to === 'web' && cell.expected === 'allowed').map((cell: { from: string; protocol: string }) => `${cell.from} ${cell.protocol}`)).toEqual(['client tcp'])
    expect(server.requests.filter((request) => request.path.endsWith('/networkpolicies')).map((request) => request.path)).toEqual([expect.stringMatching(/^\/apis\/networking\.k8s\.io\/v1\/namespaces\/netbench-[a-z0-9]{4}-p0-prod\/networkpolicies$/)])
  })
})

describe('netbench run with an ipBlock policy step on a Cilium cluster', () => {
  test('cells an ipBlock decides between pods are implementation-defined in every report, and the run passes', async () => {
    const { kubeconfig } = await standIn({ policyEnforcement: 'cilium', daemonsets: [{ namespace: 'kube-system', name: 'cilium', image: 'quay.io/cilium/cilium:v1.15.5' }] })
    using project = tmpProject({
      'p.netbench.yaml': [
        'name: ipBlock on cilium',
        'cluster: { provider: kube }',
        'networks: [cilium]',
        'steps:',
        '  - policy:',
        '      pods: { client: { labels: { role: frontend } }, web: { labels: { app: web } } }',
        '      policies:',
        '        - metadata: { name: web-from-client-ip }',
        '          spec: { podSelector: { matchLabels: { app: web } }, ingress: [{ from: [{ ipBlock: { cidr: "{client}/32" } }] }] }',
        'expect: ["cilium policy enforced"]',
      ].join('\n'),
    })
    const { code, stdout, stderr } = await runCli(['--kubeconfig', kubeconfig, '--output', 'result.json', '--reporter', 'terminal', '--reporter', 'html', '--reporter', 'junit', '--report-dir', 'out', 'p.netbench.yaml'], { cwd: project.dir })
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    expect(stdout).toMatch(/✓ cilium › policy › policy enforced/)
    expect(stdout).toMatch(/cilium\s+enforced\s+2\/2 \+ 2 implementation-defined/)
    expect(stdout).toContain('cilium: 2 implementation-defined cells: an ipBlock holding pod IPs decides them')
    expect(stdout).toContain('policy enforced: all 2 probes matched the policies (2 implementation-defined, not counted)')
    const policy = JSON.parse(readFileSync(project.path('result.json'), 'utf8')).suites[0].policies[0]
    expect(policy.status).toBe('enforced')
    expect(policy.matrix.filter((cell: { implementationDefined?: string }) => cell.implementationDefined).map((cell: { from: string; to: string; protocol: string; implementationDefined: string }) => `${cell.from}→${cell.to} ${cell.protocol} ${cell.implementationDefined}`))
      .toEqual(['client→web tcp ipblock-pod', 'client→web udp ipblock-pod'])
    const html = readFileSync(project.path('out/index.html'), 'utf8')
    expect(html).toMatch(/<td>2\/2 \+ 2 implementation-defined<\/td>/)
    expect(html).toContain('cilium: 2 implementation-defined cells')
    const junit = readFileSync(project.path('out/junit.xml'), 'utf8')
    expect(junit).toContain('<property name="policy.step0.implementation-defined" value="2"/>')
    expect(junit).toContain('<property name="policy.step0.verdict" value="enforced"/>')
    expect(junit).not.toMatch(/<failure|<error/)
  })
})

describe('environment and provider errors: one line, exit 3, nothing left behind', () => {
  const oneNetwork = (cluster: string) => ({ 's.netbench.yaml': `name: e\ncluster: ${cluster}\nnetworks: [calico]\nsteps: [{ tcp: { duration: 1s } }]\n` })

  test('an unknown context', async () => {
    const { kubeconfig } = await standIn()
    using project = tmpProject(oneNetwork('{ provider: kube, context: prod-like }'))
    const { code, stdout, stderr } = await runCli(['--kubeconfig', kubeconfig, 's.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stdout).toBe('')
    expect(stderr).toBe(`netbench: kube context 'prod-like' is not in the kubeconfig (${kubeconfig}) — use one of standin (kubectl config get-contexts), or pass --kubeconfig\n`)
  })

  test('an unreachable API server', async () => {
    const { standIn: server, dir } = await standIn()
    const file = join(dir, 'down')
    writeFileSync(file, server.kubeconfig(['down']).replace(server.url, 'https://127.0.0.1:9'))
    using project = tmpProject(oneNetwork('{ provider: kube }'))
    const { code, stderr } = await runCli(['--kubeconfig', file, 's.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stderr).toBe("netbench: cannot reach the Kubernetes API server of context 'down' (https://127.0.0.1:9): connect ECONNREFUSED 127.0.0.1:9 — check that the cluster is up and the kubeconfig points at it (kubectl --context down cluster-info)\n")
  })

  test('a missing permission: verb and resource named, no namespace ever created', async () => {
    const { standIn: server, kubeconfig } = await standIn({ forbid: [{ verb: 'create', resource: 'namespaces' }] })
    using project = tmpProject(oneNetwork('{ provider: kube }'))
    const { code, stderr } = await runCli(['--kubeconfig', kubeconfig, 's.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stderr).toBe("netbench: context 'standin': the user may not create namespaces (checked with SelfSubjectAccessReview) — grant the netbench ClusterRole from docs/kubernetes.md (RBAC section); never cluster-admin\n")
    expect(server.requests.filter((request) => request.method === 'POST' && request.path === '/api/v1/namespaces')).toEqual([])
  })

  test('a pod that never gets Ready (image pull): the run errors with pod, node and reason', async () => {
    const { kubeconfig } = await standIn({ badImages: ['registry.example/netshoot:typo'] })
    using project = tmpProject(oneNetwork("{ provider: kube, podImage: 'registry.example/netshoot:typo', readyTimeout: 2s }"))
    const { code, stdout } = await runCli(['--kubeconfig', kubeconfig, 's.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stdout).toMatch(/network calico failed: pod calico-p1 on node node-c1 \(context 'standin'\): not Ready within 2 s: ImagePullBackOff: Back-off pulling image "registry\.example\/netshoot:typo"/)
  })

  test('a namespace stuck Terminating: the run says which and why, exit 3', async () => {
    const { standIn: server, kubeconfig } = await standIn({ stuckNamespaces: true })
    using project = tmpProject(oneNetwork('{ provider: kube, deleteTimeout: 1s }'))
    const { code, stdout } = await runCli(['--kubeconfig', kubeconfig, 's.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stdout).toMatch(/netbench: cleanup failed: namespace netbench-[a-z0-9]{4} in context 'standin' is still Terminating after 1 s: NamespaceFinalizersRemaining/)
    expect(server.namespaces()).toHaveLength(1)
    // Once the finalizer goes, the namespace goes: nothing is left for the afterEach check.
    server.releaseNamespaces()
  })

  test.runIf(!docker.available)('provider k3s without a Docker engine', async () => {
    using project = tmpProject({ 's.netbench.yaml': 'name: e\ncluster: { provider: k3s }\nnetworks: [flannel]\nsteps: [{ tcp: { duration: 1s } }]\n' })
    const { code, stderr } = await runCli(['s.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stderr).toMatch(/^netbench: no Docker engine: .* — start Docker \(or point DOCKER_HOST at an engine\) to use provider: k3s, or use provider: kube with an existing cluster\n$/)
  })
})

describe('netbench clean --kube and list', () => {
  test('clean --kube deletes the namespace of a dead run and nothing else', async () => {
    const { standIn: server, kubeconfig } = await standIn({}, ['standin', 'other'])
    // A run killed with SIGKILL: its namespace remains, its owner process is gone.
    const { kubeProvider } = await import('../../src/providers/kube/provider.ts')
    process.env.KUBECONFIG = kubeconfig
    try {
      const cluster = await kubeProvider.createCluster({ provider: 'kube', context: 'standin', contexts: { calico: 'standin' }, podImage: 'nicolaka/netshoot:v0.13', readyTimeoutMs: 5000, deleteTimeoutMs: 5000, placements: [{ between: 'nodes', endpoint: 'pod' }] }, { runId: 'dead', runDir: '/tmp' })
      await cluster.install('calico')
    } finally {
      delete process.env.KUBECONFIG
    }
    Object.assign(server.namespace('netbench-dead')!.metadata.annotations, { 'netbench.io/owner-pid': '999999', 'netbench.io/owner-start': '1' })
    const { code, stdout } = await runCli(['clean', '--kube', '--context', 'standin', '--kubeconfig', kubeconfig])
    expect(code).toBe(0)
    expect(stdout).toBe('netbench: removed namespace netbench-dead (context standin; its owner, process 999999 on this host, is gone)\n')
    const again = await runCli(['clean', '--kube', '--kubeconfig', kubeconfig])
    expect(again.stdout).toBe('netbench: no namespace of a dead run to clean\n')
  })

  test('list shows the kube contexts without contacting anything', async () => {
    using project = tmpProject({ 's.netbench.yaml': 'name: l\ncluster: { provider: kube, context: a }\nnetworks: [x, { name: y, context: b }]\nsteps: [{ tcp: { duration: 1s } }]\n' })
    const { code, stdout } = await runCli(['list', 's.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(0)
    expect(stdout).toContain('kube: context a, b, pods nicolaka/netshoot:v0.13')
  })
})
