/** Suite syntax of the local lab's networks, policy steps, conditions and faults. */
import { describe, expect, test } from 'vitest'
import { tmpProject } from '../../test/tmp-project.ts'
import { isNetbenchError } from '../errors.ts'
import { planSuite } from '../plan/plan.ts'
import { LOCAL_NETWORKS } from '../providers/local/provider.ts'
import { loadSuiteFile } from './load.ts'

const known = [...LOCAL_NETWORKS]

async function load(yaml: string) {
  using project = tmpProject({ 's.netbench.yaml': yaml })
  const loaded = await loadSuiteFile(project.path('s.netbench.yaml'), known)
  if (loaded.kind !== 'declarative') throw new Error('not declarative')
  return { suite: loaded.suite, plan: planSuite(loaded.suite, { place: loaded.place }) }
}

async function rejection(yaml: string): Promise<{ message: string; hint: string | undefined; exitCode: number }> {
  try {
    await load(yaml)
  } catch (error) {
    if (isNetbenchError(error)) return { message: error.message, hint: error.hint, exitCode: error.exitCode }
    throw error
  }
  throw new Error('expected a rejection')
}

const tcpStep = 'steps: [{ tcp: { duration: 1s } }]\n'

describe('networks: names and the object form', () => {
  test('plain names and named variants with options', async () => {
    const { suite } = await load(`name: t\nnetworks: [host, flannel, { name: calico-vxlan, cni: calico, encapsulation: vxlan }, { name: flannel-gw, cni: flannel, backend: host-gw }, { name: weave, encryption: false }]\n${tcpStep}`)
    expect(suite.networks).toEqual(['host', 'flannel', 'calico-vxlan', 'flannel-gw', 'weave'])
    expect(suite.networkSpecs).toEqual([
      { name: 'host', cni: 'host', options: {} },
      { name: 'flannel', cni: 'flannel', options: {} },
      { name: 'calico-vxlan', cni: 'calico', options: { encapsulation: 'vxlan' } },
      { name: 'flannel-gw', cni: 'flannel', options: { backend: 'host-gw' } },
      { name: 'weave', cni: 'weave', options: { encryption: false } },
    ])
  })

  test.each([
    ['an option of another CNI', `name: t\nnetworks: [{ name: f, cni: flannel, encapsulation: vxlan }]\n${tcpStep}`, /networks\[0\]\.encapsulation: 'encapsulation' is an option of calico, not of flannel/],
    ['an unknown CNI', `name: t\nnetworks: [{ name: x, cni: calcio }]\n${tcpStep}`, /networks\[0\]\.cni: unknown CNI 'calcio'/],
    ['a variant without cni', `name: t\nnetworks: [{ name: calico-fast, encapsulation: vxlan }]\n${tcpStep}`, /unknown CNI 'calico-fast'/],
    ['two variants with one name', `name: t\nnetworks: [calico, { name: calico, cni: calico, encapsulation: vxlan }]\n${tcpStep}`, /networks\[1\]: network 'calico' is listed twice/],
    ['a bad option value', `name: t\nnetworks: [{ name: c, cni: calico, encapsulation: gre }]\n${tcpStep}`, /networks\[0\]\.encapsulation: 'gre' is not a calico encapsulation/],
  ])('rejects %s', async (_name, yaml, message) => {
    const error = await rejection(yaml)
    expect(error.message).toMatch(message)
    expect(error.exitCode).toBe(2)
  })
})

describe('steps: endpoint and policy', () => {
  test('endpoint: host measures node to node; labels say so', async () => {
    const { plan } = await load(`name: t\nnetworks: [flannel]\nsteps: [{ tcp: { duration: 1s } }, { tcp: { duration: 1s, endpoint: host } }]\n`)
    expect(plan.networks[0]!.points.map((point) => [point.label, point.endpoint])).toEqual([['tcp (zones)', undefined], ['tcp (zones, host)', 'host']])
  })

  test('a policy step is planned per network and binds policy expectations', async () => {
    const { suite, plan } = await load([
      'name: t', 'networks: [flannel, calico]',
      'steps:',
      '  - policy:',
      '      pods: { web: { labels: { app: web } }, client: { labels: { app: client } } }',
      '      policies:',
      '        - metadata: { name: deny-web }',
      '          spec: { podSelector: { matchLabels: { app: web } }, policyTypes: [Ingress], ingress: [] }',
      '  - tcp: { duration: 1s }',
      'expect: [calico policy enforced, flannel policy unsupported, calico setup-time < 5s]', '',
    ].join('\n'))
    expect(suite.policySteps?.[0]).toMatchObject({ kind: 'policy', index: 0, ports: { tcp: [8080], udp: [5353] }, pods: [{ name: 'web', namespace: 'default', node: null }, { name: 'client' }] })
    expect(suite.policySteps?.[0]?.namespaces.default).toEqual({ 'kubernetes.io/metadata.name': 'default' })
    expect(suite.steps.map((step) => step.index)).toEqual([1])
    expect(plan.networks.map((network) => network.policies?.map((policy) => policy.id))).toEqual([['flannel|0|policy'], ['calico|0|policy']])
    expect(plan.checks.map((check) => check.name)).toEqual(['calico › policy › policy enforced', 'flannel › policy › policy unsupported', 'calico › setup › setup-time < 5s'])
  })

  test.each([
    ['one pod', 'pods: { web: {} }\n      policies: []', /a connectivity matrix needs at least 2 pods/],
    ['a node that does not exist', 'pods: { a: { node: n9 }, b: {} }\n      policies: []', /pods\.a\.node: node 'n9' does not exist/],
    ['more pods than the lab has', 'pods: { a: {}, b: {}, c: {}, d: {}, e: {}, f: {}, g: {} }\n      policies: []', /7 pods do not fit on 3 nodes × 2 pods/],
    ['an empty peer', 'pods: { a: {}, b: {} }\n      policies: [{ metadata: { name: p }, spec: { podSelector: {}, ingress: [{ from: [{}] }] } }]', /an empty peer selects nothing/],
  ])('rejects a policy step with %s', async (_name, body, message) => {
    const error = await rejection(`name: t\nnetworks: [calico]\nsteps:\n  - policy:\n      ${body}\n`)
    expect(error.message).toMatch(message)
  })

  test('a policy expectation without a policy step is an error with the fix', async () => {
    const error = await rejection(`name: t\nnetworks: [calico]\n${tcpStep}expect: [calico policy enforced]\n`)
    expect(error.message).toMatch(/the suite has no policy step/)
    expect(error.hint).toMatch(/policy\(/)
  })
})

describe('underlay conditions and faults', () => {
  test('node groups, loss per zone and node, latency, a fault', async () => {
    const { suite } = await load([
      'name: t',
      'cluster: { zones: 3, groups: [{ nodes: 2, instance: m4.large }, { nodes: 2, instance: m4.xlarge }], loss: 0.1%, latency: 1ms, conditions: [{ zone: b, loss: 1% }, { node: n4, loss: 2% }] }',
      'networks: [host]', tcpStep.trimEnd(),
      'faults: [{ node: n2, uplink: down, step: 0, at: 1s, for: 2s }]', '',
    ].join('\n'))
    expect(suite.cluster).toMatchObject({
      provider: 'local', nodes: 4, zones: 3,
      nodeBandwidthBps: [450e6, 450e6, 750e6, 750e6], nodeInstances: ['m4.large', 'm4.large', 'm4.xlarge', 'm4.xlarge'],
      nodeLossPercent: [0.1, 1, 0.1, 2], zoneLatencyMs: 1,
    })
    expect(suite.faults).toEqual([{ node: 'n2', kind: 'uplink-down', stepIndex: 0, atMs: 1000, forMs: 2000 }])
  })

  test.each([
    ['groups that disagree with nodes', 'cluster: { nodes: 3, groups: [{ nodes: 2 }] }', /the node groups add up to 2 nodes, cluster\.nodes says 3/],
    ['a condition for a missing zone', 'cluster: { zones: 2, conditions: [{ zone: c, loss: 1% }] }', /zone 'c' does not exist/],
    ['a condition naming node and zone', 'cluster: { conditions: [{ zone: a, node: n1, loss: 1% }] }', /a condition names a node or a zone/],
    ['loss above 100%', 'cluster: { loss: 150% }', /more than 100%/],
    ['a fault on a missing node', 'faults: [{ node: n7, uplink: down, for: 1s }]', /faults\[0\]\.node: node 'n7' does not exist/],
    ['a fault in a missing step', 'faults: [{ node: n1, uplink: down, step: 3, for: 1s }]', /there is no step 3/],
  ])('rejects %s', async (_name, line, message) => {
    const error = await rejection(`name: t\n${line}\nnetworks: [host]\n${tcpStep}`)
    expect(error.message).toMatch(message)
    expect(error.exitCode).toBe(2)
  })
})
