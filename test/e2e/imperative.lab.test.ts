/** The imperative form on the real local lab, next to a suite in the same run. */
import { readFileSync } from 'node:fs'
import { afterEach, expect, test } from 'vitest'
import { runCli } from '../cli.ts'
import { labLeftovers } from '../leftovers.ts'
import { tmpProject } from '../tmp-project.ts'

let runId = ''
afterEach(() => {
  // Only this run's objects: other runs on the machine may be alive.
  expect(labLeftovers().filter((item) => item.includes(`nb${runId}`) || item.includes(`${runId}.json`))).toEqual([])
})

test('networks probed by hand, compared with toSatisfy; header and titles say what runs', async () => {
  using project = tmpProject({
    'hand.netbench.ts': [
      `import { describe, test, expect } from 'netbench'`,
      `test.scoped({ cluster: { nodes: 2, zones: 2 } })`,
      `describe('overlays by hand', () => {`,
      `  test('calico keeps up with flannel', async ({ lab }) => {`,
      `    await lab.tcp({ network: 'flannel', duration: '1s' })`,
      `    expect(await lab.tcp({ network: 'calico', duration: '1s' })).toSatisfy('tcp retransmits < 1000000')`,
      `    expect(lab).toSatisfy('calico tcp throughput >= 10% of flannel')`,
      `  })`,
      // The lab carries one pod network at a time: flannel again means installing it again.
      `  test('flannel once more', async ({ lab }) => {`,
      `    expect(await lab.udp({ network: 'flannel', bitrate: '5M', duration: '1s' })).toSatisfy('loss < 5%')`,
      `    expect(lab).toSatisfy('all setup-time < 1h')`,
      `  })`,
      `})`,
    ].join('\n'),
    'planned.netbench.yaml': 'name: planned\ncluster: { nodes: 2, zones: 2 }\nnetworks: [host]\nsteps: [{ tcp: { duration: 1s } }]\nexpect: ["host tcp throughput > 1M"]\n',
  })
  const { code, stdout, stderr } = await runCli(['hand.netbench.ts', 'planned.netbench.yaml', '--output', 'r.json'], { cwd: project.dir })
  const result = JSON.parse(readFileSync(project.path('r.json'), 'utf8'))
  runId = result.runId
  expect(stderr).toBe('')
  expect(code, stdout).toBe(0)
  expect(stdout).toMatch(/^netbench run [a-z0-9]{4} · 2 suite files · 1 point planned · imperative tests measure as the tests ask$/m)
  expect(stdout).toMatch(/^overlays by hand {2}\/\S+\/hand\.netbench\.ts$/m)
  expect(stdout).toMatch(/✓ calico keeps up with flannel/)
  const hand = result.suites.find((suite: { name: string }) => suite.name === 'overlays by hand')
  expect(hand.cluster).toMatchObject({ provider: 'local', nodes: 2, zones: 2 })
  expect(hand.points.map((point: { network: string; label: string }) => `${point.network} ${point.label}`)).toEqual(['flannel tcp', 'calico tcp', 'flannel udp 5M'])
  expect(hand.networks.map((network: { name: string; status: string }) => `${network.name} ${network.status}`).sort()).toEqual(['calico ok', 'flannel ok'])
  expect(hand.expectations.map((e: { name: string; status: string }) => `${e.name}: ${e.status}`)).toEqual(['calico keeps up with flannel: passed', 'flannel once more: passed'])
})

test('an imperative file that fails as a whole says why instead of passing silently', async () => {
  using project = tmpProject({
    'nested.netbench.ts': [
      `import { describe, test } from 'netbench'`,
      `describe('two nodes', () => {`,
      `  test.scoped({ cluster: { nodes: 2 } })`,
      `  test('tcp', async ({ lab }) => { await lab.tcp({ duration: '1s' }) })`,
      `})`,
    ].join('\n'),
  })
  const { code, stdout } = await runCli(['nested.netbench.ts', '--output', 'r.json'], { cwd: project.dir })
  runId = JSON.parse(readFileSync(project.path('r.json'), 'utf8')).runId
  expect(code).toBe(3)
  // Vitest's own message: the lab's fixtures are file-scoped, so test.scoped goes at the top.
  expect(stdout).toMatch(/! the file {2}error: The "cluster" fixture cannot be defined with a file scope .* inside the describe block/)
  expect(stdout).toMatch(/0 passed \| 0 failed \| 1 errors/)
})
