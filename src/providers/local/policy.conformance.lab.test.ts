/**
 * NetworkPolicy conformance of the lab's enforcing networks (needs root), modelled on the
 * scenarios of Kubernetes' own e2e tests (test/e2e/network/netpol/): nine pods x/a … z/c in three
 * namespaces over three nodes, probed on TCP 80, TCP 81 and UDP 80. Every scenario states its truth
 * table here, written by hand from the Kubernetes API's documented semantics; each cell of the
 * policy step's matrix must agree with it twice — what netbench expects (its own semantics) and what
 * the datapath let through. One lab per network; the scenarios are updates of one running step
 * (policies and labels changed in place, servers kept), which is also how a CNI's update path runs.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { NetbenchError } from '../../errors.ts'
import { run } from '../../exec.ts'
import type { PolicyResult } from '../../results/policy.ts'
import type { NetworkSpec } from '../../model.ts'
import { normalizePolicyStep } from '../../suites/policy-step.ts'
import type { NetworkPolicyInput, PolicyStepInput } from '../../suites/schema.ts'
import { testCluster } from './networks/datapaths.testkit.ts'
import { policyTableName } from './policy.ts'

const PODS = ['xa', 'xb', 'xc', 'ya', 'yb', 'yc', 'za', 'zb', 'zc'] as const
const PORTS = ['tcp/80', 'tcp/81', 'udp/80'] as const
type Port = typeof PORTS[number]

/**
 * A reachability table: one row per client, columns the servers in PODS order (grouped x y z, a b c
 * within), `.` allowed, `X` blocked, `-` the pod itself (not probed).
 */
function grid(text: string): Map<string, 'allowed' | 'blocked'> {
  const cells = new Map<string, 'allowed' | 'blocked'>()
  for (const line of text.split('\n')) {
    const match = /^\s*([xyz][abc])\s+([-.X ]+)$/.exec(line)
    if (!match) continue
    const row = match[2]!.replace(/ /g, '')
    if (row.length !== PODS.length) throw new Error(`row ${match[1]} has ${row.length} cells`)
    PODS.forEach((to, i) => { if (row[i] !== '-') cells.set(`${match[1]}→${to}`, row[i] === '.' ? 'allowed' : 'blocked') })
  }
  if (cells.size !== PODS.length * (PODS.length - 1)) throw new Error(`a table needs ${PODS.length} rows`)
  return cells
}

const OPEN = grid(`
  xa  -.. ... ...
  xb  .-. ... ...
  xc  ..- ... ...
  ya  ... -.. ...
  yb  ... .-. ...
  yc  ... ..- ...
  za  ... ... -..
  zb  ... ... .-.
  zc  ... ... ..-`)
const INTO_X_CLOSED = grid(`
  xa  -XX ... ...
  xb  X-X ... ...
  xc  XX- ... ...
  ya  XXX -.. ...
  yb  XXX .-. ...
  yc  XXX ..- ...
  za  XXX ... -..
  zb  XXX ... .-.
  zc  XXX ... ..-`)
const INTO_XA_FROM_XB = grid(`
  xa  -.. ... ...
  xb  .-. ... ...
  xc  X.- ... ...
  ya  X.. -.. ...
  yb  X.. .-. ...
  yc  X.. ..- ...
  za  X.. ... -..
  zb  X.. ... .-.
  zc  X.. ... ..-`)
const INTO_XA_FROM_Y_OR_B = grid(`
  xa  -.. ... ...
  xb  .-. ... ...
  xc  X.- ... ...
  ya  ... -.. ...
  yb  ... .-. ...
  yc  ... ..- ...
  za  X.. ... -..
  zb  X.. ... .-.
  zc  X.. ... ..-`)
const INTO_XA_FROM_YB = grid(`
  xa  -.. ... ...
  xb  X-. ... ...
  xc  X.- ... ...
  ya  X.. -.. ...
  yb  ... .-. ...
  yc  X.. ..- ...
  za  X.. ... -..
  zb  X.. ... .-.
  zc  X.. ... ..-`)
const INTO_XA_NOT_FROM_Y = grid(`
  xa  -.. ... ...
  xb  .-. ... ...
  xc  ..- ... ...
  ya  X.. -.. ...
  yb  X.. .-. ...
  yc  X.. ..- ...
  za  ... ... -..
  zb  ... ... .-.
  zc  ... ... ..-`)
const INTO_XA_CLOSED = grid(`
  xa  -.. ... ...
  xb  X-. ... ...
  xc  X.- ... ...
  ya  X.. -.. ...
  yb  X.. .-. ...
  yc  X.. ..- ...
  za  X.. ... -..
  zb  X.. ... .-.
  zc  X.. ... ..-`)
const INTO_XA_CLOSED_ZC_UDP_ONLY = grid(`
  xa  -.. ... ...
  xb  X-. ... ...
  xc  X.- ... ...
  ya  X.. -.. ...
  yb  X.. .-. ...
  yc  X.. ..- ...
  za  X.. ... -..
  zb  X.. ... .-.
  zc  XXX XXX XX-`)
const ZC_UDP_ONLY = grid(`
  xa  -.. ... ...
  xb  .-. ... ...
  xc  ..- ... ...
  ya  ... -.. ...
  yb  ... .-. ...
  yc  ... ..- ...
  za  ... ... -..
  zb  ... ... .-.
  zc  XXX XXX XX-`)
const INTO_XB_CLOSED = grid(`
  xa  -X. ... ...
  xb  .-. ... ...
  xc  .X- ... ...
  ya  .X. -.. ...
  yb  .X. .-. ...
  yc  .X. ..- ...
  za  .X. ... -..
  zb  .X. ... .-.
  zc  .X. ... ..-`)
const OUT_OF_X_ONLY_XA_TO_Y = grid(`
  xa  -XX ... XXX
  xb  X-X XXX XXX
  xc  XX- XXX XXX
  ya  ... -.. ...
  yb  ... .-. ...
  yc  ... ..- ...
  za  ... ... -..
  zb  ... ... .-.
  zc  ... ... ..-`)
const OUT_OF_XA_TO_YB_XB_NOT_TO_ZB = grid(`
  xa  -XX X.X XXX
  xb  .-. ... .X.
  xc  ..- ... ...
  ya  ... -.. ...
  yb  ... .-. ...
  yc  ... ..- ...
  za  ... ... -..
  zb  ... ... .-.
  zc  ... ... ..-`)
const INTO_XA_FROM_YC = grid(`
  xa  -.. ... ...
  xb  X-. ... ...
  xc  X.- ... ...
  ya  X.. -.. ...
  yb  X.. .-. ...
  yc  ... ..- ...
  za  X.. ... -..
  zb  X.. ... .-.
  zc  X.. ... ..-`)
const INTO_XA_FROM_YC_ZB = grid(`
  xa  -.. ... ...
  xb  X-. ... ...
  xc  X.- ... ...
  ya  X.. -.. ...
  yb  X.. .-. ...
  yc  ... ..- ...
  za  X.. ... -..
  zb  ... ... .-.
  zc  X.. ... ..-`)

const policy = (name: string, namespace: string, spec: NetworkPolicyInput['spec']): NetworkPolicyInput => ({ metadata: { name, namespace }, spec })
const podA = { matchLabels: { pod: 'a' } }
const intoXaFromYb = policy('xa-from-yb', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { pod: 'b' } } }] }] })

/** Each scenario: what changes (the complete policy list, labels), and the table per port. */
const scenarios: Array<{ name: string; policies?: NetworkPolicyInput[]; labels?: Record<string, Record<string, string>>; namespaces?: Record<string, Record<string, string>>; tables: Record<Port, Map<string, 'allowed' | 'blocked'>> }> = [
  { name: 'no policy', policies: [], tables: { 'tcp/80': OPEN, 'tcp/81': OPEN, 'udp/80': OPEN } },
  {
    name: 'policyTypes: [] and no rules: defaulted to Ingress, every ingress into x denied',
    policies: [policy('deny-x', 'x', { podSelector: {}, policyTypes: [], ingress: [] })],
    tables: { 'tcp/80': INTO_X_CLOSED, 'tcp/81': INTO_X_CLOSED, 'udp/80': INTO_X_CLOSED },
  },
  {
    name: 'a policy selecting no pod leaves everything open',
    policies: [policy('nobody', 'x', { podSelector: { matchLabels: { pod: 'nobody' } }, ingress: [] })],
    tables: { 'tcp/80': OPEN, 'tcp/81': OPEN, 'udp/80': OPEN },
  },
  {
    name: 'into x/a from pod b of its namespace (podSelector)',
    policies: [policy('xa-from-b', 'x', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })],
    tables: { 'tcp/80': INTO_XA_FROM_XB, 'tcp/81': INTO_XA_FROM_XB, 'udp/80': INTO_XA_FROM_XB },
  },
  {
    name: 'two peers are OR: namespace y, or pod b of x',
    policies: [policy('xa-from-y-or-b', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }, { podSelector: { matchLabels: { pod: 'b' } } }] }] })],
    tables: { 'tcp/80': INTO_XA_FROM_Y_OR_B, 'tcp/81': INTO_XA_FROM_Y_OR_B, 'udp/80': INTO_XA_FROM_Y_OR_B },
  },
  {
    name: 'namespaceSelector and podSelector in one peer are AND: only y/b',
    policies: [intoXaFromYb],
    tables: { 'tcp/80': INTO_XA_FROM_YB, 'tcp/81': INTO_XA_FROM_YB, 'udp/80': INTO_XA_FROM_YB },
  },
  {
    name: 'matchExpressions NotIn: every namespace but y',
    policies: [policy('xa-not-y', 'x', { podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['a'] }] }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'NotIn', values: ['y'] }] } }] }] })],
    tables: { 'tcp/80': INTO_XA_NOT_FROM_Y, 'tcp/81': INTO_XA_NOT_FROM_Y, 'udp/80': INTO_XA_NOT_FROM_Y },
  },
  {
    name: 'a port: into x/a on TCP 81 only',
    policies: [policy('xa-81', 'x', { podSelector: podA, ingress: [{ ports: [{ port: 81 }] }] })],
    tables: { 'tcp/80': INTO_XA_CLOSED, 'tcp/81': OPEN, 'udp/80': INTO_XA_CLOSED },
  },
  {
    name: 'named ports (TCP and UDP) into x/a, a port range into x/b, egress from z/c to a named UDP port',
    policies: [
      policy('xa-named', 'x', { podSelector: podA, ingress: [{ ports: [{ port: 'serve-81-tcp' }, { port: 'serve-80-udp', protocol: 'UDP' }] }] }),
      policy('xb-range', 'x', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [{ ports: [{ protocol: 'TCP', port: 80, endPort: 81 }] }] }),
      policy('zc-out-named', 'z', { podSelector: { matchLabels: { pod: 'c' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-udp', protocol: 'UDP' }] }] }),
    ],
    tables: { 'tcp/80': INTO_XA_CLOSED_ZC_UDP_ONLY, 'tcp/81': ZC_UDP_ONLY, 'udp/80': INTO_XB_CLOSED },
  },
  {
    name: 'default deny egress in x, stacked with egress from x/a to namespace y',
    policies: [
      policy('deny-egress', 'x', { podSelector: {}, policyTypes: ['Egress'] }),
      policy('xa-to-y', 'x', { podSelector: podA, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] }),
    ],
    tables: { 'tcp/80': OUT_OF_X_ONLY_XA_TO_Y, 'tcp/81': OUT_OF_X_ONLY_XA_TO_Y, 'udp/80': OUT_OF_X_ONLY_XA_TO_Y },
  },
  {
    name: "ipBlock of a pod's own address; ipBlock with except (all pods share one /16)",
    policies: [
      policy('xa-to-yb', 'x', { podSelector: podA, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '{yb}/32' } }] }] }),
      policy('xb-not-zb', 'x', { podSelector: { matchLabels: { pod: 'b' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '{zb}/16', except: ['{zb}/32'] } }] }] }),
    ],
    tables: { 'tcp/80': OUT_OF_XA_TO_YB_XB_NOT_TO_ZB, 'tcp/81': OUT_OF_XA_TO_YB_XB_NOT_TO_ZB, 'udp/80': OUT_OF_XA_TO_YB_XB_NOT_TO_ZB },
  },
  {
    name: 'AND peer again, then pod labels swapped while it stays: y/c is now the b',
    policies: [intoXaFromYb],
    labels: { yb: { pod: 'c' }, yc: { pod: 'b' } },
    tables: { 'tcp/80': INTO_XA_FROM_YC, 'tcp/81': INTO_XA_FROM_YC, 'udp/80': INTO_XA_FROM_YC },
  },
  {
    name: 'namespace z relabelled ns=y: its pod b is selected too',
    namespaces: { z: { ns: 'y' } },
    tables: { 'tcp/80': INTO_XA_FROM_YC_ZB, 'tcp/81': INTO_XA_FROM_YC_ZB, 'udp/80': INTO_XA_FROM_YC_ZB },
  },
  { name: 'every policy deleted', policies: [], tables: { 'tcp/80': OPEN, 'tcp/81': OPEN, 'udp/80': OPEN } },
]

const [first, ...rest] = scenarios
const input: PolicyStepInput = {
  pods: Object.fromEntries(PODS.map((name, i) => [name, { namespace: name[0], labels: { pod: name[1]! }, node: `n${(i % 3) + 1}` }])),
  namespaces: { x: { ns: 'x' }, y: { ns: 'y' }, z: { ns: 'z' } },
  policies: first!.policies!,
  ports: { tcp: [80, 81], udp: 80 },
  namedPorts: { 'serve-80-tcp': { port: 80 }, 'serve-81-tcp': { port: 81 }, 'serve-80-udp': { port: 80, protocol: 'UDP' } },
  probeTimeout: '200ms',
  updates: rest.map((scenario) => ({
    ...scenario.policies ? { policies: scenario.policies } : {},
    ...scenario.labels ? { labels: scenario.labels } : {},
    ...scenario.namespaces ? { namespaces: scenario.namespaces } : {},
  })),
}
const step = normalizePolicyStep(input, 0, { nodes: 3, podsPerNode: 3 }, (path, message) => { throw new NetbenchError('SUITE_INVALID', `${path.join('.')}: ${message}`) })

/** Every cell that disagrees with the stated table, as `phase name: from→to port expected/observed`. */
function disagreements(result: PolicyResult): string[] {
  const wrong: string[] = []
  scenarios.forEach((scenario, phase) => {
    const cells = result.matrix.filter((cell) => (cell.phase ?? 0) === phase)
    expect(cells, scenario.name).toHaveLength(PODS.length * (PODS.length - 1) * PORTS.length)
    for (const cell of cells) {
      const truth = scenario.tables[`${cell.protocol}/${cell.port}` as Port].get(`${cell.from}→${cell.to}`)
      if (cell.expected !== truth || cell.observed !== truth) wrong.push(`${scenario.name}: ${cell.from}→${cell.to} ${cell.protocol}/${cell.port} table ${truth}, netbench expects ${cell.expected}, observed ${cell.observed}`)
    }
  })
  return wrong
}

const networks: NetworkSpec[] = [
  { name: 'calico', cni: 'calico', options: {} },
  { name: 'calico-vxlan', cni: 'calico', options: { encapsulation: 'vxlan' } },
  { name: 'canal', cni: 'canal', options: {} },
  { name: 'cilium', cni: 'cilium', options: {} },
  { name: 'cilium-native', cni: 'cilium', options: { routing: 'native' } },
  { name: 'weave', cni: 'weave', options: {} },
  { name: 'romana', cni: 'romana', options: {} },
]

describe.sequential('NetworkPolicy conformance: upstream-style truth tables on every enforcing lab network', () => {
  let lab: Awaited<ReturnType<typeof testCluster>>
  beforeAll(async () => { lab = await testCluster({ nodes: 3, zones: 3, pods: 3 }) })
  afterAll(async () => { expect(await lab.dispose()).toEqual([]) })

  test.each(networks.map((spec) => [spec.name, spec] as const))('%s', async (_name, spec) => {
    const network = await lab.cluster.install(spec)
    try {
      const result = await network.runPolicy!(step, `${spec.name}|0|policy`)
      expect(result.error).toBeNull()
      expect(disagreements(result)).toEqual([])
      expect(result.status).toBe('enforced')
      for (const node of lab.cluster.lab.nodes) {
        expect((await run('ip', ['netns', 'exec', node.namespace, 'nft', 'list', 'tables'])).stdout).not.toContain(policyTableName(lab.runId))
      }
    } finally {
      await network[Symbol.asyncDispose]()
    }
  }, 60_000)
})
