/**
 * The kube provider's whole client flow against a Kubernetes API STAND-IN (test/kube-standin): a
 * local HTTPS + WebSocket server speaking exactly the endpoints netbench uses. Its exec endpoint
 * runs the REAL iperf3 on this machine over loopback, so the figures parsed here are real.
 */
import { describe, expect, test } from 'vitest'
import { runIperf3 } from '../../tools/iperf3/run.ts'
import { runSockperf } from '../../tools/sockperf/sockperf.ts'
import type { ClusterSpec } from '../../model.ts'
import { failure, kubeSpec, standInPerTest } from '../../../test/kube-standin/fixture.ts'
import { kubeProvider } from './provider.ts'
import { cleanKubeRuns, removeKubeRun } from './runs.ts'
import { HEARTBEAT_ANNOTATION, MANAGED_BY_LABEL, OWNER_HOST_ANNOTATION, OWNER_PID_ANNOTATION, OWNER_START_ANNOTATION, RUN_LABEL } from './labels.ts'
import { PodEndpoint } from './pod-endpoint.ts'

const standIns = standInPerTest()
const standIn = standIns.start

const spec = (overrides: Record<string, unknown> = {}) => kubeSpec(overrides) as ClusterSpec
const context = (runId: string) => ({ runId, runDir: '/tmp' })

describe('kube provider against the API stand-in', () => {
  test('pods across zones and hostNetwork pods, real iperf3 through the exec API, then nothing left', async () => {
    const { standIn: server } = await standIn()
    const clusterSpec = spec({ contexts: { calico: null, host: null }, placements: [{ between: 'zones', endpoint: 'pod' }, { between: 'same-node', endpoint: 'pod' }] })
    await kubeProvider.preflight(clusterSpec, ['host', 'calico'])
    const cluster = await kubeProvider.createCluster(clusterSpec, context('fl01'))
    const calico = await cluster.install('calico')

    const namespace = server.namespace('netbench-fl01')!
    expect(namespace.metadata.labels).toMatchObject({ [MANAGED_BY_LABEL]: 'netbench', [RUN_LABEL]: 'fl01' })
    expect(namespace.metadata.annotations[OWNER_PID_ANNOTATION]).toBe(String(process.pid))
    const pods = server.podObjects()
    expect(pods.map((pod) => `${pod.metadata.name}@${pod.spec.nodeName}`)).toEqual(['calico-p1@node-a1', 'calico-p2@node-b1', 'calico-p3@node-a1'])

    const zones = calico.pair('zones')
    expect([zones.client.zone, zones.server.zone]).toEqual(['eu-west-1a', 'eu-west-1b'])
    expect(zones.client.mtu).toBe(1450)
    const udp = await runIperf3({ ...zones, probe: { kind: 'udp', bitrateBps: 20e6, durationMs: 1000 } })
    // Datagrams sized from the pod MTU read inside the pod (1450 - 28), figures from real iperf3.
    expect(udp.datagramBytes).toBe(1422)
    expect(udp.metrics.throughputBps).toBeGreaterThan(15e6)
    expect(udp.metrics.lossPercent).toBeLessThan(5)
    const tcp = await runIperf3({ ...calico.pair('same-node'), probe: { kind: 'tcp', streams: 1, durationMs: 1000 } })
    expect(tcp.metrics.throughputBps).toBeGreaterThan(100e6)
    expect(tcp.metrics.retransmits).not.toBeNull()

    const described = calico.describe()
    expect(described).toMatchObject({ provider: 'kube', context: 'standin', server: 'v1.30.2', cni: 'calico', cniVersion: 'v3.28.0', mtu: 1450, iperf3: expect.stringMatching(/^iperf 3\./) })
    expect((described.nodes as Array<{ name: string; instanceType: string; kernel: string }>)[0]).toMatchObject({ name: 'node-a1', instanceType: 'm4.large', kernel: '6.1.0-standin-amd64' })

    const host = await cluster.install('host')
    expect(() => host.pair('same-node')).toThrow('the host network has one endpoint per node')
    const hostPair = host.pair('zones')
    expect(hostPair.client.mtu).toBe(9001)
    expect(server.podObjects().filter((pod) => pod.spec.hostNetwork).map((pod) => pod.metadata.name)).toEqual(['host-h1', 'host-h2'])
    expect(server.namespace('netbench-fl01')!.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged')
    const hostUdp = await runIperf3({ ...hostPair, probe: { kind: 'udp', bitrateBps: 10e6, durationMs: 1000 } })
    expect(hostUdp.datagramBytes).toBe(9001 - 28)

    await calico[Symbol.asyncDispose]()
    expect(server.pods().filter((pod) => pod.includes('calico'))).toEqual([])
    await host[Symbol.asyncDispose]()
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
    expect(server.processes()).toBe(0)
    expect(server.execs.every((exec) => exec.protocol === 'v5.channel.k8s.io')).toBe(true)
  })

  test('a server that speaks only v4.channel.k8s.io works the same', async () => {
    const { standIn: server } = await standIn({ protocols: ['v4.channel.k8s.io'] })
    const cluster = await kubeProvider.createCluster(spec(), context('v4v4'))
    const network = await cluster.install('calico')
    const sample = await runIperf3({ ...network.pair('zones'), probe: { kind: 'udp', bitrateBps: 5e6, durationMs: 1000 } })
    expect(sample.metrics.throughputBps).toBeGreaterThan(4e6)
    await cluster[Symbol.asyncDispose]()
    expect(server.execs.length).toBeGreaterThan(0)
    expect(server.execs.every((exec) => exec.protocol === 'v4.channel.k8s.io')).toBe(true)
    expect(server.namespaces()).toEqual([])
  })

  test('exec waits for the status, not the socket: exit codes, output and stop() of a running program', async () => {
    const { standIn: server } = await standIn()
    const cluster = await kubeProvider.createCluster(spec(), context('ex01'))
    const network = await cluster.install('calico')
    const { client } = network.pair('zones')
    expect(client).toBeInstanceOf(PodEndpoint)
    const ok = await client.exec(['sh', '-c', 'sleep 0.3; echo done; echo warn >&2; exit 3'])
    expect(ok).toEqual({ exitCode: 3, signal: null, stdout: 'done\n', stderr: 'warn\n' })

    const running = client.start(['sleep', '30'])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(server.processes()).toBe(1)
    const started = Date.now()
    await running.stop()
    expect(Date.now() - started).toBeLessThan(5000)
    const ended = await running.exited
    expect(ended.exitCode).toBe(143)
    expect(server.processes()).toBe(0)

    const timedOut = await client.exec(['sleep', '30'], { timeoutMs: 500 })
    expect(timedOut).toMatchObject({ exitCode: null, signal: 'SIGKILL' })
    expect(server.processes()).toBe(0)
    await cluster[Symbol.asyncDispose]()
  })

  test('iperf3 errors are real iperf3 errors: a server that dies after listening', async () => {
    await standIn({ killServerAfterListening: true })
    const cluster = await kubeProvider.createCluster(spec(), context('ip01'))
    const network = await cluster.install('calico')
    const error = await failure(runIperf3({ ...network.pair('zones'), probe: { kind: 'tcp', streams: 1, durationMs: 1000 }, connectTimeoutMs: 2000 }))
    // The server went away mid-test: iperf3 itself says so (the exact words depend on the moment).
    expect(error.message).toMatch(/^iperf3.*(unable to connect to server|Connection refused|control socket has closed unexpectedly|Connection reset)/i)
    await cluster[Symbol.asyncDispose]()
    expect(standIns.current().standIn.namespaces()).toEqual([])
  })

  test('an exec the API refuses (kubelet unreachable) fails the probe with the reason', async () => {
    const { standIn: server } = await standIn()
    const cluster = await kubeProvider.createCluster(spec(), context('er01'))
    const network = await cluster.install('calico')
    server.options.execRefusal = 500
    const error = await failure(network.pair('zones').client.exec(['iperf3', '--version']))
    expect(error.message).toBe('exec into pod calico-p1 refused with HTTP 500: error dialing backend: dial tcp 127.0.0.1:10250: connect: connection refused')
    server.options.execRefusal = null
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
  })

  test('an image without iperf3 fails at install, naming the pod and the image', async () => {
    const { standIn: server } = await standIn({ missingPrograms: ['iperf3'] })
    const cluster = await kubeProvider.createCluster(spec({ podImage: 'busybox:1.36' }), context('mi01'))
    const error = await failure(cluster.install('calico'))
    expect(error.oneLine).toMatch(/^iperf3 does not run in pod calico-p1 \(image busybox:1\.36\): .*executable file not found in \$PATH.* — set cluster\.podImage to an image with iperf3/)
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
  })

  test('request/response latency: real sockperf through the stand-in\'s exec API (its pods are host processes)', async () => {
    const { standIn: server } = await standIn()
    const cluster = await kubeProvider.createCluster(spec({ programs: ['sockperf'] }), context('rr01'))
    const calico = await cluster.install('calico')
    const result = await runSockperf({ ...calico.pair('zones'), probe: { protocol: 'tcp', durationMs: 1000 } })
    expect(result.transactions).toBeGreaterThan(100)
    expect(result.rttMs.p99).toBeGreaterThan(0)
    await calico[Symbol.asyncDispose]()
    await cluster[Symbol.asyncDispose]()
    expect(server.processes()).toBe(0)
  })

  test('an image without sockperf fails at install, naming the pod, the image and cluster.podImage (exit 3)', async () => {
    const { standIn: bare } = await standIn({ missingPrograms: ['sockperf'] })
    const without = await kubeProvider.createCluster(spec({ podImage: 'netbench/no-sockperf:1', programs: ['sockperf'] }), context('rr02'))
    const error = await failure(without.install('calico'))
    expect(error.oneLine).toMatch(/^sockperf does not run in pod calico-p1 \(image netbench\/no-sockperf:1\), and a latency step with a protocol needs it: .* — set cluster\.podImage to an image with iperf3, sockperf, sh and ip/)
    expect(error.exitCode).toBe(3)
    await without[Symbol.asyncDispose]()
    expect(bare.namespaces()).toEqual([])
  })

  test('a pod that never gets Ready: which pod, which node, why (image pull), within the timeout', async () => {
    const { standIn: server } = await standIn({ badImages: ['netbench/no-such-image:1'] })
    const cluster = await kubeProvider.createCluster(spec({ podImage: 'netbench/no-such-image:1', readyTimeoutMs: 1500 }), context('np01'))
    const started = Date.now()
    const error = await failure(cluster.install('calico'))
    expect(Date.now() - started).toBeLessThan(6000)
    expect(error.oneLine).toMatch(/^pod calico-p1 on node node-a1 \(context 'standin'\): not Ready within 2 s: ImagePullBackOff: Back-off pulling image "netbench\/no-such-image:1" — check cluster\.podImage \(netbench\/no-such-image:1\)/)
    expect(error.exitCode).toBe(3)
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
  })

  test('a CNI that cannot wire pods: the sandbox event is the reason', async () => {
    await standIn({ sandboxFailure: 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "3f2a": plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file or directory' })
    const cluster = await kubeProvider.createCluster(spec({ readyTimeoutMs: 1000 }), context('sb01'))
    const error = await failure(cluster.install('calico'))
    expect(error.message).toContain('not Ready within 1 s: FailedCreatePodSandBox: Failed to create pod sandbox')
    expect(error.oneLine).toContain('the CNI could not wire the pod')
    await cluster[Symbol.asyncDispose]()
  })

  test('a namespace stuck Terminating: cleanup says so, with the condition, instead of hanging', async () => {
    const { standIn: server } = await standIn({ stuckNamespaces: true })
    const cluster = await kubeProvider.createCluster(spec({ deleteTimeoutMs: 1500 }), context('st01'))
    await cluster.install('calico')
    const error = await failure(Promise.resolve(cluster[Symbol.asyncDispose]()))
    expect(error.oneLine).toMatch(/^namespace netbench-st01 in context 'standin' is still Terminating after 2 s: NamespaceFinalizersRemaining: Some content in the namespace has finalizers remaining: example\.com\/stand-in-finalizer in 1 resource instances — see kubectl --context standin get namespace netbench-st01 -o yaml; once it can go, netbench clean --kube --context standin removes it/)
    expect(server.namespaces()).toEqual(['netbench-st01'])
    expect(server.pods()).toEqual([])
    server.releaseNamespaces()
    expect(server.namespaces()).toEqual([])
  })

  test('between: zones on nodes without zone labels', async () => {
    const { standIn: server } = await standIn({ nodes: [{ name: 'w1' }, { name: 'w2' }] })
    const cluster = await kubeProvider.createCluster(spec(), context('zl01'))
    const error = await failure(cluster.install('calico'))
    expect(error.oneLine).toBe("between: zones needs zone labels, but no node of context 'standin' has the topology.kubernetes.io/zone label (nodes: w1, w2) — label the nodes (kubectl label node <node> topology.kubernetes.io/zone=<zone>) or use between: nodes")
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
  })
})

describe('preflight: contexts, reachability, permissions', () => {
  test('a missing permission names the verb and resource, before anything is created', async () => {
    const { standIn: server } = await standIn({ forbid: [{ verb: 'create', resource: 'pods', subresource: 'exec' }, { verb: 'list', resource: 'nodes' }] })
    const error = await failure(kubeProvider.preflight(spec(), ['calico']))
    expect(error.oneLine).toBe("context 'standin': the user may not list nodes, create pods/exec (checked with SelfSubjectAccessReview) — grant the netbench ClusterRole from docs/kubernetes.md (RBAC section); never cluster-admin")
    expect(server.namespaces()).toEqual([])
    expect(server.requests.some((request) => request.method === 'POST' && request.path === '/api/v1/namespaces')).toBe(false)
  })

  test('RBAC that changed after the check: the API\'s own 403 names verb and resource', async () => {
    const { standIn: server } = await standIn({ forbid: [{ verb: 'create', resource: 'pods' }], reviewsAllowEverything: true })
    await kubeProvider.preflight(spec(), ['calico'])
    const cluster = await kubeProvider.createCluster(spec(), context('rb01'))
    const error = await failure(cluster.install('calico'))
    expect(error.message).toBe(`context 'standin': pods is forbidden: User "netbench-tester" cannot create resource "pods" in API group "" in the namespace "netbench-rb01"`)
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
  })

  test('an unknown context lists the known ones', async () => {
    await standIn({}, ['calico-lab', 'weave-lab'])
    const error = await failure(kubeProvider.preflight(spec({ context: 'prod-like', contexts: { calico: 'prod-like' } }), ['calico']))
    expect(error.oneLine).toBe(`kube context 'prod-like' is not in the kubeconfig (${standIns.current().kubeconfig}) — use one of calico-lab, weave-lab (kubectl config get-contexts), or pass --kubeconfig`)
    expect(error.exitCode).toBe(3)
  })

  test('an unreachable API server: one line, quickly', async () => {
    const { standIn: server, dir } = await standIn()
    const { writeFileSync } = await import('node:fs')
    const file = `${dir}/unreachable`
    writeFileSync(file, server.kubeconfig(['standin']).replace(server.url, 'https://127.0.0.1:1'))
    standIns.current().useKubeconfig(file)
    const error = await failure(kubeProvider.preflight(spec(), ['calico']))
    expect(error.oneLine).toBe("cannot reach the Kubernetes API server of context 'standin' (https://127.0.0.1:1): connect ECONNREFUSED 127.0.0.1:1 — check that the cluster is up and the kubeconfig points at it (kubectl --context standin cluster-info)")
  })

  test('wrong credentials', async () => {
    const { standIn: server, dir } = await standIn()
    const { writeFileSync } = await import('node:fs')
    const file = `${dir}/badtoken`
    writeFileSync(file, server.kubeconfig(['standin']).replace(server.options.token, 'expired'))
    standIns.current().useKubeconfig(file)
    expect((await failure(kubeProvider.preflight(spec(), ['calico']))).oneLine).toMatch(/^context 'standin': the API server rejected the credentials \(401 Unauthorized\) while reading the server version/)
  })

  test('no kubeconfig at all', async () => {
    const previous = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME }
    delete process.env.KUBECONFIG
    process.env.HOME = '/nonexistent-home'
    try {
      expect((await failure(kubeProvider.preflight(spec(), ['calico']))).oneLine).toBe('no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist — pass --kubeconfig <file>, set KUBECONFIG, or use provider: k3s for a throw-away cluster')
    } finally {
      Object.assign(process.env, previous)
      if (previous.KUBECONFIG === undefined) delete process.env.KUBECONFIG
    }
  })
})

test('the heartbeat renews the namespace annotation with a JSON patch', async () => {
  const { standIn: server } = await standIn()
  const { KubeTarget } = await import('./cluster-client.ts')
  const { loadKubeConfig, configForContext } = await import('./kubeconfig.ts')
  const target = new KubeTarget(configForContext(loadKubeConfig(), 'standin'), { context: 'standin', server: server.url }, { runId: 'hb01', owner: { host: 'h', pid: 1, start: '1' } })
  await target.ensureNamespace(false)
  const before = server.namespace('netbench-hb01')!.metadata.annotations[HEARTBEAT_ANNOTATION]
  await new Promise((resolve) => setTimeout(resolve, 20))
  await target.beat()
  const after = server.namespace('netbench-hb01')!.metadata.annotations[HEARTBEAT_ANNOTATION]
  expect(Date.parse(after)).toBeGreaterThan(Date.parse(before))
  expect(server.requests).toContainEqual({ method: 'PATCH', path: '/api/v1/namespaces/netbench-hb01' })
  await target.deleteNamespace(5000)
})

describe('cleanup from outside the run', () => {
  test('removeKubeRun deletes a run\'s namespaces in every context and waits', async () => {
    const { standIn: server } = await standIn()
    const cluster = await kubeProvider.createCluster(spec(), context('rm01'))
    await cluster.install('calico')
    // The worker died: the CLI removes the namespace itself.
    expect(await removeKubeRun('rm01', [null], { wait: true, timeoutMs: 5000 })).toEqual(['namespace netbench-rm01 (context standin)'])
    expect(server.namespaces()).toEqual([])
    expect(server.processes()).toBe(0)
    expect(await removeKubeRun('rm01', [null], { wait: true, timeoutMs: 5000 })).toEqual([])
    await cluster[Symbol.asyncDispose]()
  })

  test('clean --kube removes namespaces of dead runs and keeps live ones', async () => {
    const { standIn: server } = await standIn()
    const live = await kubeProvider.createCluster(spec(), context('li01'))
    await live.install('calico')
    // A run whose owner process is gone (same host, a PID that is not running).
    const dead = await kubeProvider.createCluster(spec(), context('de01'))
    await dead.install('calico')
    const annotations = server.namespace('netbench-de01')!.metadata.annotations
    annotations[OWNER_PID_ANNOTATION] = '999999'
    annotations[OWNER_START_ANNOTATION] = '1'
    // A run on another host that stopped beating an hour ago.
    const remote = await kubeProvider.createCluster(spec(), context('re01'))
    await remote.install('calico')
    Object.assign(server.namespace('netbench-re01')!.metadata.annotations, { [OWNER_HOST_ANNOTATION]: 'ci-runner-9', [HEARTBEAT_ANNOTATION]: new Date(Date.now() - 3600_000).toISOString() })

    const report = await cleanKubeRuns(['standin'], 5000)
    expect(report.removed).toEqual([
      'namespace netbench-de01 (context standin; its owner, process 999999 on this host, is gone)',
      'namespace netbench-re01 (context standin; its owner on ci-runner-9 last beat 60 min ago)',
    ])
    expect(report.kept).toEqual([expect.stringMatching(/^namespace netbench-li01 \(context standin\): run li01 is alive, its owner, process \d+ on this host, is running$/)])
    expect(server.namespaces()).toEqual(['netbench-li01'])
    await live[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
  })
})
