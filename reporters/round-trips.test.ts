/**
 * Request/response latency in every output, from a real run on the local lab (2 nodes in 2 zones,
 * unshaped uplinks): sockperf over TCP idle and under a TCP load, and over UDP, loaded through the
 * result contract as `netbench report` loads it. Expected figures come from the result itself.
 */
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, test } from 'vitest'
import { REPO_ROOT } from '../test/tmp-project.ts'
import { loadResult } from '../src/results/load-result.ts'
import { formatMs } from '../src/units.ts'
import { renderReport } from './html/render.ts'
import { renderJunit } from './junit/render.ts'
import { renderSummary } from './terminal/summary.ts'

const { result } = await loadResult(join(REPO_ROOT, 'fixtures/results/request-response.json'))
const points = result.suites[0]!.points
const [idle, loaded, udp] = points

describe('request/response latency (fixtures/results/request-response.json)', () => {
  test('the result carries each point\'s protocol, percentiles and TPS; a median over one repeat is that repeat', () => {
    expect(points.map((point) => [point.protocol, point.status])).toEqual([['tcp', 'ok'], ['tcp', 'ok'], ['udp', 'ok']])
    for (const point of points) {
      expect(point.roundTrips).toEqual(point.samples[0]!.roundTrips)
      expect(point.rttsMs).toBeUndefined()
    }
    expect(loaded!.load!.throughputBps[0]).toBeGreaterThan(0)
  })

  test('terminal: one row per point with TPS and p50 … p99.9', () => {
    const text = stripVTControlCharacters(renderSummary(result))
    const header = text.split('\n').find((line) => line.includes('Request/response'))!
    expect(header.split(/\s{2,}/).map((cell) => cell.trim()).filter(Boolean)).toEqual(['Request/response', 'transactions', 'TPS', 'p50', 'p90', 'p99', 'p99.9', 'max', 'under load'])
    for (const point of [idle!, loaded!, udp!]) {
      const figures = point.roundTrips!
      expect(text).toContain(`${figures.transactions}  ${Math.round(figures.transactionsPerSecond).toLocaleString('en-US')}`)
      expect(text).toContain(formatMs(figures.rttMs['p99.9']))
    }
    // Ping latency keeps its own table; none here.
    expect(text).not.toMatch(/Latency\s+replies/)
  })

  test('HTML: a request/response section per step with the percentiles and TPS, not the ping table', () => {
    const html = renderReport(result)
    const sections = [...html.matchAll(/data-section="(round-trips-\d+)"/g)].map((match) => match[1])
    expect(sections).toEqual(['round-trips-1', 'round-trips-2', 'round-trips-3'])
    const cell = (stat: string) => [...html.matchAll(new RegExp(`data-stat="${stat.replace('.', '\\.')}">([^<]+)<`, 'g'))].map((match) => match[1]!.trim())
    expect(cell('p99')).toEqual(points.map((point) => formatMs(point.roundTrips!.rttMs.p99)))
    expect(cell('p99.9')).toEqual(points.map((point) => formatMs(point.roundTrips!.rttMs['p99.9'])))
    expect(cell('tps')).toEqual(points.map((point) => Math.round(point.roundTrips!.transactionsPerSecond).toLocaleString('en-US')))
    expect(html).not.toContain('data-section="latency"')
    expect(html).toContain(`TCP request/response p50 ${formatMs(idle!.roundTrips!.rttMs.p50)}`)
  })

  test('JUnit: percentiles and TPS as properties a CI dashboard can plot', () => {
    const xml = renderJunit(result)
    const property = (name: string) => Number(new RegExp(`<property name="${name.replace(/[.()]/g, '\\$&')}" value="([^"]+)"`).exec(xml)?.[1])
    for (const point of points) {
      expect(property(`${point.label}.rtt.p99.ms`)).toBeCloseTo(point.roundTrips!.rttMs.p99, 9)
      expect(property(`${point.label}.rtt.p99.9.ms`)).toBeCloseTo(point.roundTrips!.rttMs['p99.9'], 9)
      expect(property(`${point.label}.tps`)).toBeCloseTo(point.roundTrips!.transactionsPerSecond, 3)
    }
    // The expectations became testcases, TPS among them.
    expect(xml).toContain('<testcase name="host tps &gt;= 5000" classname="request-response › host › latency tcp (zones)"')
  })
})
