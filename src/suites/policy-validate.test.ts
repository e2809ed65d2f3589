/**
 * Policy steps are held to what the Kubernetes API server accepts and defaults
 * (pkg/apis/networking/validation, SetDefaults_NetworkPolicy): invalid objects are refused before
 * anything is provisioned (exit 2, naming the field), and an empty policyTypes is a missing one.
 */
import { describe, expect, test } from 'vitest'
import { runCli } from '../../test/cli.ts'
import { tmpProject } from '../../test/tmp-project.ts'
import { isNetbenchError } from '../errors.ts'
import { LOCAL_NETWORKS } from '../providers/local/provider.ts'
import { loadSuiteFile } from './load.ts'

async function load(policy: string) {
  using project = tmpProject({ 's.netbench.yaml': `name: t\nnetworks: [calico]\nsteps:\n  - policy:\n      pods: { a: { labels: { app: a } }, b: { namespace: y } }\n${policy}\n` })
  const loaded = await loadSuiteFile(project.path('s.netbench.yaml'), [...LOCAL_NETWORKS])
  if (loaded.kind !== 'declarative') throw new Error('not declarative')
  return loaded.suite.policySteps![0]!
}

const spec = (body: string) => `      policies: [{ metadata: { name: p }, spec: ${body} }]`

describe('policy objects as the API server validates them', () => {
  test.each([
    ['a prefix longer than 32', "{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '198.19.0.0/33' } }] }] }", /ingress\[0\]\.from\[0\]\.ipBlock\.cidr: 198\.19\.0\.0\/33 has prefix length 33/],
    ['an octet above 255', "{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '300.19.0.0/16' } }] }] }", /ipBlock\.cidr: 300\.19\.0\.0\/16 has an octet outside 0–255/],
    ['except outside its cidr', "{ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '198.19.0.0/16', except: ['198.20.0.0/24'] } }] }] }", /egress\[0\]\.to\[0\]\.ipBlock\.except\[0\]: 198\.20\.0\.0\/24 must be a strict subset of cidr/],
    ['except as wide as its cidr', "{ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '198.19.0.0/16', except: ['198.19.0.0/16'] } }] }] }", /must be a strict subset/],
    ['In without values', '{ podSelector: { matchExpressions: [{ key: app, operator: In }] } }', /spec\.podSelector\.matchExpressions\[0\]\.values: operator In needs at least one value/],
    ['NotIn with an empty list', '{ podSelector: {}, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: app, operator: NotIn, values: [] }] } }] }] }', /from\[0\]\.podSelector\.matchExpressions\[0\]\.values: operator NotIn needs/],
    ['Exists with values', '{ podSelector: { matchExpressions: [{ key: app, operator: Exists, values: [a] }] } }', /operator Exists takes no values/],
    ['a bad label value', "{ podSelector: { matchLabels: { app: '-a' } } }", /matchLabels\.app: '-a' is not a valid label value/],
    ['endPort without port', '{ podSelector: {}, ingress: [{ ports: [{ endPort: 90 }] }] }', /ingress\[0\]\.ports\[0\]\.endPort: endPort may not be given without port/],
    ['endPort below port', '{ podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }', /endPort 80 is less than port 90/],
    ['endPort with a named port', '{ podSelector: {}, ingress: [{ ports: [{ port: serve-80, endPort: 90 }] }] }', /endPort may not be given when port is a name/],
    ['a bad port name', '{ podSelector: {}, ingress: [{ ports: [{ port: Serve--80 }] }] }', /'Serve--80' is not a valid port name/],
    ['a placeholder naming no pod', "{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '{c}/32' } }] }] }", /'\{c\}' names no pod of this step/],
    ['a placeholder cidr with a literal except', "{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '{a}/24', except: ['198.19.0.1/32'] } }] }] }", /cannot be checked against cidr \{a\}\/24 before the pods have addresses/],
  ])('refuses %s (exit 2, naming the field)', async (_name, body, message) => {
    const error = await load(spec(body)).then(() => undefined, (caught: unknown) => caught)
    expect(isNetbenchError(error), String(error)).toBe(true)
    if (!isNetbenchError(error)) return
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(message)
  })

  test('an empty policyTypes is defaulted like a missing one: Ingress, plus Egress with egress rules', async () => {
    const step = await load([
      '      policies:',
      '        - { metadata: { name: empty }, spec: { podSelector: {}, policyTypes: [], ingress: [] } }',
      '        - { metadata: { name: missing, namespace: y }, spec: { podSelector: {}, egress: [{}] } }',
      '        - { metadata: { name: empty-egress, namespace: y }, spec: { podSelector: {}, policyTypes: [], egress: [] } }',
    ].join('\n'))
    expect(step.policies.map((policy) => policy.spec.policyTypes)).toEqual([['Ingress'], ['Ingress', 'Egress'], ['Ingress']])
  })

  test('accepted: host bits in a cidr (as the API server does), {pod}/N with a longer {pod} except, named ports, updates', async () => {
    const step = await load([
      "      ports: { tcp: [80, 81], udp: 53 }",
      "      namedPorts: { serve-80-tcp: { port: 80 } }",
      "      policies: [{ metadata: { name: p }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '{a}/24', except: ['{a}/32'] } }, { ipBlock: { cidr: '198.19.1.7/24' } }], ports: [{ port: serve-80-tcp }] }] } }]",
      '      updates:',
      '        - labels: { a: { app: c } }',
      '        - { policies: [], namespaces: { y: { team: t } } }',
    ].join('\n'))
    expect(step.ports).toEqual({ tcp: [80, 81], udp: [53] })
    expect(step.pods.map((pod) => pod.namedPorts)).toEqual([{ 'serve-80-tcp': { port: 80, protocol: 'TCP' } }, { 'serve-80-tcp': { port: 80, protocol: 'TCP' } }])
    expect(step.updates.map((state) => [state.policies.length, state.labels.a, state.namespaces.y])).toEqual([
      [1, { app: 'c' }, { 'kubernetes.io/metadata.name': 'y' }],
      [0, { app: 'c' }, { team: 't', 'kubernetes.io/metadata.name': 'y' }],
    ])
  })
})

test('the CLI refuses an invalid policy with exit 2 and one line naming the field, before the lab exists', async () => {
  using project = tmpProject({ 'p.netbench.yaml': `name: t\nnetworks: [calico]\nsteps:\n  - policy:\n      pods: { a: {}, b: {} }\n${spec("{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '198.19.0.0/33' } }] }] }")}\nexpect: [calico policy enforced]\n` })
  const result = await runCli([project.path('p.netbench.yaml')])
  expect(result.code).toBe(2)
  expect(result.stderr).toMatch(/p\.netbench\.yaml:\d+:\d+: steps\[0\]\.policy\.policies\[0\]\.spec\.ingress\[0\]\.from\[0\]\.ipBlock\.cidr: 198\.19\.0\.0\/33 has prefix length 33/)
  expect(result.stderr).not.toMatch(/netbench clean/)
  expect(result.stdout).not.toMatch(/calico/)
})
