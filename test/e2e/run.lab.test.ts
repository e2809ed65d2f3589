import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, test } from 'vitest'
import { runCli } from '../cli.ts'
import { labLeftovers } from '../leftovers.ts'
import { tmpProject } from '../tmp-project.ts'

// End-to-end: the real CLI on inline fixture suites against the real local lab. Short probes
// (1 s) and an unshaped or lightly shaped underlay keep the whole file to a few tens of seconds.

afterEach(() => {
  expect(labLeftovers()).toEqual([])
})

const suiteTs = (body: string) => `import { defineSuite, udp, tcp } from 'netbench'\nexport default defineSuite(${body})\n`

describe('netbench run', () => {
  test('measures UDP and TCP across zones, checks every expectation and writes the JSON result', async () => {
    using project = tmpProject({
      'suites/lab.netbench.ts': suiteTs(`{
        name: 'e2e across zones',
        cluster: { nodes: 2, zones: 2, bandwidth: '200M' },
        networks: ['host'],
        steps: [udp({ bitrates: ['10M', '1G'], duration: '1s' }), tcp({ duration: '1s' })],
        expect: ['host at 10M loss < 5%', 'host at 10M throughput >= 90% of offered', 'host at 1G throughput <= 260M', 'host tcp throughput >= 50M'],
      }`),
    })
    const { code, stdout, stderr } = await runCli(['--output', 'out/result.json'], { cwd: project.dir })
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/✓ host › udp 10M › loss < 5%/)
    expect(stdout).toMatch(/✓ host › tcp › throughput >= 50M\s+\d+(\.\d+)? Mbit\/s/)
    expect(stdout).toMatch(/host\s+10M\s+[\d.]+ Mbit\/s/)
    expect(stdout).toMatch(/4 passed/)
    const result = JSON.parse(readFileSync(project.path('out/result.json'), 'utf8'))
    expect(result).toMatchObject({ schemaVersion: 2, status: 'passed', environment: { cpuCount: expect.any(Number), iperf3: expect.stringMatching(/^iperf 3/) } })
    expect(typeof result.startedAt).toBe('string')
    expect(result.durationMs).toBeGreaterThan(3000)
    const [suite] = result.suites
    expect(suite).toMatchObject({ name: 'e2e across zones', status: 'passed' })
    expect(suite.points).toHaveLength(3)
    const udp10 = suite.points.find((point: { bitrateBps: number }) => point.bitrateBps === 10e6)
    expect(udp10).toMatchObject({ network: 'host', step: 'udp', stepIndex: 0, direction: null, endpoint: 'pod', between: 'zones', from: 'n1', to: 'n2', status: 'ok', error: null })
    expect(udp10.metrics.throughputBps / 10e6).toBeGreaterThan(0.9)
    expect(udp10.samples).toHaveLength(1)
    expect(udp10.samples[0].datagramBytes).toBe(1472)
    expect(udp10.raw[0].end.sum_received).toBeDefined()
    // The 200M shaping caps what 1G offered can deliver: behaviour, with a generous margin.
    const udp1g = suite.points.find((point: { bitrateBps: number }) => point.bitrateBps === 1e9)
    expect(udp1g.metrics.throughputBps).toBeLessThan(260e6)
    expect(suite.expectations.map((e: { status: string }) => e.status)).toEqual(['passed', 'passed', 'passed', 'passed'])
    expect(suite.expectations[0]).toMatchObject({ text: 'host at 10M loss < 5%', name: 'host › udp 10M › loss < 5%', pointLabel: 'udp 10M', unit: 'percent', expected: 5 })
    expect(suite.points.find((point: { step: string }) => point.step === 'tcp')).toMatchObject({ stepIndex: 1, direction: 'forward', streams: 1 })
  })

  test('a failed expectation exits 1 and shows the measured value against the bound', async () => {
    using project = tmpProject({
      'fail.netbench.yaml': [
        'name: failing', 'cluster: { nodes: 2, zones: 2, bandwidth: 100M }', 'networks: [host]',
        'steps:', '  - udp: { bitrates: [300M], duration: 1s }', 'expect:', '  - host at 300M throughput >= 95% of offered', '  - host at 300M jitter < 1s', '',
      ].join('\n'),
    })
    const { code, stdout } = await runCli(['fail.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(1)
    expect(stdout).toMatch(/✗ host › udp 300M › throughput >= 95% of offered\s+[\d.]+ Mbit\/s\s+needed >= 285\.0 Mbit\/s \(95% of offered 300\.0 Mbit\/s\)/)
    expect(stdout).toMatch(/✓ host › udp 300M › jitter < 1s/)
    expect(stdout).toMatch(/1 passed \| 1 failed/)
    // Failures are listed before passes.
    expect(stdout.indexOf('✗')).toBeLessThan(stdout.indexOf('✓ host'))
  })

  test('-t and --network narrow what runs; the rest is reported skipped', async () => {
    using project = tmpProject({
      'suites/a.netbench.ts': suiteTs(`{ name: 'filters', cluster: { nodes: 2, zones: 2 }, networks: ['host'], steps: [udp({ bitrates: ['5M'], duration: '1s' }), tcp({ duration: '1s' })], expect: ['host at 5M loss < 5%', 'host tcp retransmits < 1000000'] }`),
    })
    const { code, stdout } = await runCli(['-t', 'loss', '--output', 'r.json'], { cwd: project.dir })
    expect(code).toBe(0)
    expect(stdout).toMatch(/✓ host › udp 5M › loss < 5%/)
    expect(stdout).toMatch(/- host › tcp › retransmits < 1000000\s+skipped/)
    const result = JSON.parse(readFileSync(project.path('r.json'), 'utf8'))
    expect(result.suites[0].expectations.map((e: { status: string }) => e.status)).toEqual(['passed', 'skipped'])
    const wrongNetwork = await runCli(['--network', 'weave'], { cwd: project.dir })
    expect(wrongNetwork.code).toBe(2)
    expect(wrongNetwork.stderr).toMatch(/--network weave: no suite measures this network/)
  })

  test('the imperative form: test() with the lab fixture and netbench matchers', async () => {
    using project = tmpProject({
      'imperative.netbench.ts': [
        `import { test, expect } from 'netbench'`,
        `test.scoped({ cluster: { nodes: 2, zones: 2 } })`,
        `for (const bitrate of ['2M', '20M']) {`,
        `  test('host at ' + bitrate + ' is lossless', async ({ lab }) => {`,
        `    const point = await lab.udp({ bitrate, duration: '1s' })`,
        `    expect(point).toHaveLossBelow(5)`,
        `    expect(point).toReachThroughput(bitrate === '2M' ? '1.8M' : '18M')`,
        `  })`,
        `}`,
        `test('an impossible bound fails', async ({ lab }) => {`,
        `  expect(await lab.tcp({ duration: '1s' })).toReachThroughput('1T')`,
        `})`,
      ].join('\n'),
    })
    const { code, stdout } = await runCli(['imperative.netbench.ts', '--output', 'r.json'], { cwd: project.dir })
    expect(code).toBe(1)
    expect(stdout).toMatch(/✓ host at 2M is lossless/)
    expect(stdout).toMatch(/✓ host at 20M is lossless/)
    expect(stdout).toMatch(/✗ an impossible bound fails/)
    const result = JSON.parse(readFileSync(project.path('r.json'), 'utf8'))
    expect(result.suites[0].points).toHaveLength(3)
    expect(result.suites[0].expectations.find((e: { name: string }) => e.name === 'an impossible bound fails').message).toMatch(/needed >= 990\.00 Gbit\/s \(99% of 1000\.00 Gbit\/s\)/)
  })
})
