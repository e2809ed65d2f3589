/** `pairs: N` in suites: the model, the plan, and every bad input as one line naming place and fix. */
import { describe, expect, test } from 'vitest'
import { tmpProject } from '../../test/tmp-project.ts'
import { rejected } from '../../test/rejected.ts'
import { loadSuiteFile } from './load.ts'
import { planSuite } from '../plan/plan.ts'

const suite = (cluster: string, steps: string, expect = '') => `name: t\ncluster: ${cluster}\nnetworks: [host]\nsteps:\n${steps}${expect ? `expect:\n${expect}` : ''}`

async function load(yaml: string) {
  using project = tmpProject({ 's.netbench.yaml': yaml })
  const loaded = await loadSuiteFile(project.path('s.netbench.yaml'), ['host'])
  if (loaded.kind !== 'declarative') throw new Error('expected a declarative suite')
  return { suite: loaded.suite, plan: planSuite(loaded.suite, { place: loaded.place }) }
}

async function rejection(yaml: string): Promise<string> {
  const error = await rejected(() => load(yaml))
  expect(error.exitCode).toBe(2)
  return error.oneLine
}

describe('valid', () => {
  test('pairs on udp and tcp: the step keeps them, points say so, 1 is the plain pair', async () => {
    const { suite: loaded, plan } = await load(suite('{ nodes: 4, zones: 1 }', '  - udp: { bitrates: [10M], duration: 1s, pairs: 2 }\n  - tcp: { duration: 1s, pairs: 2 }\n  - tcp: { duration: 1s, pairs: 1 }\n', '  - host tcp fairness >= 0.9\n'))
    expect(loaded.steps.map((step) => step.kind === 'latency' ? null : step.pairs)).toEqual([2, 2, undefined])
    expect(plan.networks[0]!.points.map((point) => [point.label, point.pairs])).toEqual([['udp 10M (2 pairs)', 2], ['tcp (nodes, 2 pairs)', 2], ['tcp (nodes)', undefined]])
    // fairness reads only the points with pairs.
    expect(plan.checks.map((check) => check.name)).toEqual(['host › tcp (nodes, 2 pairs) › fairness >= 0.9'])
  })
  test('kube: the placement carries the most pairs a step asks (the node count is checked once connected)', async () => {
    const { suite: loaded } = await load(suite('{ provider: kube }', '  - tcp: { between: nodes, pairs: 3 }\n  - udp: { bitrates: [1M], between: nodes, pairs: 2 }\n'))
    expect(loaded.cluster.provider === 'kube' && loaded.cluster.placements).toEqual([{ between: 'nodes', endpoint: 'pod', pairs: 3 }])
  })
})

describe('bad input: exit 2, one line naming the place and the fix', () => {
  test('more pairs than the nodes hold', async () => {
    expect(await rejection(suite('{ nodes: 4 }', '  - tcp: {}\n  - tcp: { between: nodes, pairs: 3 }\n'))).toMatch(
      /s\.netbench\.yaml:6:\d+: steps\[1\]\.tcp\.pairs: 3 pairs between nodes need 6 nodes; cluster\.nodes is 4 — set cluster\.nodes: 6 or pairs: 2$/)
    expect(await rejection(suite('{ nodes: 2 }', '  - udp: { bitrates: [1M], between: same-node, pairs: 3 }\n'))).toMatch(
      /steps\[0\]\.udp\.pairs: 3 pairs on one node each need 3 nodes; cluster\.nodes is 2 — set cluster\.nodes: 3 or pairs: 2$/)
  })
  test.each([['0'], ['-1'], ['1.5']])('pairs: %s', async (value) => {
    expect(await rejection(suite('{ nodes: 4 }', `  - tcp: { pairs: ${value} }\n`))).toMatch(/s\.netbench\.yaml:5:\d+: steps\[0\]\.tcp\.pairs: /)
  })
  test('a max-rate search with pairs', async () => {
    expect(await rejection(suite('{ nodes: 4 }', "  - udp: { find: 'max', pairs: 2 }\n"))).toMatch(/steps\[0\]\.udp\.pairs: find: 'max' searches one pair's rate/)
  })
  test('pairs through a Service', async () => {
    expect(await rejection(suite('{ nodes: 4 }', '  - tcp: { pairs: 2, via: service }\n'))).toMatch(
      /s\.netbench\.yaml:5:\d+: steps\[0\]\.tcp\.pairs: pairs measure pod paths at once; via: service measures one client through a Service — remove pairs, or put the Service path in a step of its own$/)
  })
  test('fairness without a step that has pairs', async () => {
    expect(await rejection(suite('{ nodes: 4 }', '  - tcp: {}\n', '  - host tcp fairness >= 0.9\n'))).toMatch(
      /expect\[0\]: fairness compares pairs measured at once, and no tcp step of this suite has pairs above 1 .*— add pairs: 2 \(or more\) to a tcp step$/)
  })
  test('fairness is a number from 0 to 1', async () => {
    expect(await rejection(suite('{ nodes: 4 }', '  - tcp: { pairs: 2 }\n', '  - host tcp fairness >= 90%\n'))).toMatch(/'90%' is not a number/)
    expect(await rejection(suite('{ nodes: 4 }', '  - tcp: { pairs: 2 }\n', '  - host tcp fairness >= 2\n'))).toMatch(/'2' is more than 1/)
  })
})

test('k3s: the node count is in the suite, so it is checked at load as in the lab', async () => {
  expect(await rejection(suite("{ provider: k3s, nodes: 3, image: 'rancher/k3s:v1.31.4-k3s1' }", '  - tcp: { between: zones, pairs: 2 }\n'))).toMatch(
    /steps\[0\]\.tcp\.pairs: 2 pairs between zones need 4 nodes; cluster\.nodes is 3 — set cluster\.nodes: 4 or pairs: 1$/)
})
