import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { isNetbenchError } from '../../errors.ts'
import type { K3sClusterSpec } from '../../model.ts'
import { runIperf3 } from '../../tools/iperf3/run.ts'
import { dockerAvailability, dockerEngine, engineWhereabouts } from './docker.ts'
import { agentArgs, agentEnvironment, applyOrder, ciliumPoolProblem, daemonSetsOf, manifestObjects, serverArgs, zoneOf } from './manifests.ts'
import { checkManifests, clusterKey, isDeadK3sOwner, k3sProvider } from './provider.ts'

describe('k3s containers', () => {
  test('the server: traefik and metrics-server off, zone label; flannel off only for another CNI', () => {
    expect(serverArgs({ withFlannel: true, zone: 'zone-a' })).toEqual(['server', '--disable=traefik', '--disable=metrics-server', '--node-name=k3s-server', '--node-label=topology.kubernetes.io/zone=zone-a'])
    expect(serverArgs({ withFlannel: false, zone: 'zone-a' }).slice(-2)).toEqual(['--flannel-backend=none', '--disable-network-policy'])
  })
  test('agents join the server by its network alias, zones round-robin', () => {
    expect(agentArgs({ index: 2, zone: zoneOf(2, 3) })).toEqual(['agent', '--node-name=k3s-agent-2', '--node-label=topology.kubernetes.io/zone=zone-c'])
    expect(agentEnvironment('s3cret')).toEqual({ K3S_URL: 'https://k3s-server:6443', K3S_TOKEN: 's3cret' })
    expect([0, 1, 2, 3].map((index) => zoneOf(index, 2))).toEqual(['zone-a', 'zone-b', 'zone-a', 'zone-b'])
  })
  test('host and flannel share the k3s cluster with flannel; a manifest gets its own', () => {
    const spec = { manifests: { host: null, flannel: null, calico: '/cni/calico.yaml' } }
    expect(['host', 'flannel', 'calico'].map((network) => clusterKey(spec, network))).toEqual(['flannel', 'flannel', 'calico'])
  })
})

describe('CNI manifests', () => {
  const manifest = [
    'apiVersion: v1', 'kind: ServiceAccount', 'metadata: { name: calico-node, namespace: kube-system }', '---',
    '# a comment-only document', '---',
    'apiVersion: apps/v1', 'kind: DaemonSet', 'metadata: { name: calico-node, namespace: kube-system }', '---',
    'apiVersion: v1', 'kind: List', 'items:', '  - { apiVersion: v1, kind: ConfigMap, metadata: { name: calico-config, namespace: kube-system } }', '---',
    'apiVersion: apiextensions.k8s.io/v1', 'kind: CustomResourceDefinition', 'metadata: { name: ippools.crd.projectcalico.org }',
  ].join('\n')
  test('multi-document YAML, List flattened, CRDs applied first, DaemonSets awaited', () => {
    const objects = manifestObjects(manifest, 'calico.yaml')
    expect(objects.map((object) => object.kind)).toEqual(['ServiceAccount', 'DaemonSet', 'ConfigMap', 'CustomResourceDefinition'])
    expect(applyOrder(objects).map((object) => object.kind)).toEqual(['CustomResourceDefinition', 'ServiceAccount', 'DaemonSet', 'ConfigMap'])
    expect(daemonSetsOf(objects)).toEqual([{ namespace: 'kube-system', name: 'calico-node' }])
  })
  test('what is not a Kubernetes object is named', () => {
    expect(() => manifestObjects('kind: Pod\n', 'x.yaml')).toThrow('x.yaml: document 1 is not a Kubernetes object')
    expect(() => manifestObjects('a: [\n', 'x.yaml')).toThrow(/^x\.yaml: document 1: /)
  })
  test('a manifest file that does not exist fails before Docker is asked', async () => {
    const spec = { manifests: { calico: '/nonexistent/calico.yaml', weave: 'https://example.org/weave.yaml' } } as unknown as K3sClusterSpec
    await expect(checkManifests(spec, ['calico', 'weave'])).rejects.toThrow('network calico: CNI manifest /nonexistent/calico.yaml: no such file')
    const dir = mkdtempSync(join(tmpdir(), 'k3s-manifest-'))
    writeFileSync(join(dir, 'calico.yaml'), manifest)
    await expect(checkManifests({ manifests: { calico: join(dir, 'calico.yaml') } } as unknown as K3sClusterSpec, ['calico'])).resolves.toBeUndefined()
  })
})

describe("Cilium's pod pool against k3s's Service range (10.43.0.0/16)", () => {
  const cilium = (data: string) => manifestObjects(`apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cilium-config, namespace: kube-system }\ndata: {${data}}\n`, 'cilium.yaml')
  test("Cilium's default pool 10.0.0.0/8 holds it; k3s's pod range, another IPAM mode or no Cilium does not", () => {
    expect(ciliumPoolProblem(cilium('ipam: cluster-pool, cluster-pool-ipv4-cidr: "10.0.0.0/8"'), 'cilium.yaml')).toBe("cilium.yaml: Cilium's pod pool 10.0.0.0/8 (cilium-config cluster-pool-ipv4-cidr) overlaps k3s's Service range 10.43.0.0/16")
    expect(ciliumPoolProblem(cilium('cluster-pool-ipv4-cidr: "10.42.0.0/16 10.43.128.0/17"'), 'c.yaml')).toMatch(/pod pool 10\.43\.128\.0\/17 /)
    expect(ciliumPoolProblem(cilium('ipam: cluster-pool, cluster-pool-ipv4-cidr: "10.42.0.0/16"'), 'c.yaml')).toBeNull()
    expect(ciliumPoolProblem(cilium('ipam: kubernetes, cluster-pool-ipv4-cidr: "10.0.0.0/8"'), 'c.yaml')).toBeNull()
    expect(ciliumPoolProblem(manifestObjects('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: calico-config }\n', 'c.yaml'), 'c.yaml')).toBeNull()
  })
  test('a local manifest with the overlap is exit 2 before Docker is asked, naming the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3s-manifest-'))
    writeFileSync(join(dir, 'cilium.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cilium-config, namespace: kube-system }\ndata:\n  cluster-pool-ipv4-cidr: "10.0.0.0/8"\n')
    const error = await checkManifests({ manifests: { cilium: join(dir, 'cilium.yaml') } } as unknown as K3sClusterSpec, ['cilium']).catch((caught: unknown) => caught)
    expect(isNetbenchError(error) && error.exitCode).toBe(2)
    expect((error as Error).message).toBe(`network cilium: CNI manifest ${join(dir, 'cilium.yaml')}: Cilium's pod pool 10.0.0.0/8 (cilium-config cluster-pool-ipv4-cidr) overlaps k3s's Service range 10.43.0.0/16`)
    expect(isNetbenchError(error) && error.hint).toMatch(/clusterPoolIPv4PodCIDRList=10\.42\.0\.0\/16/)
  })
})

test('clean: k3s containers of dead owners on this host only', () => {
  const labels = { 'netbench.io/owner-host': 'me', 'netbench.io/owner-pid': '42', 'netbench.io/owner-start': '100' }
  expect(isDeadK3sOwner(labels, 'me', () => '100')).toBe(false)
  expect(isDeadK3sOwner(labels, 'me', () => undefined)).toBe(true)
  expect(isDeadK3sOwner(labels, 'someone-else', () => undefined)).toBe(false)
})

const k3sSpec: K3sClusterSpec = {
  provider: 'k3s', nodes: 3, zones: 3, image: 'rancher/k3s:v1.31.4-k3s1', podImage: 'nicolaka/netshoot:v0.13',
  manifests: { flannel: null }, readyTimeoutMs: 300_000, deleteTimeoutMs: 120_000, placements: [{ between: 'zones', endpoint: 'pod' }],
}

describe('Docker engine', async () => {
  const docker = await dockerAvailability()

  test.runIf(!docker.available)('without an engine the k3s provider fails with the reason (exit 3)', async () => {
    let error: unknown
    try {
      await k3sProvider.preflight(k3sSpec, ['flannel'])
    } catch (caught) {
      error = caught
    }
    expect(isNetbenchError(error) && error.exitCode).toBe(3)
    expect((error as Error).message).toMatch(/^no Docker engine: /)
    expect((error as Error).message).toContain(engineWhereabouts())
    await expect(dockerEngine(2000)).rejects.toThrow(/^no Docker engine: /)
  })

  // The real thing: needs the real k3s image on an engine that runs privileged containers. No
  // registry answers here, so it runs only where the image was loaded (`docker load`); the Docker
  // side is tested on the real engine with a stand-in image in docker-engine.lab.test.ts.
  const k3sImage = docker.available && await (await dockerEngine()).container.dockerode.getImage(k3sSpec.image).inspect().then(() => true, () => false)
  test('a 3-node k3s with flannel across zones, measured with real iperf3 in pods', { timeout: 900_000 }, async (context) => {
    if (!docker.available) context.skip(docker.reason)
    if (!k3sImage) context.skip(`${k3sSpec.image} is not on the Docker engine (no registry here): docker load it to run this test`)
    await k3sProvider.preflight(k3sSpec, ['flannel'])
    const cluster = await k3sProvider.createCluster(k3sSpec, { runId: 'k3st', runDir: tmpdir() })
    try {
      const network = await cluster.install('flannel')
      const pair = network.pair('zones')
      expect(pair.client.zone).not.toBe(pair.server.zone)
      const sample = await runIperf3({ ...pair, probe: { kind: 'udp', bitrateBps: 10e6, durationMs: 2000 } })
      expect(sample.metrics.throughputBps).toBeGreaterThan(8e6)
      expect(network.describe()).toMatchObject({ provider: 'k3s', cni: 'flannel' })
      await network[Symbol.asyncDispose]()
    } finally {
      await cluster[Symbol.asyncDispose]()
    }
    expect(await k3sProvider.removeRun!('k3st', [k3sSpec], { wait: true })).toEqual([])
  })
})
