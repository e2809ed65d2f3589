/**
 * Service paths of the kube provider against the Kubernetes API STAND-IN (test/kube-standin): the
 * Services netbench creates pass the stand-in's copy of the API server's Service validation, get
 * a ClusterIP and node ports, and a client reaches its server through them with the REAL iperf3
 * over loopback. The stand-in's routing is a userspace forwarder in the test process (as
 * kube-proxy's old userspace mode was): it proves the path exists, its figures measure nothing.
 */
import { describe, expect, test } from 'vitest'
import type { ClusterSpec } from '../../model.ts'
import type { EndpointPair } from '../types.ts'
import { serverArgs, tcpClientArgs, udpClientArgs } from '../../tools/iperf3/args.ts'
import { parseIperf3Output } from '../../tools/iperf3/parse.ts'
import { failure, kubeSpec, standInPerTest } from '../../../test/kube-standin/fixture.ts'
import { kubeProvider } from './provider.ts'
import { removeKubeRun } from './runs.ts'
import { KubeTarget } from './cluster-client.ts'
import { configForContext, loadKubeConfig } from './kubeconfig.ts'

const standIns = standInPerTest()
const spec = (overrides: Record<string, unknown> = {}) => kubeSpec(overrides) as ClusterSpec
const context = (runId: string) => ({ runId, runDir: '/tmp' })
const viaPlacements = [
  { between: 'zones', endpoint: 'pod', via: 'service' },
  { between: 'zones', endpoint: 'pod', via: 'nodeport' },
  { between: 'zones', endpoint: 'pod', via: 'hairpin' },
]

/**
 * One real iperf3 run from the pair's client to the address and port its Service route names,
 * the server listening on its own pod address (as the tools will run it once steps carry `via`).
 */
async function iperf3Through(pair: EndpointPair, kind: 'tcp' | 'udp', port: number) {
  const route = pair.service!
  const server = pair.server.start(serverArgs({ port, bindIp: pair.server.ip }))
  try {
    await new Promise<void>((resolve, reject) => {
      let text = ''
      server.stdout.on('data', (chunk) => { text += String(chunk); if (/Server listening/.test(text)) resolve() })
      void server.exited.then(() => reject(new Error(`iperf3 server exited: ${text}`)))
    })
    const common = { serverIp: route.address, port: route.port(port), durationMs: 1000, connectTimeoutMs: 3000 }
    const argv = kind === 'tcp' ? tcpClientArgs({ ...common, streams: 1 }) : udpClientArgs({ ...common, bitrateBps: 10e6, datagramBytes: 1400 })
    const result = await pair.client.exec(argv, { timeoutMs: 15_000 })
    return parseIperf3Output(result.stdout, kind)
  } finally {
    await server.stop()
  }
}

describe('Service paths on kube (API stand-in; its Service routing is a stand-in, not a datapath)', () => {
  test('ClusterIP, NodePort and hairpin paths select the server pod; real iperf3 goes through the ClusterIP and the NodePort; the Services go with the network', async () => {
    const { standIn: server } = await standIns.start()
    const clusterSpec = spec({ placements: viaPlacements })
    await kubeProvider.preflight(clusterSpec, ['calico'])
    const cluster = await kubeProvider.createCluster(clusterSpec, context('sv01'))
    const calico = await cluster.install('calico')

    const services = server.services()
    expect(services.map((service) => `${service.metadata.name}:${service.spec.type}`).sort()).toEqual(['np-calico-p2:NodePort', 'svc-calico-p2:ClusterIP'])
    for (const service of services) {
      expect(service.metadata.namespace).toBe('netbench-sv01')
      expect(service.spec.selector).toEqual({ 'netbench.io/run': 'sv01', 'netbench.io/network': 'calico', 'netbench.io/pod': 'calico-p2' })
      expect(service.spec.ports).toHaveLength(100)
      expect(service.spec.clusterIP).toMatch(/^127\.0\.(9[6-9]|10\d|11[01])\.\d+$/)
    }
    const nodePorts = services.find((service) => service.spec.type === 'NodePort')!.spec.ports as Array<{ name: string; port: number; protocol: string; nodePort: number }>
    expect(nodePorts.every((port) => port.nodePort >= 30000 && port.nodePort <= 32767)).toBe(true)
    const tcp5201 = nodePorts.find((port) => port.name === 'tcp-5201')!
    expect(nodePorts.find((port) => port.name === 'udp-5201')!.nodePort).toBe(tcp5201.nodePort)

    const clusterIp = calico.pair('zones', 'pod', 'service')
    expect(clusterIp.service).toMatchObject({ via: 'service', address: services.find((service) => service.spec.type === 'ClusterIP')!.spec.clusterIP, label: expect.stringMatching(/^ClusterIP 127\.0\.\d+\.\d+ → calico-p2$/) })
    expect(clusterIp.service!.port(5210)).toBe(5210)
    expect(clusterIp.service!.translated).toBeUndefined()
    expect([clusterIp.client.name, clusterIp.server.name]).toEqual(['calico-p1', 'calico-p2'])
    const nodePort = calico.pair('zones', 'pod', 'nodeport')
    // The client's own node (node-a1); the stand-in's nodes are all at 127.0.0.1.
    expect(nodePort.service).toMatchObject({ via: 'nodeport', address: '127.0.0.1', label: 'NodePort node-a1 (127.0.0.1) → calico-p2' })
    expect(nodePort.service!.port(5201)).toBe(tcp5201.nodePort)
    const hairpin = calico.pair('zones', 'pod', 'hairpin')
    // The stand-in's forwarder cannot show what hairpin changes (kube-proxy's masquerade): its route is the ClusterIP one, from the server pod.
    expect([hairpin.client.name, hairpin.server.name, hairpin.service!.address]).toEqual(['calico-p2', 'calico-p2', clusterIp.service!.address])
    expect(() => calico.pair('nodes', 'pod', 'service')).toThrow(/installed without pod endpoints for between: nodes/)

    const throughClusterIp = await iperf3Through(clusterIp, 'tcp', 5211)
    expect(throughClusterIp.metrics.throughputBps).toBeGreaterThan(1e6)
    const throughNodePort = await iperf3Through(nodePort, 'udp', 5212)
    expect(throughNodePort.metrics.throughputBps).toBeGreaterThan(5e6)
    expect(throughNodePort.metrics.lossPercent).toBeLessThan(20)
    // The bytes really went through the Services (the stand-in's proxy relayed them).
    expect(server.serviceForwarded('netbench-sv01', 'svc-calico-p2')).toBeGreaterThanOrEqual(2)
    expect(server.serviceForwarded('netbench-sv01', 'np-calico-p2')).toBeGreaterThanOrEqual(2)
    expect(calico.describe().services).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'np-calico-p2', type: 'NodePort', pod: 'calico-p2' })]))

    await calico[Symbol.asyncDispose]()
    expect(server.services()).toEqual([])
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
    expect(server.processes()).toBe(0)
  })

  test('a Service whose EndpointSlices never list the pod: the install fails naming it (exit 3), nothing left', async () => {
    const { standIn: server } = await standIns.start({ endpointSliceDelayMs: null })
    const cluster = await kubeProvider.createCluster(spec({ placements: [viaPlacements[0]], readyTimeoutMs: 600 }), context('sv02'))
    const error = await failure(cluster.install('calico'))
    expect(error.exitCode).toBe(3)
    expect(error.oneLine).toMatch(/^service svc-calico-p2 \(context 'standin', namespace netbench-sv02\) has no ready endpoint within 1 s: its EndpointSlices do not list pod calico-p2 as ready — the EndpointSlice controller/)
    expect(server.services()).toEqual([])
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
  })

  test('a run that died with its Services up: removing its namespace (the CLI, netbench clean --kube) removes them', async () => {
    const { standIn: server } = await standIns.start()
    const cluster = await kubeProvider.createCluster(spec({ placements: [viaPlacements[1]] }), context('sv03'))
    await cluster.install('calico')
    expect(server.services().map((service) => service.metadata.name)).toEqual(['np-calico-p2'])
    expect(await removeKubeRun('sv03', [null], { wait: true, timeoutMs: 5000 })).toEqual(['namespace netbench-sv03 (context standin)'])
    expect(server.services()).toEqual([])
    expect(server.processes()).toBe(0)
    await cluster[Symbol.asyncDispose]()
  })

  test('preflight names the missing Service and EndpointSlice permissions only when a placement has a via', async () => {
    await standIns.start({ forbid: [{ verb: 'create', resource: 'services' }, { verb: 'list', resource: 'endpointslices' }] })
    await kubeProvider.preflight(spec(), ['calico'])
    const error = await failure(kubeProvider.preflight(spec({ placements: viaPlacements }), ['calico']))
    expect(error.exitCode).toBe(3)
    expect(error.oneLine).toMatch(/^context 'standin': the user may not create services, list endpointslices\.discovery\.k8s\.io \(checked with SelfSubjectAccessReview\)/)
  })

  test('the stand-in refuses Services the API server refuses: the old unnamed-ports form, duplicates, bad names, node ports', async () => {
    const { standIn: server } = await standIns.start()
    const target = new KubeTarget(configForContext(loadKubeConfig(), 'standin'), { context: 'standin', server: server.url }, { runId: 'sv04', owner: { host: 'h', pid: 1, start: '1' } })
    await target.ensureNamespace(false)
    const service = (name: string, spec: Record<string, unknown>) => target.createService({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'x' }, ...spec } })
    const refusal = async (name: string, spec: Record<string, unknown>) => (await failure(service(name, spec))).oneLine
    const both = [{ port: 5201, protocol: 'TCP' }, { port: 5201, protocol: 'UDP' }]
    expect(await refusal('old', { ports: both })).toMatch(/^context 'standin': creating service old failed: Service "old" is invalid: \[spec\.ports\[0\]\.name: Required value, spec\.ports\[1\]\.name: Required value\] \(Invalid\)/)
    expect(await refusal('dup', { ports: both.map((port) => ({ ...port, name: 'iperf' })) })).toContain('Service "dup" is invalid: spec.ports[1].name: Duplicate value: "iperf"')
    expect(await refusal('twice', { ports: [{ name: 'a', port: 5201 }, { name: 'b', port: 5201 }] })).toContain('spec.ports[1]: Duplicate value: "5201/TCP"')
    expect(await refusal('5-calico', { ports: [{ port: 5201 }] })).toContain('metadata.name: Invalid value: "5-calico": a DNS-1035 label')
    expect(await refusal('icmp', { ports: [{ port: 5201, protocol: 'ICMP' }] })).toContain('spec.ports[0].protocol: Unsupported value: "ICMP"')
    expect(await refusal('big', { ports: [{ port: 70000 }] })).toContain('spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive')
    expect(await refusal('cip', { ports: [{ port: 5201, nodePort: 30500 }] })).toContain("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'")
    expect(await refusal('low', { type: 'NodePort', ports: [{ port: 5201, nodePort: 29999 }] })).toContain('provided port is not in the valid range. The range of valid ports is 30000-32767')
    expect(await refusal('kind', { type: 'Ingress', ports: [{ port: 5201 }] })).toContain('spec.type: Unsupported value: "Ingress"')
    // One node port for TCP and UDP of one Service port is allowed; another Service may not take it.
    const first = await service('first', { type: 'NodePort', ports: both.map((port) => ({ ...port, name: port.protocol.toLowerCase(), nodePort: 30500 })) })
    expect(first.spec!.ports!.map((port) => port.nodePort)).toEqual([30500, 30500])
    expect(await refusal('second', { type: 'NodePort', ports: [{ port: 5202, nodePort: 30500 }] })).toContain('spec.ports[0].nodePort: Invalid value: 30500: provided port is already allocated')
    expect(server.services().map((entry) => entry.metadata.name)).toEqual(['first'])
    await target.deleteNamespace(5000)
    expect(server.services()).toEqual([])
  })
})
