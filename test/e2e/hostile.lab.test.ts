/**
 * Hostile input, odd output targets and signals, one test per class of issue 12: the real CLI
 * answers with one clear line and the contract's exit code, never a stack trace, never raw control
 * characters, and never loses a measured run. Only the tests marked "lab" provision anything
 * (a 2-node lab, 1-s points).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { runCli, startCli } from '../cli.ts'
import { labLeftovers } from '../leftovers.ts'
import { generateRun } from '../result-fixture.ts'
import { tmpProject } from '../tmp-project.ts'
import { markInterrupted } from '../../src/runner/interrupt.ts'

const GOOD = 'name: h\ncluster: { nodes: 2, zones: 2 }\nnetworks: [host]\nsteps:\n  - udp: { bitrates: [5M], duration: 1s }\n'
const with_ = (from: string, to: string) => GOOD.replace(from, to)
const aliasBomb = [
  'a0: &a0 [x, x, x, x, x, x, x, x, x, x]',
  ...Array.from({ length: 11 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`),
].join('\n')
const evilRun = generateRun({ runId: 'evil', durationS: 2, networks: ['host', 'flannel'], bitrates: ['1M'] })
evilRun.suites[0]!.name = 'retitled\u001b]0;pwned\u0007\u001b[31m'
evilRun.suites[0]!.points[0]!.network = 'host\u001b[2J'

const project = tmpProject({
  'good.netbench.yaml': GOOD,
  'afile': '',
  'bomb.netbench.yaml': `${aliasBomb}\n${GOOD}`,
  'bitrate0.netbench.yaml': with_('[5M]', "['0M']"),
  'huge-rate.netbench.yaml': with_('[5M]', '[99999999999999999999999T]'),
  'huge-duration.netbench.yaml': with_('1s', '100000000h'),
  'ready0.netbench.yaml': 'name: k\ncluster: { provider: kube, readyTimeout: 0s }\nnetworks: [host]\nsteps:\n  - tcp: { duration: 1s }\n',
  'long.netbench.yaml': `${GOOD}expect: ['host at 5M loss < 1% ${'x'.repeat(5_000_000)}']\n`,
  'esc.netbench.yaml': `${GOOD}expect: ["host at 5M \\u001b]0;pwned\\u0007loss < 1%"]\n`,
  'named.netbench.ts': "import { defineSuite, udp } from 'netbench'\nexport const suite = defineSuite({ name: 'n', networks: ['host'], steps: [udp({ bitrates: ['5M'] })] })\n",
  'null.netbench.ts': 'export default null\n',
  'empty.netbench.ts': '',
  'a.json': JSON.stringify(generateRun({ runId: 'aaaa', durationS: 2 })),
  'other.json': JSON.stringify(generateRun({ runId: 'oooo', durationS: 2, name: 'Another study', file: '/x/another.netbench.ts' })),
  'inf.json': JSON.stringify(generateRun({ runId: 'iiii', durationS: 2 })).replace(/"throughputBps":[0-9.e+]+/, '"throughputBps":1e400'),
  'evil.json': JSON.stringify(evilRun),
  'deep.json': `{"schemaVersion":1,"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
  'config-file/netbench.config.ts': "export default { reportDir: '../afile' }\n",
  'config-file/s.netbench.yaml': GOOD,
})
writeFileSync(project.path('nonutf8.netbench.yaml'), Buffer.concat([Buffer.from('name: caf'), Buffer.from([0xe9, 0xff]), Buffer.from(`\n${GOOD.slice(GOOD.indexOf('\n') + 1)}`)]))
writeFileSync(project.path('binary.netbench.yaml'), Buffer.from(Array.from({ length: 8000 }, (_, i) => i % 256)))
afterAll(() => project[Symbol.dispose]())
afterEach(() => { expect(labLeftovers()).toEqual([]) })

const at = (name: string) => project.path(name)
const STACK = /\n\s+at .+:\d+:\d+/

/** One line (plus the caret excerpt for expectations), the contract's code, no stack, nothing on stdout. */
async function refused(args: string[], message: RegExp, cwd = project.dir): Promise<string> {
  const { code, stdout, stderr } = await runCli(args, { cwd })
  expect(stderr).toMatch(message)
  expect(stderr).not.toMatch(STACK)
  expect(stderr.trim().split('\n').length).toBeLessThanOrEqual(3)
  expect(code).toBe(2)
  expect(stdout).toBe('')
  return stderr
}

describe.concurrent('1. output targets are checked before anything is provisioned (exit 2)', () => {
  test.each([
    ['--output naming a directory', ['good.netbench.yaml', '--output', '/tmp'], /^netbench: --output \/tmp: is a directory, not a file — /],
    ['--output under /proc (fails fast)', ['good.netbench.yaml', '--output', '/proc/x/r.json'], /^netbench: --output \/proc\/x\/r\.json: \/proc is on a kernel filesystem/],
    ['--output twice', ['good.netbench.yaml', '--output', 'a.json', '--output', 'b.json'], /^netbench: --output is given 2 times \(a\.json, b\.json\) — give --output once/],
    ['--output under a file', ['good.netbench.yaml', '--output', 'afile/r.json'], /^netbench: --output afile\/r\.json: .*afile is a file, so nothing can be created under it/],
    ['--report-dir naming a file', ['good.netbench.yaml', '--reporter', 'html', '--report-dir', 'afile'], /^netbench: --report-dir afile: exists and is not a directory — /],
    ['compare --report-dir naming a file', ['compare', 'a.json', 'a.json', '--report-dir', 'afile'], /^netbench: --report-dir afile: exists and is not a directory/],
    ['compare --report-dir under /proc', ['compare', 'a.json', 'a.json', '--report-dir', '/proc/x'], /^netbench: --report-dir \/proc\/x: \/proc is on a kernel filesystem/],
    ['report --report-dir naming a file', ['report', 'a.json', '--report-dir', 'afile'], /^netbench: --report-dir afile: exists and is not a directory/],
  ])('%s', async (_name, args, message) => {
    await refused(args, message)
  })

  test('reportDir in netbench.config.ts naming a file', async () => {
    await refused(['s.netbench.yaml', '--reporter', 'html'], /^netbench: reportDir in .*netbench\.config\.ts .*afile: exists and is not a directory/, at('config-file'))
  })
})

describe.concurrent('2. one line instead of a stack trace (exit 2)', () => {
  test.each([
    ['a YAML alias bomb', ['list', 'bomb.netbench.yaml'], /^netbench: bomb\.netbench\.yaml: YAML aliases expand too far/],
    ['bitrate 0M', ['list', 'bitrate0.netbench.yaml'], /^netbench: bitrate0\.netbench\.yaml:5:\d+: steps\[0\]\.udp\.bitrates\[0\]: a bitrate must be greater than zero, not '0M' — /],
    ['an invalid -t regular expression', ['good.netbench.yaml', '-t', '('], /^netbench: -t \(: not a regular expression/],
  ])('%s', async (_name, args, message) => {
    await refused(args, message)
  })

  test('the interrupt marker of a run directory already removed is no crash', () => {
    expect(() => markInterrupted(at('no-such-run-dir'))).not.toThrow()
  })
})

describe.concurrent('3. TypeScript files that are not suites (exit 2, naming the file)', () => {
  test.each([
    ['a named export without a default', 'named.netbench.ts', /^netbench: named\.netbench\.ts: exports a suite as 'suite', but netbench reads the default export — write `export default defineSuite/],
    ['export default null', 'null.netbench.ts', /^netbench: null\.netbench\.ts: the default export is null, not a suite/],
    ['an empty file', 'empty.netbench.ts', /^netbench: empty\.netbench\.ts: defines no suite and no test/],
  ])('%s', async (_name, file, message) => {
    await refused(['list', file], message)
    await refused([file], message)
  })
})

describe.concurrent('4. invalid values that passed validation (exit 2 with place and fix)', () => {
  test.each([
    ['non-UTF-8 bytes', ['list', 'nonutf8.netbench.yaml'], /^netbench: nonutf8\.netbench\.yaml:1:10: not UTF-8 text .* — save the suite as UTF-8/],
    ['a bitrate above 1T', ['list', 'huge-rate.netbench.yaml'], /^netbench: huge-rate\.netbench\.yaml:5:\d+: steps\[0\]\.udp\.bitrates\[0\]: '99999999999999999999999T' is above 1T/],
    ['a duration beyond iperf3\'s day', ['list', 'huge-duration.netbench.yaml'], /^netbench: huge-duration\.netbench\.yaml:5:\d+: steps\[0\]\.udp\.duration: '100000000h' is longer than a day/],
    ['readyTimeout 0s', ['list', 'ready0.netbench.yaml'], /^netbench: ready0\.netbench\.yaml:2:\d+: cluster\.readyTimeout: a duration must be greater than zero/],
    ['compare of unrelated suites', ['compare', 'a.json', 'other.json'], /^netbench: a\.json and other\.json share no suite: 'Overlay networks .*' vs 'Another study' — /],
    ['report of a result holding 1e400', ['report', 'inf.json'], /^netbench: result file inf\.json: suites\[0\]\.points\[0\]\.metrics\.throughputBps is too large to be a number/],
    ['compare of a result holding 1e400', ['compare', 'a.json', 'inf.json'], /^netbench: result file inf\.json: .*throughputBps is too large to be a number/],
    ['report of a result nested 200 000 levels deep', ['report', 'deep.json'], /^netbench: result file deep\.json: x(\[0\])+ nests deeper than 64 levels — /],
    ['report of a device, which would never end', ['report', '/dev/zero'], /^netbench: result file \/dev\/zero: is not a regular file — /],
    ['--kubeconfig naming a missing file', ['good.netbench.yaml', '--kubeconfig', '/nonexistent-nb/config'], /^netbench: --kubeconfig \/nonexistent-nb\/config: no such file — /],
  ])('%s', async (_name, args, message) => {
    await refused(args, message)
  })
})

describe.concurrent('6. what reaches a terminal', () => {
  test('report shows control characters from a result file as escapes, never raw', async () => {
    const { code, stdout } = await runCli(['report', 'evil.json', '--reporter', 'terminal'], { cwd: project.dir })
    expect(code).toBe(0)
    expect(stdout).toContain('retitled\\x1b]0;pwned\\x07\\x1b[31m')
    expect(stdout).toContain('host\\x1b[2J')
    // Colours are off in these runs (NO_COLOR), so no ESC at all may reach the terminal.
    expect(stdout).not.toContain('\u001b')
  })

  test('an expectation with an escape sequence is echoed visibly', async () => {
    const stderr = await refused(['list', 'esc.netbench.yaml'], /unknown metric '\\x1b\]0;pwned\\x07loss'/)
    expect(stderr).not.toContain('\u001b')
  })

  test('a 5 MB expectation gives a bounded excerpt around the caret', async () => {
    const stderr = await refused(['list', 'long.netbench.yaml'], /^netbench: long\.netbench\.yaml:6:\d+: expect\[0\]: unexpected 'x+… \(\d+ more characters\)' after the value/)
    expect(stderr.length).toBeLessThan(1500)
  })

  test('a binary file is not echoed', async () => {
    const stderr = await refused(['list', 'binary.netbench.yaml'], /^netbench: binary\.netbench\.yaml:\d+:\d+: not UTF-8 text/)
    expect(stderr.length).toBeLessThan(300)
  })

  test('compare --tolerance -5% says tolerances are positive', async () => {
    await refused(['compare', 'a.json', 'a.json', '--tolerance', '-5%'], /^netbench: --tolerance -5%: tolerances are positive — write e\.g\. --tolerance 5%/)
    await refused(['compare', 'a.json', 'a.json', '--tolerance=-5%'], /^netbench: --tolerance -5%: tolerances are positive/)
  })
})

describe('5. signals and unhandled errors', () => {
  test('SIGTERM while suites load: a line saying so, exit 130', async () => {
    using slow = tmpProject({ 'slow.netbench.ts': "import { writeFileSync } from 'node:fs'\nwriteFileSync(new URL('./loading', import.meta.url), '')\nawait new Promise((resolve) => setTimeout(resolve, 60_000))\nexport default null\n" })
    const cli = startCli(['list', 'slow.netbench.ts'], { cwd: slow.dir })
    const deadline = Date.now() + 60_000
    while (!existsSync(slow.path('loading')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    cli.child.kill('SIGTERM')
    const { code, stderr } = await cli.result
    expect(stderr).toMatch(/netbench: SIGTERM received, stopping/)
    expect(code).toBe(130)
  })

  test('an error thrown outside any test fails the run (exit 3) and shows in the report', async () => {
    using imperative = tmpProject({
      'u.netbench.ts': "import { test, expect } from 'netbench'\ntest('passes but leaves a rejection behind', async () => {\n  void Promise.reject(new Error('boom outside the test'))\n  await new Promise((resolve) => setTimeout(resolve, 50))\n  expect(1).toBe(1)\n})\n",
    })
    const { code, stdout } = await runCli(['u.netbench.ts', '--output', 'r.json'], { cwd: imperative.dir })
    expect(stdout).toMatch(/unhandled error\s+error: boom outside the test/)
    expect(code).toBe(3)
    const result = JSON.parse(readFileSync(imperative.path('r.json'), 'utf8'))
    expect(result.status).toBe('error')
    expect(result.suites.flatMap((suite: { expectations: Array<{ message: string }> }) => suite.expectations.map((e) => e.message))).toContain('boom outside the test')
  })
})

describe('5. a signal while reports are written (lab)', () => {
  test('SIGTERM after the summary: reports still written, exit 130, no crash', async () => {
    const cli = startCli(['good.netbench.yaml', '--reporter', 'terminal', '--reporter', 'html', '--reporter', 'junit', '--report-dir', 'signalled'], { cwd: project.dir })
    cli.child.stdout!.on('data', () => { if (cli.output().includes('Measured') && !cli.child.killed) cli.child.kill('SIGTERM') })
    const { code, stdout, stderr } = await cli.result
    expect(stdout).toMatch(/SIGTERM received, stopping and cleaning up/)
    expect(stderr).not.toMatch(/ENOENT|unexpected error/)
    expect(code).toBe(130)
    expect(existsSync(at('signalled/junit.xml'))).toBe(true)
  })
})

describe('1. a reporter failing after the run (lab)', () => {
  test('keeps the measured result where the message says, exit 3', async () => {
    mkdirSync(at('blocked/index.html'), { recursive: true }) // the html reporter cannot write its file
    const { code, stderr } = await runCli(['good.netbench.yaml', '--reporter', 'html', '--report-dir', 'blocked'], { cwd: project.dir })
    expect(stderr).toMatch(/^netbench: the html reporter failed: EISDIR/m)
    const kept = /^netbench: the measurements are kept in (\S+) — render them with `netbench report \1`$/m.exec(stderr)
    expect(kept, stderr).not.toBeNull()
    expect(code).toBe(3)
    const result = JSON.parse(readFileSync(kept![1]!, 'utf8'))
    expect(result.suites[0].points).toHaveLength(1)
    expect(result.suites[0].points[0].metrics.throughputBps).toBeGreaterThan(0)
  })
})
