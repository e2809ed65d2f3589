import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, startCli } from '../../test/cli.ts'
import { generateRun } from '../../test/result-fixture.ts'
import { tmpProject } from '../../test/tmp-project.ts'

const EXPECT = ['all at 1M throughput >= 99% of offered', 'calico tcp throughput >= 90% of host']
const project = tmpProject({
  'a.json': JSON.stringify(generateRun({ expectations: EXPECT, runId: 'aaaa', durationS: 2 })),
  'same.json': JSON.stringify(generateRun({ expectations: EXPECT, runId: 'bbbb', durationS: 2, seed: 9 })),
  'worse.json': JSON.stringify(generateRun({ expectations: EXPECT, runId: 'cccc', durationS: 2, seed: 9, models: { flannel: { capacityBps: 360e6 } } })),
  'old.json': JSON.stringify({ schemaVersion: 0, runId: 'x' }),
  's-base.json': JSON.stringify(generateRun({ name: 's', runId: 'ssss', durationS: 2 })),
  'broken.json': '{"schemaVersion": 1, "runId": ',
})
afterAll(() => project[Symbol.dispose]())
const at = (name: string) => project.path(name)
const lines = (text: string) => text.trim().split('\n')

describe('netbench report', () => {
  it('re-renders html and junit from a saved result', async () => {
    const dir = at('report-1')
    const { code, stdout, stderr } = await runCli(['report', at('a.json'), '--report-dir', dir])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toContain('Expectations')
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('<title>Overlay networks across availability zones (m4.large)</title>')
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain('<testsuites name="netbench"')
    expect(stdout).toMatch(/HTML report: .*report-1\/index\.html/)
  })

  it('renders only the reporters asked for; json copies the result into the report directory', async () => {
    const dir = at('report-2')
    const { code } = await runCli(['report', at('a.json'), '--reporter', 'json', '--report-dir', dir])
    expect(code).toBe(0)
    expect(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(at('a.json'), 'utf8')))
    expect(existsSync(join(dir, 'index.html'))).toBe(false)
  })

  it.each([
    ['broken.json', /^netbench: result file .*broken\.json: is not JSON \(/],
    ['old.json', /^netbench: result file .*old\.json: has schemaVersion 0; netbench \S+ reads schemaVersion 1 or 2 — /],
    ['missing.json', /^netbench: result file .*missing\.json: no such file — /],
  ])('refuses %s: one line, exit 2', async (name, message) => {
    const { code, stderr } = await runCli(['report', at(name), '--report-dir', at('report-bad')])
    expect(code).toBe(2)
    expect(lines(stderr)).toHaveLength(1)
    expect(stderr).toMatch(message)
  })

  it('reports a failing reporter and still runs the others (exit 3)', async () => {
    const dir = at('report-3')
    mkdirSync(join(dir, 'index.html'), { recursive: true }) // the html reporter cannot write its file
    const { code, stderr } = await runCli(['report', at('a.json'), '--report-dir', dir])
    expect(code).toBe(3)
    expect(stderr).toMatch(/^netbench: the html reporter failed: EISDIR/)
    expect(existsSync(join(dir, 'junit.xml'))).toBe(true)
  })

  it('takes reporters and the report directory from netbench.config.ts', async () => {
    using configured = tmpProject({
      'netbench.config.ts': "import { defineConfig } from 'netbench'\nexport default defineConfig({ reporters: ['junit'], reportDir: 'ci-reports' })\n",
    })
    const { code, stderr } = await runCli(['report', at('a.json')], { cwd: configured.dir })
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(existsSync(configured.path('ci-reports/junit.xml'))).toBe(true)
    expect(existsSync(configured.path('ci-reports/index.html'))).toBe(false)
  })

  it('names the config file when it is wrong', async () => {
    using configured = tmpProject({ 'netbench.config.ts': "export default { reporters: ['htm'] }\n" })
    const { code, stderr } = await runCli(['report', at('a.json')], { cwd: configured.dir })
    expect(code).toBe(2)
    expect(stderr).toMatch(/^netbench: .*netbench\.config\.ts: unknown reporter 'htm' — use one of terminal, json, html, junit\n$/)
  })
})

describe('netbench compare', () => {
  it('exits 0 when nothing regressed, and writes the HTML comparison', async () => {
    const dir = at('compare-1')
    const { code, stdout } = await runCli(['compare', at('a.json'), at('same.json'), '--report-dir', dir])
    expect(code).toBe(0)
    expect(stdout).toContain('no regression')
    expect(stdout).toMatch(/flannel › udp 1G\s+\S+ Mbit\/s → \S+ Mbit\/s/)
    expect(readFileSync(join(dir, 'compare.html'), 'utf8')).toContain('netbench compare: aaaa → bbbb')
  })

  it('exits 1 on a regression beyond the tolerance, saying which test decided', async () => {
    const { code, stdout } = await runCli(['compare', at('a.json'), at('worse.json'), '--report-dir', at('compare-2')])
    expect(code).toBe(1)
    expect(stdout).toMatch(/✗ flannel › tcp: throughput: one-sided Welch's t-test, p [<=] 0\.\d+ \(3 vs 3 samples\)/)
    expect(stdout).toMatch(/\d+ regression\(s\)/)
  })

  it('shows node CPU per Gbit/s beside throughput when the runs measured it, and does not gate it', async () => {
    const withCpu = (file: string, perGbps: number, out: string) => {
      const run = JSON.parse(readFileSync(at(file), 'utf8'))
      for (const point of run.suites.flatMap((suite: { points: unknown[] }) => suite.points) as Array<{ step: string; metrics: Record<string, number>; samples: Array<{ metrics: Record<string, number> }> }>) {
        if (point.step === 'latency') continue
        point.metrics.cpuNodePerGbps = perGbps
        for (const sample of point.samples) sample.metrics.cpuNodePerGbps = perGbps
      }
      writeFileSync(at(out), JSON.stringify(run))
      return at(out)
    }
    const { code, stdout } = await runCli(['compare', withCpu('a.json', 1, 'cpu-a.json'), withCpu('same.json', 2, 'cpu-b.json'), '--report-dir', at('compare-cpu')])
    expect(code).toBe(0)
    expect(stdout).toMatch(/node CPU-s\/Gbit/)
    expect(stdout).toMatch(/flannel › tcp .* 1 → 2 +\+100%/)
    const plain = await runCli(['compare', at('a.json'), at('same.json'), '--report-dir', at('compare-plain')])
    expect(plain.stdout).not.toContain('node CPU')
  })

  it('lets a wider tolerance through', async () => {
    // flannel lost 16% of its capacity; a 20% tolerance accepts that.
    const { code } = await runCli(['compare', at('a.json'), at('worse.json'), '--tolerance', '20%', '--loss-tolerance', '20%', '--report-dir', at('compare-3')])
    expect(code).toBe(0)
  })

  it('exits 2 on a bad file or a bad tolerance', async () => {
    const bad = await runCli(['compare', at('a.json'), at('broken.json')])
    expect(bad.code).toBe(2)
    expect(lines(bad.stderr)).toHaveLength(1)
    const tolerance = await runCli(['compare', at('a.json'), at('same.json'), '--tolerance', 'lots'])
    expect(tolerance.code).toBe(2)
    expect(tolerance.stderr).toBe('netbench: --tolerance lots: not a percentage — write e.g. --tolerance 5%\n')
  })
})

describe('netbench show-report', () => {
  it('serves the report on 127.0.0.1, nothing outside it, until stopped', async () => {
    const dir = at('report-1')
    if (!existsSync(join(dir, 'index.html'))) await runCli(['report', at('a.json'), '--report-dir', dir])
    const cli = startCli(['show-report', dir])
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${cli.output()}`)), 30_000)
      cli.child.stdout!.on('data', () => {
        const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(cli.output())
        if (match) {
          clearTimeout(timer)
          resolve(match[0])
        }
      })
    })
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toBe(readFileSync(join(dir, 'index.html'), 'utf8'))
    expect((await fetch(`${url}junit.xml`)).status).toBe(200)
    expect((await fetch(`${url}nothing-here`)).status).toBe(404)
    expect((await fetch(`${url}..%2f..%2fa.json`)).status).toBe(403)
    cli.child.kill('SIGTERM')
    expect((await cli.result).code).toBe(0)
  })

  it('says when there is no report to serve', async () => {
    const { code, stderr } = await runCli(['show-report', at('empty-dir')])
    expect(code).toBe(2)
    expect(stderr).toMatch(/^netbench: no report in .*empty-dir — run the suites with --reporter html/)
  })
})

describe('netbench run --baseline', () => {
  it('refuses a bad baseline before anything is provisioned', async () => {
    writeFileSync(at('suite.netbench.ts'), "import { defineSuite, tcp } from 'netbench'\nexport default defineSuite({ name: 's', networks: ['host'], steps: [tcp({ duration: '1s' })], expect: ['host tcp throughput >= 95% of baseline'] })\n")
    const { code, stderr } = await runCli([at('suite.netbench.ts'), '--baseline', at('broken.json')])
    expect(code).toBe(2)
    expect(stderr).toMatch(/^netbench: baseline .*broken\.json: is not JSON/)
  })

  it('without --baseline, `of baseline` is an input error with a hint; with one, the suite plans', async () => {
    const { code, stderr } = await runCli(['list', at('suite.netbench.ts')])
    expect(code).toBe(2)
    expect(stderr).toMatch(/expect\[0\]: `of baseline` needs a baseline result in "host tcp throughput >= 95% of baseline" — pass --baseline <result.json>/)
    const listed = await runCli(['list', at('suite.netbench.ts'), '--baseline', at('s-base.json')])
    expect(listed.stderr).toBe('')
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain('expect throughput >= 95% of baseline')
  })

  it('refuses a baseline of another suite for `of baseline` (exit 2, before anything is provisioned)', async () => {
    const { code, stderr } = await runCli(['list', at('suite.netbench.ts'), '--baseline', at('a.json')])
    expect(code).toBe(2)
    expect(stderr).toMatch(/^netbench: .*suite\.netbench\.ts: expect\[0\]: the baseline \(run aaaa\) is a result of another suite \('Overlay networks across availability zones \(m4\.large\)'\), not of 's' .* — pass --baseline a result this suite wrote/)
  })
})
