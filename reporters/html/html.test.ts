import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateRun } from '../../test/result-fixture.ts'
import { ARTIFACTS, loadFile, openChromium, writeArtifact, type Browser } from '../../test/chromium.ts'
import { REPO_ROOT } from '../../test/tmp-project.ts'
import { formatValue } from '../../src/results/format.ts'
import { isSenderLimited } from '../../src/results/attribution.ts'
import { compareRuns } from '../../src/results/compare.ts'
import { loadResult } from '../../src/results/load-result.ts'
import type { RunResult } from '../../src/results/types.ts'
import { renderComparison, renderReport } from './render.ts'

/** Screenshots and the rendered pages stay here for a human to look at (gitignored). */

const EXPECTATIONS = [
  'all at 1M throughput >= 99% of offered', 'weave at 100M loss < 5%', 'calico tcp throughput >= 90% of host',
  'all at 1G loss < 10%', 'all at 3G loss < 90%', 'all tcp throughput >= 300M', 'host udp jitter.p95 <= 1ms',
]
const baseline = generateRun({ expectations: EXPECTATIONS, runId: 'base', seed: 3 })
const result: RunResult = generateRun({
  expectations: EXPECTATIONS,
  errors: { 'weave|0|3000000000': 'iperf3: the server is busy running a test' },
  skip: /kube-router › tcp/,
  models: { flannel: { capacityBps: 380e6 } },
  baseline: { file: 'baseline.json', result: baseline },
})


let browser: Browser
beforeAll(async () => { browser = await openChromium() })
afterAll(async () => { await browser?.[Symbol.asyncDispose]() })

describe('html report in Chromium', () => {
  const html = renderReport(result)
  const file = writeArtifact('report.html', html)
  let problems: string[] = []
  beforeAll(async () => { problems = await loadFile(browser, file) })

  it('loads offline without a single console error or outside request', async () => {
    expect(problems).toEqual([])
    expect(browser.requests).toEqual([pathToFileURL(file).href])
    expect(html).not.toMatch(/(?:src|href)="https?:/)
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024)
    await browser.page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true })
  })

  it('draws every chart, each a non-empty SVG with its data', async () => {
    const charts = await browser.page.$$eval('figure.chart', (figures) => figures.map((figure) => {
      const svg = figure.querySelector('svg')
      const box = svg?.getBoundingClientRect()
      return {
        id: figure.getAttribute('data-chart'),
        width: Math.round(box?.width ?? 0), height: Math.round(box?.height ?? 0),
        shapes: svg?.querySelectorAll('path, rect').length ?? 0,
        text: (svg?.textContent ?? '').replace(/\s+/g, ' '),
      }
    }))
    expect(charts.map((chart) => chart.id)).toEqual(['received', 'max-speed', 'normalised', 'loss', 'jitter', 'tcp', 'setup'])
    for (const chart of charts) {
      expect(chart.width, chart.id!).toBeGreaterThan(300)
      expect(chart.height, chart.id!).toBeGreaterThan(200)
      expect(chart.shapes, chart.id!).toBeGreaterThan(10)
    }
    const text = Object.fromEntries(charts.map((chart) => [chart.id, chart.text]))
    // Axes in bit/s on log scales, the ideal diagonal, the uplink and the study's two summaries.
    expect(text.received).toContain('received = offered')
    expect(text.received).toContain('uplink 450.0 Mbit/s (m4.large)')
    expect(text.received).toMatch(/1M.*10M.*100M.*1G/)
    expect(text['max-speed']).toContain('at 3G')
    expect(text['max-speed']).toContain('calico')
    expect(text.normalised).toMatch(/\d+\.\d%/)
    expect(text.tcp).toMatch(/host\s*\d+ retr\./)
  })

  it('lists the expectations as the result has them, failures first', async () => {
    const rows = await browser.page.$$eval('table.expectations tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-status'), tr.children[1]!.textContent!.trim(), tr.children[2]!.textContent!.trim()]))
    const order = { failed: 0, error: 1, passed: 2, skipped: 3 }
    const expected = [...result.suites[0]!.expectations].sort((a, b) => order[a.status] - order[b.status]).map((e) => [e.status, e.name, formatValue(e.actual, e.unit)])
    expect(rows).toEqual(expected)
    expect(new Set(rows.map((row) => row[0]))).toEqual(new Set(['failed', 'error', 'passed', 'skipped']))
  })

  it('filters the expectations by status and by text', async () => {
    const { page } = browser
    const visible = () => page.$$eval('table.expectations tbody tr', (trs) => trs.filter((tr) => !tr.hasAttribute('hidden')).map((tr) => tr.getAttribute('data-status') + ' ' + tr.children[1]!.textContent))
    await page.click('[data-filter="failed"]')
    const failed = result.suites[0]!.expectations.filter((e) => e.status === 'failed')
    expect(await visible()).toEqual(failed.map((e) => `failed ${e.name}`))
    await page.fill('input[type=search]', 'calico tcp')
    expect(await visible()).toEqual(failed.filter((e) => e.name.startsWith('calico › tcp')).map((e) => `failed ${e.name}`))
    expect(await page.textContent('.filters .shown')).toMatch(/^showing \d+ of \d+$/)
    await page.click('[data-filter="all"]')
    await page.fill('input[type=search]', '')
    expect((await visible()).length).toBe(result.suites[0]!.expectations.length)
  })

  it('marks sender-limited points, keeps raw iperf3 JSON one click away and shows the environment', async () => {
    const { page } = browser
    const limited = result.suites[0]!.points.filter(isSenderLimited).length
    expect(limited).toBeGreaterThan(0)
    expect(await page.locator('table.points .pill.limited').count()).toBe(limited)
    expect(await page.locator('table.sweep .limited-mark').count()).toBe(limited)
    const raw = page.locator('details.point-raw').first()
    await page.locator('details.raw').first().locator('summary').first().click()
    await raw.locator('summary').click()
    const text = await raw.locator('pre').first().textContent()
    expect(JSON.parse(text!)).toEqual(result.suites[0]!.points[0]!.raw[0])
    const environment = await page.textContent('#environment')
    expect(environment).toContain(result.environment.kernel)
    expect(environment).toContain(result.environment.iperf3!)
    expect(await page.textContent('table.networks')).toContain('BIRD 2.15.1')
  })

  it('shows the deltas against the baseline and highlights regressions', async () => {
    const { page } = browser
    const regressions = result.baseline!.points.filter((point) => point.verdict === 'regression')
    expect(regressions.map((point) => `${point.network} › ${point.label}`)).toContain('flannel › tcp')
    expect(await page.locator('#baseline tr.regression').count()).toBeGreaterThanOrEqual(regressions.length)
    expect(await page.textContent('.note.bad')).toContain(`${regressions.length} regression`)
    expect(await page.textContent('.note.bad')).toContain('flannel › tcp: throughput −')
    const flannelTcp = page.locator('table.points tr[data-point="tcp"].regression')
    expect(await flannelTcp.count()).toBe(1)
    expect(await flannelTcp.locator('.delta').textContent()).toMatch(/^−\d+(\.\d)?%$/)
  })
})

describe('a real run (fixtures/results/quickstart.json, captured from the local lab)', () => {
  it('renders every chart it has data for, and its expectations', async () => {
    const { result: real } = await loadResult(join(REPO_ROOT, 'fixtures/results/quickstart.json'))
    const file = writeArtifact('quickstart.html', renderReport(real))
    browser.problems.length = 0
    await browser.page.goto(pathToFileURL(file).href)
    expect(browser.problems).toEqual([])
    const charts = await browser.page.$$eval('figure.chart svg', (svgs) => svgs.map((svg) => svg.querySelectorAll('path').length))
    expect(charts.length).toBeGreaterThanOrEqual(6)
    for (const paths of charts) expect(paths).toBeGreaterThan(5)
    const rows = await browser.page.$$eval('table.expectations tbody tr', (trs) => trs.map((tr) => tr.children[1]!.textContent!.trim()))
    expect(rows.sort()).toEqual(real.suites[0]!.expectations.map((e) => e.name).sort())
    expect(await browser.page.locator('table.points tbody tr').count()).toBe(real.suites[0]!.points.length)
    await browser.page.screenshot({ path: join(ARTIFACTS, 'quickstart.png'), fullPage: true })
  })
})

describe('escaping', () => {
  it('shows user text as text: a suite named like markup stays inert', async () => {
    const evil = '<img src=x onerror=alert(1)>'
    const hostile = generateRun({
      name: evil, file: `/suites/${evil}.netbench.ts`, networks: ['host'], bitrates: ['10M'], repeats: 1, durationS: 1,
      expectations: ['host at 10M loss < 1%'], errors: { 'host|1|': `iperf3: ${evil}` },
      models: { host: { info: { mtu: 1500, encapsulation: '<script>alert(2)</script>' } } },
    })
    const file = writeArtifact('escaping.html', renderReport(hostile))
    browser.problems.length = 0
    await browser.page.goto(pathToFileURL(file).href)
    expect(await browser.page.locator('img').count()).toBe(0)
    expect(await browser.page.textContent('h1')).toBe(evil)
    expect(await browser.page.textContent('table.networks')).toContain('<script>alert(2)</script>')
    expect(await browser.page.textContent('table.points')).toContain(`iperf3: ${evil}`)
    expect(browser.problems).toEqual([])
  })
})

describe('compare page', () => {
  it('renders the per-point deltas and the throughput-change chart', async () => {
    const comparison = compareRuns(baseline, result, undefined, { baseline: 'a.json', current: 'b.json' })
    const file = writeArtifact('compare.html', renderComparison(comparison, '0.1.0'))
    browser.problems.length = 0
    await browser.page.goto(pathToFileURL(file).href)
    expect(browser.problems).toEqual([])
    const chart = browser.page.locator('figure[data-chart="throughput-change"] svg')
    expect((await chart.boundingBox())!.height).toBeGreaterThan(200)
    expect(await browser.page.locator('table.comparison tr.regression').count()).toBeGreaterThan(0)
    expect(await browser.page.textContent('#run-status')).toBe(`${comparison.regressions} regression${comparison.regressions === 1 ? '' : 's'}`)
    await browser.page.screenshot({ path: join(ARTIFACTS, 'compare.png'), fullPage: true })
  })
})
