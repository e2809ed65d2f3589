import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARTIFACTS, loadFile, openChromium, writeArtifact, type Browser } from '../../test/chromium.ts'
import { REPO_ROOT } from '../../test/tmp-project.ts'
import { percentile } from '../../src/results/stats.ts'
import type { PointResult, RunResult } from '../../src/results/types.ts'
import { formatMs, formatRate } from '../../src/units.ts'
import { renderReport } from './render.ts'
import { loadResult } from '../../src/results/load-result.ts'

/**
 * A real run on the local lab (2 nodes in 2 zones, uplinks shaped to 200 Mbit/s) with every kind of
 * measurement: a max-rate search, UDP at fixed rates with 3 repeats, TCP with 1 and 4 streams and
 * reverse, and latency. Loaded through the result contract, as `netbench report` loads it.
 */
const { result: real } = await loadResult(join(REPO_ROOT, 'fixtures/results/measurements.json'))
const points = real.suites[0]!.points
const search = points.find((point) => point.search)!
const latency = points.find((point) => point.step === 'latency')!



let browser: Browser
beforeAll(async () => { browser = await openChromium() })
afterAll(async () => { await browser?.[Symbol.asyncDispose]() })

const LIMIT_TEXT: Record<string, string> = { sender: '▲ sender-limited', receiver: '◆ receiver overrun', network: 'network loss' }

describe('the new measurements in Chromium (fixtures/results/measurements.json)', () => {
  const html = renderReport(real)
  const file = writeArtifact('measurements.html', html)
  let problems: string[] = []
  beforeAll(async () => { problems = await loadFile(browser, file) })

  it('loads offline without console errors, with a section per kind of measurement', async () => {
    expect(problems).toEqual([])
    expect(browser.requests).toEqual([pathToFileURL(file).href])
    const sections = await browser.page.$$eval('section.measure', (all) => all.map((section) => [section.getAttribute('data-section'), section.querySelector('h3')!.textContent]))
    expect(sections).toEqual([['udp', 'UDP at fixed offered rates'], ['search', 'Max-rate search'], ['latency', 'Latency'], ['tcp', 'TCP']])
    await browser.page.screenshot({ path: join(ARTIFACTS, 'measurements.png'), fullPage: true })
  })

  it('draws every chart as a non-empty SVG', async () => {
    const charts = await browser.page.$$eval('figure.chart', (figures) => figures.map((figure) => {
      const svg = figure.querySelector('svg')
      const box = svg?.getBoundingClientRect()
      return {
        id: figure.getAttribute('data-chart')!, title: figure.querySelector('h3')!.textContent!, caption: figure.querySelector('figcaption')!.textContent!,
        width: Math.round(box?.width ?? 0), height: Math.round(box?.height ?? 0),
        shapes: svg?.querySelectorAll('path, rect').length ?? 0, text: (svg?.textContent ?? '').replace(/\s+/g, ' '),
      }
    }))
    expect(charts.map((chart) => chart.id)).toEqual(['received', 'max-speed', 'normalised', 'loss', 'jitter', 'search', 'search-probes', 'latency-cdf', 'tcp', 'tcp-2', 'tcp-3'])
    for (const chart of charts) {
      expect(chart.width, chart.id).toBeGreaterThan(300)
      expect(chart.height, chart.id).toBeGreaterThan(200)
      // One network: a bar chart of a single bar is still axes, grid lines and the bar.
      expect(chart.shapes, chart.id).toBeGreaterThan(5)
    }
    const byId = Object.fromEntries(charts.map((chart) => [chart.id, chart]))
    expect(byId.search!.title).toBe('Max rate within 0.5% loss')
    expect(byId.search!.text).toContain('197 Mbit/s')
    expect(byId['search-probes']!.text).toMatch(/passed.*failed: loss.*failed: sender short/)
    expect(byId['latency-cdf']!.text).toMatch(/round-trip time.*median.*p99|median.*p99.*round-trip time/)
    // One chart per TCP variant, titled in words, with the congestion control in the caption.
    expect(['tcp', 'tcp-2', 'tcp-3'].map((id) => byId[id]!.title)).toEqual(['TCP, 1 stream, between zones', 'TCP, 4 streams, between zones', 'TCP, 1 stream, reverse, between zones'])
    for (const id of ['tcp', 'tcp-2', 'tcp-3']) expect(byId[id]!.caption).toContain('Congestion control: bbr.')
    expect(byId['tcp-3']!.caption).toContain('Reverse (iperf3 -R): n2 sends, n1 receives.')
    expect(byId['tcp-2']!.text).toContain(`host ${points.find((point) => point.label === 'tcp ×4 (zones)')!.metrics.retransmits} retr.`)
  })

  it('lists every latency percentile as computed from the replies', async () => {
    const rtts = latency.rttsMs!
    expect(rtts.length).toBeGreaterThan(50)
    const cells = await browser.page.$$eval('table.latency tbody tr[data-network="host"] td', (tds) => Object.fromEntries(tds.map((td, index) => [td.getAttribute('data-stat') ?? String(index), td.textContent!.trim()])))
    expect(cells.p99).toBe(formatMs(percentile(rtts, 99)))
    expect(cells.p95).toBe(formatMs(percentile(rtts, 95)))
    expect(cells.median).toBe(formatMs(percentile(rtts, 50)))
    expect(cells.min).toBe(formatMs(Math.min(...rtts)))
    expect(cells.max).toBe(formatMs(Math.max(...rtts)))
    expect(cells['1']).toBe(String(rtts.length))
    expect(cells.loss).toBe('0%')
    // The expectation on rtt.p99 reads the same figure.
    const expectation = real.suites[0]!.expectations.find((e) => e.name.endsWith('rtt.p99 < 5ms'))!
    expect(cells.p99).toBe(formatMs(expectation.actual))
  })

  it('lists the rate each search found and every probe it took, in order', async () => {
    const summary = search.search!
    const row = await browser.page.$$eval('table.search tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent!.trim())))
    expect(row).toEqual([['host', formatRate(summary.maxRateBps), '≤ 0.5%', '10M – 2G, ±5%', String(summary.probes.length), 'network loss']])
    const probes = await browser.page.$$eval('table.probes[data-network="host"] tbody tr', (trs) => trs.map((tr) => ({ cells: [...tr.children].map((td) => td.textContent!.trim()), found: tr.classList.contains('found') })))
    expect(probes).toHaveLength(summary.probes.length)
    summary.probes.forEach((probe, index) => {
      const [order, offered, sent, received, , verdict] = probes[index]!.cells
      expect([order, offered, sent, received]).toEqual([String(index + 1), formatRate(probe.offeredBps), formatRate(probe.senderBps), formatRate(probe.receivedBps)])
      expect(verdict).toMatch(probe.passed ? /^passed/ : probe.reason === 'sender' ? /^failed: sender short/ : /^failed: loss/)
    })
    expect(probes.filter((probe) => probe.found).map((probe) => probe.cells[1])).toEqual([formatRate(summary.maxRateBps)])
  })

  it('shows the spread next to repeated figures, and what limited every UDP point', async () => {
    const rows = await browser.page.$$eval('table.points tbody tr', (trs) => trs.map((tr) => ({
      point: tr.getAttribute('data-point')!,
      received: tr.children[3]!.textContent!.replace(/\s+/g, ' ').trim(),
      limits: [...tr.querySelectorAll('td.limits .pill')].map((pill) => pill.textContent!.trim()),
    })))
    expect(rows.map((row) => row.point)).toEqual(points.map((point) => point.label))
    const repeated = points.find((point) => point.label === 'udp 100M (zones)')!
    const [low, high] = repeated.stats.throughputBps!.ci95!
    expect(rows.find((row) => row.point === repeated.label)!.received).toContain(`${formatRate(repeated.metrics.throughputBps)} ±${((high - low) / 2e6).toFixed(2)}`)
    // A single run has no interval to show.
    expect(rows.find((row) => row.point === 'tcp (zones)')!.received).not.toContain('±')
    for (const point of points) {
      const row = rows.find((candidate) => candidate.point === point.label)!
      if (point.step !== 'udp') expect(row.limits, point.label).toEqual([])
      else expect(row.limits[0], point.label).toBe(point.limitedBy ? LIMIT_TEXT[point.limitedBy] : 'none')
    }
  })
})

/** The real result with more networks derived from it: what a comparison of CNIs looks like. */
function compared(): RunResult {
  const result = structuredClone(real)
  const suite = result.suites[0]!
  const derive = (network: string, change: (point: PointResult) => void) => points.map((original) => {
    const point = structuredClone(original)
    Object.assign(point, { network, id: point.id.replace(/^host/, network), raw: [] })
    change(point)
    return point
  })
  const capped = derive('cilium', (point) => {
    if (!point.search) return
    point.search = { ...point.search, maxRateBps: 2e9, reachedUpperBound: true, probes: point.search.probes.slice(0, 2).map((probe) => ({ ...probe, senderBps: probe.offeredBps, receivedBps: probe.offeredBps, lossPercent: 0, passed: true, reason: null })) }
    point.limitedBy = null
  })
  const senderBound = derive('<i>calico</i>', (point) => {
    if (point.search) { point.search = { ...point.search, senderLimited: true }; point.limitedBy = 'sender' }
    if (point.rttsMs) point.rttsMs = point.rttsMs.map((rtt, index) => index % 20 ? rtt * 2 : rtt * 200)
    if (point.step === 'tcp') Object.assign(point, { status: 'error', error: 'iperf3: <img src=x onerror=alert(1)>' })
  })
  suite.points.push(...capped, ...senderBound)
  suite.networks.push({ ...suite.networks[0]!, name: 'cilium' }, { ...suite.networks[0]!, name: '<i>calico</i>' })
  return result
}

describe('several networks compared', () => {
  it('marks a search that reached its top with ≥ and a sender-limited one as such, and keeps user text inert', async () => {
    const file = writeArtifact('measurements-compared.html', renderReport(compared()))
    browser.problems.length = 0
    await browser.page.goto(pathToFileURL(file).href)
    expect(browser.problems).toEqual([])
    expect(await browser.page.locator('i:not(.swatch)').count()).toBe(0)
    expect(await browser.page.locator('img').count()).toBe(0)
    const found = await browser.page.$$eval('table.search tbody tr', (trs) => trs.map((tr) => [tr.children[0]!.textContent!.trim(), tr.children[1]!.textContent!.trim(), tr.children[5]!.textContent!.trim()]))
    expect(found).toEqual([
      ['host', formatRate(search.search!.maxRateBps), 'network loss'],
      ['cilium', '≥ 2.00 Gbit/s', 'not reached'],
      ['<i>calico</i>', formatRate(search.search!.maxRateBps), '▲ sender-limited'],
    ])
    const bars = await browser.page.$eval('figure[data-chart="search"]', (figure) => figure.textContent!.replace(/\s+/g, ' '))
    expect(bars).toContain('≥ 2.00 Gbit/s')
    expect(bars).toContain('sender-limited')
    expect(bars).toContain('Pale dashed bars are sender-limited')
    // A slow tail spans more than a decade: the distribution goes on a log axis.
    expect(await browser.page.textContent('figure[data-chart="latency-cdf"] svg')).toContain('log scale')
    expect(await browser.page.locator('table.probes tbody tr').count()).toBe(search.search!.probes.length * 2 + 2)
    expect(await browser.page.textContent('figure[data-chart="tcp"] svg')).toMatch(/<i>calico<\/i>\s*\(error\)/)
    await browser.page.screenshot({ path: join(ARTIFACTS, 'measurements-compared.png'), fullPage: true })
  })
})
