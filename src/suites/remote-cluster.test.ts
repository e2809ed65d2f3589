import { describe, expect, test } from 'vitest'
import { tmpProject } from '../../test/tmp-project.ts'
import { rejected } from '../../test/rejected.ts'
import { loadSuiteFile } from './load.ts'

const localNetworks = ['host', 'flannel', 'calico', 'weave']

async function load(files: Record<string, string>, name: string) {
  using project = tmpProject(files)
  const loaded = await loadSuiteFile(project.path(name), localNetworks)
  if (loaded.kind !== 'declarative') throw new Error('expected a declarative suite')
  return { suite: loaded.suite, dir: project.dir }
}

async function loadError(files: Record<string, string>, name: string): Promise<string> {
  const error = await rejected(() => load(files, name))
  expect(error.exitCode).toBe(2)
  return error.oneLine
}

describe('provider kube in suites', () => {
  test('a context for the suite, one per network, any network name, placements from the steps', async () => {
    const { suite } = await load({
      'k.netbench.yaml': [
        'name: eks study',
        'cluster: { provider: kube, context: eks-flannel, readyTimeout: 5m }',
        'networks: [host, flannel, { name: calico, context: eks-calico }, { name: weave, context: eks-weave }]',
        'steps:',
        '  - udp: { bitrates: [1M, 100M], between: zones }',
        '  - tcp: { between: same-node }',
        '  - tcp: { between: zones, endpoint: host }',
        'expect: ["calico at 100M loss < 5%"]',
      ].join('\n'),
    }, 'k.netbench.yaml')
    expect(suite.cluster).toEqual({
      provider: 'kube', context: 'eks-flannel',
      contexts: { host: 'eks-flannel', flannel: 'eks-flannel', calico: 'eks-calico', weave: 'eks-weave' },
      podImage: 'nicolaka/netshoot:v0.13', readyTimeoutMs: 300_000, deleteTimeoutMs: 120_000,
      placements: [{ between: 'zones', endpoint: 'pod' }, { between: 'same-node', endpoint: 'pod' }, { between: 'zones', endpoint: 'host' }],
    })
    expect(suite.networks).toEqual(['host', 'flannel', 'calico', 'weave'])
  })

  test('TypeScript suites: no context means the current-context; between defaults to nodes', async () => {
    const { suite } = await load({
      'k.netbench.ts': `import { defineSuite, tcp } from 'netbench'\nexport default defineSuite({ name: 'k', cluster: { provider: 'kube', podImage: 'registry.local/netshoot:1' }, networks: ['cilium-prod'], steps: [tcp()] })\n`,
    }, 'k.netbench.ts')
    expect(suite.cluster).toMatchObject({ provider: 'kube', context: null, contexts: { 'cilium-prod': null }, podImage: 'registry.local/netshoot:1', placements: [{ between: 'nodes', endpoint: 'pod' }] })
  })

  test('lab fields are not kube fields', async () => {
    expect(await loadError({ 'k.netbench.yaml': 'name: k\ncluster: { provider: kube, nodes: 3 }\nnetworks: [x]\nsteps: [{ tcp: {} }]\n' }, 'k.netbench.yaml'))
      .toContain("k.netbench.yaml:2:35: cluster.nodes: unknown field 'nodes' — remove it or check its spelling; allowed here: provider, context, podImage, readyTimeout, deleteTimeout, ports")
  })

  test('cluster.ports: the iperf3 port range, unprivileged and ordered', async () => {
    const { suite } = await load({ 'k.netbench.yaml': 'name: k\ncluster: { provider: kube, ports: 30100-30149 }\nnetworks: [x]\nsteps: [{ tcp: {} }]\n' }, 'k.netbench.yaml')
    expect(suite.cluster).toMatchObject({ ports: { first: 30100, last: 30149 } })
    expect(await loadError({ 'k.netbench.yaml': 'name: k\ncluster: { provider: kube, ports: 5250-5201 }\nnetworks: [x]\nsteps: [{ tcp: {} }]\n' }, 'k.netbench.yaml'))
      .toMatch(/cluster\.ports: '5250-5201' is not a usable port range — give first-last with 1024 <= first <= last <= 65535/)
  })

  test('lab datapath options on a real cluster are refused with the reason', async () => {
    expect(await loadError({ 'k.netbench.yaml': 'name: k\ncluster: { provider: kube }\nnetworks: [{ name: calico, encapsulation: vxlan }]\nsteps: [{ tcp: {} }]\n' }, 'k.netbench.yaml'))
      .toMatch(/networks\[0\]\.encapsulation: 'encapsulation' configures the local lab's calico datapath; with provider: kube the cluster's own CNI configuration applies/)
  })

  test('a context on a local suite is a mistake', async () => {
    expect(await loadError({ 'k.netbench.yaml': 'name: k\nnetworks: [{ name: calico, context: prod }]\nsteps: [{ tcp: {} }]\n' }, 'k.netbench.yaml'))
      .toMatch(/networks\[0\]\.context: 'context' names a kubeconfig context: it needs cluster\.provider: kube \(this suite uses local\)/)
  })

  test('an unknown provider lists the providers', async () => {
    expect(await loadError({ 'k.netbench.yaml': 'name: k\ncluster: { provider: eks }\nnetworks: [x]\nsteps: [{ tcp: {} }]\n' }, 'k.netbench.yaml'))
      .toMatch(/cluster\.provider: 'eks' is not allowed here — use 'local, kube, k3s'/)
  })
})

describe('provider k3s in suites', () => {
  test('manifests resolve against the suite file; host and flannel need none', async () => {
    const { suite, dir } = await load({
      'ci/k.netbench.yaml': [
        'name: gate',
        'cluster: { provider: k3s, nodes: 3 }',
        'networks: [host, flannel, { name: calico-old, manifest: ../cni/calico-3.27.yaml }, { name: calico-new, manifest: "https://example.org/calico-3.28.yaml" }]',
        'steps: [{ tcp: {} }]',
      ].join('\n'),
    }, 'ci/k.netbench.yaml')
    expect(suite.cluster).toMatchObject({
      provider: 'k3s', nodes: 3, zones: 3, image: 'rancher/k3s:v1.31.4-k3s1', readyTimeoutMs: 300_000,
      manifests: { host: null, flannel: null, 'calico-old': `${dir}/cni/calico-3.27.yaml`, 'calico-new': 'https://example.org/calico-3.28.yaml' },
      placements: [{ between: 'zones', endpoint: 'pod' }],
    })
  })

  test('a CNI other than flannel needs its manifest', async () => {
    expect(await loadError({ 'k.netbench.yaml': 'name: k\ncluster: { provider: k3s }\nnetworks: [calico]\nsteps: [{ tcp: {} }]\n' }, 'k.netbench.yaml'))
      .toContain("k.netbench.yaml:3:12: networks[0]: network 'calico' needs a CNI manifest on k3s (only host and flannel come with k3s) — write { name: 'calico', manifest: './cni/calico.yaml' } (a file or an https:// URL)")
  })

  test('zones cannot outnumber nodes', async () => {
    expect(await loadError({ 'k.netbench.yaml': 'name: k\ncluster: { provider: k3s, nodes: 2, zones: 3 }\nnetworks: [flannel]\nsteps: [{ tcp: {} }]\n' }, 'k.netbench.yaml'))
      .toMatch(/cluster\.zones: 3 zones need at least 3 nodes/)
  })
})
