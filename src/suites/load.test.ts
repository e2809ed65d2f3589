import { describe, expect, test } from 'vitest'
import { tmpProject } from '../../test/tmp-project.ts'
import { rejected } from '../../test/rejected.ts'
import { loadSuiteFile } from './load.ts'
import { planSuite } from '../plan/plan.ts'

const networks = ['host', 'flannel', 'weave']

const yamlSuite = (body: string) => `name: t\ncluster: { nodes: 3, zones: 3 }\nnetworks: [host]\n${body}`

async function loadError(files: Record<string, string>, name: string) {
  using project = tmpProject(files)
  return await rejected(async () => {
    const loaded = await loadSuiteFile(project.path(name), networks)
    if (loaded.kind === 'declarative') planSuite(loaded.suite, { place: loaded.place })
  })
}

describe('valid suites', () => {
  test('YAML: units resolved, defaults applied, expectations parsed', async () => {
    using project = tmpProject({ 'a.netbench.yaml': yamlSuite('steps:\n  - udp: { bitrates: [1M, 1.5G], duration: 2s }\n  - tcp: {}\nexpect:\n  - host at 1M loss < 1%\n') })
    const loaded = await loadSuiteFile(project.path('a.netbench.yaml'), networks)
    expect(loaded.kind).toBe('declarative')
    if (loaded.kind !== 'declarative') return
    expect(loaded.suite.steps).toEqual([
      { kind: 'udp', index: 0, bitratesBps: [1e6, 1.5e9], search: null, durationMs: 2000, omitMs: 0, between: 'zones', repeat: 1 },
      { kind: 'tcp', index: 1, streams: [1], reverse: false, bidir: false, durationMs: 10000, omitMs: 0, between: 'zones', repeat: 1 },
    ])
    expect(loaded.suite.cluster).toMatchObject({ provider: 'local', nodes: 3, zones: 3, instance: null, bandwidthBps: null })
    expect(loaded.suite.expectations[0]).toMatchObject({ metric: 'loss', bitrateBps: 1e6 })
  })

  test('TypeScript: defineSuite with udp()/tcp() gives the same model as YAML', async () => {
    using project = tmpProject({
      'a.netbench.ts': `import { defineSuite, udp, tcp } from 'netbench'\nexport default defineSuite({ name: 't', cluster: { nodes: 3, zones: 3 }, networks: ['host'], steps: [udp({ bitrates: ['1M', '1.5G'], duration: '2s' }), tcp()], expect: ['host at 1M loss < 1%'] })\n`,
      'b.netbench.yaml': yamlSuite('steps:\n  - udp: { bitrates: [1M, 1.5G], duration: 2s }\n  - tcp: {}\nexpect:\n  - host at 1M loss < 1%\n'),
    })
    const fromTs = await loadSuiteFile(project.path('a.netbench.ts'), networks)
    const fromYaml = await loadSuiteFile(project.path('b.netbench.yaml'), networks)
    if (fromTs.kind !== 'declarative' || fromYaml.kind !== 'declarative') throw new Error('expected declarative suites')
    expect({ ...fromTs.suite, file: '' }).toEqual({ ...fromYaml.suite, file: '' })
  })

  test('instance presets shape the uplinks; bandwidth: none turns shaping off', async () => {
    using project = tmpProject({
      'a.netbench.yaml': 'name: t\ncluster: { instance: m4.xlarge }\nnetworks: [host]\nsteps: [{ tcp: {} }]\n',
      'b.netbench.yaml': 'name: t\ncluster: { instance: m4.xlarge, bandwidth: none }\nnetworks: [host]\nsteps: [{ tcp: {} }]\n',
    })
    const shaped = await loadSuiteFile(project.path('a.netbench.yaml'), networks)
    const unshaped = await loadSuiteFile(project.path('b.netbench.yaml'), networks)
    expect(shaped.kind === 'declarative' && shaped.suite.cluster.provider === 'local' && shaped.suite.cluster.bandwidthBps).toBe(750e6)
    expect(unshaped.kind === 'declarative' && unshaped.suite.cluster.provider === 'local' && unshaped.suite.cluster.bandwidthBps).toBe(null)
  })

  test('a file without a default export is an imperative test file', async () => {
    using project = tmpProject({ 'i.netbench.ts': `import { test } from 'netbench'\ntest('x', async () => {})\n` })
    expect((await loadSuiteFile(project.path('i.netbench.ts'), networks)).kind).toBe('imperative')
  })
})

describe('bad input: one line naming the file, the place and the fix (exit 2)', () => {
  const cases: Array<[string, Record<string, string>, string, RegExp, RegExp]> = [
    ['unknown network', { 's.netbench.yaml': 'name: t\nnetworks: [host, weeve]\nsteps: [{ tcp: {} }]\n' }, 's.netbench.yaml',
      /s\.netbench\.yaml:2:\d+: networks\[1\]: unknown network 'weeve'/, /did you mean 'weave'/],
    ['unknown metric', { 's.netbench.yaml': yamlSuite('steps: [{ tcp: {} }]\nexpect: [host tcp thruput > 1M]\n') }, 's.netbench.yaml',
      /s\.netbench\.yaml:5:\d+: expect\[0\]: unknown metric 'thruput'/, /throughput/],
    ['bitrate 10Q', { 's.netbench.yaml': yamlSuite('steps:\n  - udp: { bitrates: [10Q] }\n') }, 's.netbench.yaml',
      /s\.netbench\.yaml:5:\d+: steps\[0\]\.udp\.bitrates\[0\]: '10Q' is not a bitrate like 100M/, /bitrate/],
    ['negative duration', { 's.netbench.yaml': yamlSuite('steps:\n  - tcp: { duration: -1s }\n') }, 's.netbench.yaml',
      /steps\[0\]\.tcp\.duration: '-1s': a duration must be greater than zero/, /10s/],
    ['zero duration', { 's.netbench.yaml': yamlSuite('steps:\n  - tcp: { duration: 0s }\n') }, 's.netbench.yaml',
      /steps\[0\]\.tcp\.duration: a duration must be greater than zero/, /10s/],
    ['YAML syntax error', { 's.netbench.yaml': 'name: t\nnetworks: [host\nsteps: []\n' }, 's.netbench.yaml',
      /s\.netbench\.yaml:\d+:\d+: YAML syntax error/, /fix the YAML/],
    ['schema violation', { 's.netbench.yaml': yamlSuite('steps:\n  - tcp: { streams: many }\n') }, 's.netbench.yaml',
      /steps\[0\]\.tcp\.streams: 'many' is not a stream count/, /stream count/],
    ['unknown field', { 's.netbench.yaml': yamlSuite('steps:\n  - tcp: { stream: 2 }\n') }, 's.netbench.yaml',
      /steps\[0\]\.tcp\.stream: unknown field 'stream'/, /streams/],
    ['expectation naming a network not in the suite', { 's.netbench.yaml': yamlSuite('steps: [{ tcp: {} }]\nexpect: [weave tcp throughput > 1M]\n') }, 's.netbench.yaml',
      /s\.netbench\.yaml:5:\d+: expect\[0\]: network 'weave' is not in this suite's networks/, /host/],
    ['a suite with no steps', { 's.netbench.yaml': yamlSuite('steps: []\n') }, 's.netbench.yaml',
      /s\.netbench\.yaml:4:\d+: steps: the list of steps is empty/, /add at least 1/],
    ['duplicate network names', { 's.netbench.yaml': 'name: t\nnetworks: [host, host]\nsteps: [{ tcp: {} }]\n' }, 's.netbench.yaml',
      /networks\[1\]: network 'host' is listed twice/, /once/],
    ['a step with two kinds', { 's.netbench.yaml': yamlSuite('steps:\n  - { tcp: {}, udp: { bitrates: [1M] } }\n') }, 's.netbench.yaml',
      /steps\[0\]: a step must have exactly one kind/, /udp/],
    ['more zones than nodes', { 's.netbench.yaml': 'name: t\ncluster: { nodes: 2, zones: 3 }\nnetworks: [host]\nsteps: [{ tcp: {} }]\n' }, 's.netbench.yaml',
      /cluster\.zones: 3 zones need at least 3 nodes/, /zones: 2/],
    ['unknown instance', { 's.netbench.yaml': 'name: t\ncluster: { instance: m9.huge }\nnetworks: [host]\nsteps: [{ tcp: {} }]\n' }, 's.netbench.yaml',
      /cluster\.instance: 'm9\.huge' is not a instance preset|cluster\.instance: 'm9\.huge' is not an? instance preset/, /m4\.large/],
    ['expectation at a rate no step offers', { 's.netbench.yaml': yamlSuite('steps:\n  - udp: { bitrates: [1M] }\nexpect: [host at 5M loss < 1%]\n') }, 's.netbench.yaml',
      /expect\[0\]: no udp step offers 5M/, /1M/],
    ['TS suite with a bad field', { 's.netbench.ts': `import { defineSuite } from 'netbench'\nexport default defineSuite({ name: 't', networks: ['host'], steps: [{ tcp: { streams: 0 } }] } as any)\n` }, 's.netbench.ts',
      /s\.netbench\.ts: steps\[0\]\.tcp\.streams: 0 is out of range/, />= 1/],
    ['unknown latency protocol', { 's.netbench.yaml': yamlSuite('steps:\n  - latency: { protocol: tpc }\n') }, 's.netbench.yaml',
      /s\.netbench\.yaml:5:\d+: steps\[0\]\.latency\.protocol: 'tpc' is not a latency protocol/, /did you mean 'tcp'\? use one of icmp, tcp, udp/],
    ['ping pacing on a request/response latency step', { 's.netbench.yaml': yamlSuite('steps:\n  - latency: { protocol: udp, count: 50 }\n') }, 's.netbench.yaml',
      /steps\[0\]\.latency\.count: count paces ping; protocol: udp sends request after request for a duration/, /duration: 2s/],
    ['a request/response duration in parts of seconds', { 's.netbench.yaml': yamlSuite('steps:\n  - latency: { protocol: tcp, duration: 1500ms }\n') }, 's.netbench.yaml',
      /steps\[0\]\.latency\.duration: sockperf runs whole seconds, not 1500 ms/, /1s, 2s/],
    ['TS syntax error', { 's.netbench.ts': `export default {{\n` }, 's.netbench.ts', /s\.netbench\.ts:\d+:\d+: /, /syntax/],
    ['an unknown path', { 's.netbench.yaml': yamlSuite('steps:\n  - tcp: { via: clusterip }\n') }, 's.netbench.yaml',
      /s\.netbench\.yaml:5:\d+: steps\[0\]\.tcp\.via: 'clusterip' is not a path/, /did you mean 'service'\? use one of pod, service, nodeport, hairpin/],
    ['a Service path from the nodes themselves', { 's.netbench.yaml': yamlSuite('steps:\n  - udp: { bitrates: [1M], endpoint: host, via: nodeport }\n') }, 's.netbench.yaml',
      /steps\[0\]\.udp\.via: via: nodeport reaches a pod through a Service; endpoint: host measures the nodes themselves/, /remove via, or remove endpoint: host/],
    ['ping through a Service', { 's.netbench.yaml': yamlSuite('steps:\n  - latency: { via: service }\n') }, 's.netbench.yaml',
      /steps\[0\]\.latency\.via: via: service goes through a Service, which translates TCP and UDP ports, never ping's ICMP echo/, /protocol: 'tcp'/],
  ]
  test.each(cases)('%s', async (_name, files, file, message, hint) => {
    const error = await loadError(files, file)
    expect(error.oneLine).toMatch(message)
    expect(error.hint).toMatch(hint)
    expect(error.exitCode).toBe(2)
    expect(error.message).not.toContain('\n')
  })

  test('a caret sits under the bad token of an expectation', async () => {
    const error = await loadError({ 's.netbench.yaml': yamlSuite('steps: [{ tcp: {} }]\nexpect: [host tcp thruput > 1M]\n') }, 's.netbench.yaml')
    expect(error.detail).toBe('  host tcp thruput > 1M\n           ^^^^^^^')
  })

  test('a suite file that does not exist', async () => {
    const error = await loadError({}, 'missing.netbench.ts')
    expect(error.oneLine).toMatch(/missing\.netbench\.ts: no such suite file/)
    expect(error.exitCode).toBe(2)
  })
})

describe('measurement steps', () => {
  test('a max-rate search, stream lists, reverse and a latency step', async () => {
    using project = tmpProject({ 's.netbench.yaml': yamlSuite([
      'steps:',
      "  - udp: { find: max, loss: '<= 1%', from: 5M, to: 2G, resolution: 10% }",
      '  - tcp: { streams: [1, 8], reverse: true }',
      '  - latency: { count: 50, interval: 20ms }',
      'expect: [host udp max >= 100M, host rtt.p99 < 2ms, host at 5M loss.network < 1%]',
      '',
    ].join('\n')) })
    const loaded = await loadSuiteFile(project.path('s.netbench.yaml'), networks)
    if (loaded.kind !== 'declarative') throw new Error('expected a declarative suite')
    expect(loaded.suite.steps[0]).toMatchObject({ kind: 'udp', bitratesBps: [], search: { fromBps: 5e6, toBps: 2e9, resolution: 0.1, lossBoundPercent: 1 } })
    expect(loaded.suite.steps[1]).toMatchObject({ kind: 'tcp', streams: [1, 8], reverse: true, bidir: false })
    expect(loaded.suite.steps[2]).toMatchObject({ kind: 'latency', count: 50, intervalMs: 20, durationMs: 1000 })
    // `at 5M` names no offered rate of this suite: only the search step is UDP.
    expect(() => planSuite(loaded.suite, { place: loaded.place })).toThrow(/no udp step offers 5M/)
  })

  test('request/response latency steps: protocol and whole-second duration, ping stays the default', async () => {
    using project = tmpProject({ 's.netbench.yaml': yamlSuite('steps:\n  - latency: { protocol: tcp, underLoad: tcp }\n  - latency: { protocol: udp, duration: 1s }\n  - latency: {}\nexpect: [host rtt.p99.9 < 5ms, host tps >= 5000]\n') })
    const loaded = await loadSuiteFile(project.path('s.netbench.yaml'), networks)
    if (loaded.kind !== 'declarative') throw new Error('expected a declarative suite')
    expect(loaded.suite.steps[0]).toMatchObject({ kind: 'latency', protocol: 'tcp', durationMs: 2000, underLoad: { kind: 'tcp' } })
    expect(loaded.suite.steps[1]).toMatchObject({ kind: 'latency', protocol: 'udp', durationMs: 1000 })
    expect(loaded.suite.steps[2]).not.toHaveProperty('protocol')
    const plan = planSuite(loaded.suite, { place: loaded.place })
    expect(plan.networks[0]!.points.map((point) => point.label.split(' (')[0])).toEqual(['latency tcp under tcp load', 'latency udp', 'latency'])
    // tps exists only where sockperf ran; rtt on every latency point.
    expect(plan.checks.filter((check) => check.expectation.metric === 'tps').map((check) => check.pointId.split('|')[1])).toHaveLength(2)
  })

  test.each([
    ['search fields without find', "steps:\n  - udp: { bitrates: [1M], loss: '<= 1%' }\n", /'loss' belongs to a max-rate search/],
    ['both bitrates and find', 'steps:\n  - udp: { bitrates: [1M], find: max }\n', /a search step finds its own rates/],
    ['neither bitrates nor find', 'steps:\n  - udp: { duration: 1s }\n', /a udp step needs bitrates or a search/],
    ['an empty search range', 'steps:\n  - udp: { find: max, from: 1G, to: 10M }\n', /the search range is empty/],
    ['reverse and bidir', 'steps:\n  - tcp: { reverse: true, bidir: true }\n', /reverse and bidir exclude each other/],
    ['max without a search', 'steps:\n  - udp: { bitrates: [1M] }\nexpect: [host udp max >= 1M]\n', /no udp step searches for the max rate/],
    ['rtt without a latency step', 'steps:\n  - udp: { bitrates: [1M] }\nexpect: [host rtt < 1ms]\n', /the suite has no latency step/],
  ])('rejects %s', async (_name, body, message) => {
    const error = await loadError({ 's.netbench.yaml': yamlSuite(body) }, 's.netbench.yaml')
    expect(error.oneLine).toMatch(message)
    expect(error.exitCode).toBe(2)
  })
})
