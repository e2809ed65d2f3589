/**
 * What a real cluster's datapath does to a run, against the Kubernetes API STAND-IN
 * (test/kube-standin): node firewalls that drop the iperf3 ports, route MTUs below the device MTU
 * (Cilium), exec streams that are lost or cut when quiet. iperf3 runs for real on loopback.
 */
import { describe, expect, test } from 'vitest'
import type { ClusterSpec } from '../../model.ts'
import { runIperf3 } from '../../tools/iperf3/run.ts'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { failure, kubeSpec, standInPerTest } from '../../../test/kube-standin/fixture.ts'
import { PROXIED_HOST, startProxy } from '../../../test/kube-standin/proxy.ts'
import { execKeepalive } from './exec.ts'
import { kubeProvider } from './provider.ts'

const standIns = standInPerTest()
const standIn = standIns.start

const spec = (overrides: Record<string, unknown> = {}) => kubeSpec(overrides) as ClusterSpec
const context = (runId: string) => ({ runId, runDir: '/tmp' })

describe('the datapath of a real cluster, on the stand-in', () => {
  test('a node firewall dropping iperf3 ports: install fails before measuring, naming ports, pods and nodes (exit 3)', async () => {
    const { standIn: server } = await standIn({ firewall: [{ node: 'node-b1', port: 5201, protocol: 'tcp' }, { node: 'node-b1', port: 5250, protocol: 'udp' }] })
    const cluster = await kubeProvider.createCluster(spec(), context('fw01'))
    const error = await failure(cluster.install('calico'))
    expect(error.exitCode).toBe(3)
    expect(error.oneLine).toBe("context 'standin': the iperf3 ports 5201–5250 are not reachable between the test pods (pod calico-p1 on node-a1 (zone eu-west-1a) → pod calico-p2 on node-b1 (zone eu-west-1b): TCP 5201, UDP 5250) — open TCP and UDP 5201-5250 between the nodes (EKS: the node security group; OpenShift/firewalld: the host firewall), or set cluster.ports to a range that is open")
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
    expect(server.processes()).toBe(0)
  })

  test('cluster.ports moves iperf3 to a range the firewall opens: checked, then used', async () => {
    const { standIn: server } = await standIn({ firewall: [{ node: 'node-b1', port: 5201, protocol: 'tcp' }] })
    const cluster = await kubeProvider.createCluster(spec({ ports: { first: 30100, last: 30104 } }), context('fw02'))
    const zones = (await cluster.install('calico')).pair('zones')
    for (let run = 0; run < 2; run++) await runIperf3({ ...zones, probe: { kind: 'tcp', streams: 1, durationMs: 1000 } })
    const used = server.execs.filter((exec) => exec.argv.includes('-s')).map((exec) => Number(exec.argv[exec.argv.indexOf('-p') + 1]))
    expect(used.length).toBe(2)
    for (const port of used) expect(port >= 30100 && port <= 30104).toBe(true)
    await cluster[Symbol.asyncDispose]()
  })

  test('datagrams are sized from the route MTU when the route sets one below the link (Cilium)', async () => {
    await standIn({ podMtu: 1500, podRouteMtu: 1450 })
    const cluster = await kubeProvider.createCluster(spec({ placements: [{ between: 'zones', endpoint: 'pod' }, { between: 'same-node', endpoint: 'pod' }] }), context('mt01'))
    const network = await cluster.install('calico')
    const zones = network.pair('zones')
    expect([zones.client.mtu, zones.server.mtu]).toEqual([1450, 1450])
    const udp = await runIperf3({ ...zones, probe: { kind: 'udp', bitrateBps: 5e6, durationMs: 1000 } })
    expect(udp.datagramBytes).toBe(1450 - 28)
    expect(network.describe().mtu).toBe(1450)
    await cluster[Symbol.asyncDispose]()
  })

  test('placement: Windows nodes are skipped, arm64 ones used, pairs of different instance types are flagged in the result', async () => {
    const { standIn: server } = await standIn()
    const cluster = await kubeProvider.createCluster(spec({ placements: [{ between: 'zones', endpoint: 'pod' }, { between: 'nodes', endpoint: 'pod' }] }), context('pl01'))
    const network = await cluster.install('calico')
    expect(server.podObjects().map((pod) => `${pod.metadata.name}@${pod.spec.nodeName}`)).toEqual(['calico-p1@node-a1', 'calico-p2@node-b1', 'calico-p3@node-c1', 'calico-p4@node-c2'])
    expect(network.describe().warnings).toEqual(['between: nodes pairs node-c1 (m4.large) with node-c2 (m6g.large): different instance types, whose network bandwidth may differ'])
    await cluster[Symbol.asyncDispose]()
  })

  test('placement: AKS fault domains in the zone label are not zones', async () => {
    const { standIn: server } = await standIn({ nodes: [{ name: 'aks-nodepool1-0', zone: '0' }, { name: 'aks-nodepool1-1', zone: '1' }] })
    const cluster = await kubeProvider.createCluster(spec(), context('fd01'))
    const error = await failure(cluster.install('calico'))
    expect(error.oneLine).toMatch(/^between: zones needs zones, but the topology\.kubernetes\.io\/zone labels of context 'standin' hold fault domains \(0, 1\)/)
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
  })

  test('exec: quiet streams outlive an idle timeout through WebSocket pings; a stream cut anyway leaves nothing running', async () => {
    const { standIn: server } = await standIn({ execIdleTimeoutMs: 800 })
    const keepalive = execKeepalive.intervalMs
    execKeepalive.intervalMs = 250
    try {
      const cluster = await kubeProvider.createCluster(spec(), context('ka01'))
      const { client } = (await cluster.install('calico')).pair('zones')
      const quiet = await client.exec(['sleep', '2'])
      expect(quiet).toMatchObject({ exitCode: 0, stderr: '' })
      // Without pings the stand-in cuts the stream, as a load balancer would; the program must not live on.
      execKeepalive.intervalMs = 0
      const cut = await client.exec(['sleep', '30'])
      expect(cut.exitCode).toBeNull()
      expect(cut.stderr).toContain('the exec stream closed without a status')
      expect(server.processes()).toBe(0)
      await cluster[Symbol.asyncDispose]()
    } finally {
      execKeepalive.intervalMs = keepalive
    }
  })

  test('a namespace held only by NamespaceDeletionDiscoveryFailure (metrics-server down) is no cleanup failure: its pods are gone', async () => {
    const { standIn: server } = await standIn({ discoveryFailure: true })
    const cluster = await kubeProvider.createCluster(spec({ deleteTimeoutMs: 20_000 }), context('df01'))
    await cluster.install('calico')
    const started = Date.now()
    await cluster[Symbol.asyncDispose]()
    expect(Date.now() - started).toBeLessThan(5000)
    expect(server.pods()).toEqual([])
    expect(server.processes()).toBe(0)
    expect(server.namespace('netbench-df01')!.status.conditions[0].type).toBe('NamespaceDeletionDiscoveryFailure')
    server.releaseNamespaces()
  })

  test('HTTPS_PROXY is honoured for API calls and exec streams: the server name resolves only through the proxy', async () => {
    const { standIn: server, dir } = await standIn()
    await using proxy = await startProxy()
    const kubeconfig = join(dir, 'proxied')
    writeFileSync(kubeconfig, server.kubeconfig().replace(server.url, `https://${PROXIED_HOST}:${new URL(server.url).port}`))
    standIns.current().useKubeconfig(kubeconfig)
    const saved = process.env.HTTPS_PROXY
    process.env.HTTPS_PROXY = proxy.url
    try {
      const cluster = await kubeProvider.createCluster(spec(), context('px01'))
      const network = await cluster.install('calico')
      expect((await network.pair('zones').client.exec(['cat', '/proc/self/status'])).exitCode).toBe(0)
      await cluster[Symbol.asyncDispose]()
    } finally {
      if (saved === undefined) delete process.env.HTTPS_PROXY
      else process.env.HTTPS_PROXY = saved
    }
    expect(proxy.tunnels.length).toBeGreaterThan(5)
    expect(server.execs.length).toBeGreaterThan(0)
    expect(server.namespaces()).toEqual([])
  })
})
