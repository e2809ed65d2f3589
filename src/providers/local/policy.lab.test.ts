/**
 * NetworkPolicy in the lab (needs root): the networks that enforce policy (calico, canal, weave,
 * cilium, romana) block exactly what the policies say in a real TCP/UDP matrix; flannel does not
 * (as the real CNI), which the matrix shows as unsupported. Rules are gone after each step.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { run } from '../../exec.ts'
import type { NetworkSpec, PolicyStep } from '../../model.ts'
import { testCluster } from './networks/datapaths.testkit.ts'
import { placePolicyPods, policyTableName } from './policy.ts'

const step: PolicyStep = {
  kind: 'policy',
  index: 0,
  pods: [
    { name: 'web', labels: { app: 'web' }, namespace: 'default', node: 'n1', namedPorts: {} },
    { name: 'client', labels: { app: 'client' }, namespace: 'default', node: null, namedPorts: {} },
    { name: 'neighbour', labels: { app: 'other' }, namespace: 'default', node: 'n1', namedPorts: {} },
    { name: 'dev', labels: { app: 'client' }, namespace: 'dev', node: null, namedPorts: {} },
  ],
  namespaces: { default: { 'kubernetes.io/metadata.name': 'default' }, dev: { 'kubernetes.io/metadata.name': 'dev' } },
  policies: [
    { metadata: { name: 'web-from-clients', namespace: 'default' }, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }] } },
    { metadata: { name: 'dev-egress', namespace: 'dev' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } }, podSelector: { matchLabels: { app: 'client' } } }] }] } },
  ],
  ports: { tcp: [8080], udp: [5353] },
  probeTimeoutMs: 1000,
  updates: [],
}

describe.sequential('NetworkPolicy on the local lab', () => {
  let lab: Awaited<ReturnType<typeof testCluster>>
  beforeAll(async () => { lab = await testCluster({ nodes: 2, zones: 2 }) })
  afterAll(async () => { expect(await lab.dispose()).toEqual([]) })

  test('pods are placed as pinned, the rest spread over nodes', async () => {
    const network = await lab.cluster.install('flannel')
    try {
      const placed = placePolicyPods(step, network.pods)
      expect(placed.map((pod) => `${pod.name}@${pod.pod.name}`)).toEqual(['web@n1-p1', 'client@n2-p1', 'neighbour@n1-p2', 'dev@n2-p2'])
    } finally {
      await network[Symbol.asyncDispose]()
    }
  })

  const cases: Array<[string, 'enforced' | 'unsupported', NetworkSpec]> = [
    ['calico (routed, cali interfaces)', 'enforced', { name: 'calico', cni: 'calico', options: { encapsulation: 'vxlan' } }],
    ['weave (bridged, br_netfilter)', 'enforced', { name: 'weave', cni: 'weave', options: {} }],
    ['flannel', 'unsupported', { name: 'flannel', cni: 'flannel', options: {} }],
  ]
  test.each(cases)('%s: policy %s', async (_name, status, spec) => {
    const network = await lab.cluster.install(spec)
    try {
      const result = await network.runPolicy!(step, `${spec.name}|0|policy`)
      expect(result.error).toBeNull()
      expect(result.status).toBe(status)
      expect(result.matrix).toHaveLength(4 * 3 * 2)
      const cell = (from: string, to: string, protocol: 'tcp' | 'udp') => result.matrix.find((c) => c.from === from && c.to === to && c.protocol === protocol)!
      expect(cell('client', 'web', 'tcp').expected).toBe('allowed')
      expect(cell('neighbour', 'web', 'tcp').expected).toBe('blocked')
      expect(cell('client', 'web', 'udp').expected).toBe('blocked')
      expect(cell('dev', 'web', 'tcp').expected).toBe('blocked')
      expect(cell('dev', 'client', 'udp').expected).toBe('allowed')
      if (status === 'enforced') {
        for (const c of result.matrix) expect(c.observed, `${c.from}→${c.to} ${c.protocol}`).toBe(c.expected)
      } else {
        expect(result.matrix.every((c) => c.observed === 'allowed')).toBe(true)
      }
      for (const node of lab.cluster.lab.nodes) {
        const tables = await run('ip', ['netns', 'exec', node.namespace, 'nft', 'list', 'tables'])
        expect(tables.stdout).not.toContain(policyTableName(lab.runId))
      }
    } finally {
      await network[Symbol.asyncDispose]()
    }
  })

  test('one verdict rule: a policy selecting no pod is enforced on every network, flannel included', async () => {
    const nobody: PolicyStep = { ...step, policies: [{ metadata: { name: 'nobody', namespace: 'default' }, spec: { podSelector: { matchLabels: { app: 'nobody' } }, policyTypes: ['Ingress', 'Egress'] } }] }
    for (const spec of ['flannel', 'calico'] as const) {
      const network = await lab.cluster.install(spec)
      try {
        const result = await network.runPolicy!(nobody, `${spec}|0|policy`)
        expect(result.matrix.every((cell) => cell.expected === 'allowed' && cell.observed === 'allowed')).toBe(true)
        expect(result.status, spec).toBe('enforced')
      } finally {
        await network[Symbol.asyncDispose]()
      }
    }
  })

  test('host has no pods: unsupported', async () => {
    const host = await lab.cluster.install('host')
    expect((await host.runPolicy!(step, 'host|0|policy')).status).toBe('unsupported')
  })
})
