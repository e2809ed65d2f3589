/**
 * `pairs: N` in every output, from a real run on the local lab (4 nodes in one zone, uplinks shaped
 * to 200M, repeat 2): one TCP pair, two TCP pairs and two UDP pairs at 50M each, loaded through
 * the result contract as `netbench report` loads it. Expected figures come from the result itself.
 */
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, test } from 'vitest'
import { REPO_ROOT } from '../test/tmp-project.ts'
import { loadResult } from '../src/results/load-result.ts'
import { jainIndex, pairFigures } from '../src/results/pairs.ts'
import { percentile } from '../src/results/stats.ts'
import { formatRate } from '../src/units.ts'
import { renderReport } from './html/render.ts'
import { renderJunit } from './junit/render.ts'
import { renderSummary } from './terminal/summary.ts'

const { result } = await loadResult(join(REPO_ROOT, 'fixtures/results/pairs.json'))
const [one, tcpPairs, udpPairs] = result.suites[0]!.points

describe('pairs (fixtures/results/pairs.json)', () => {
  test('the result: aggregate = sum of the pairs, fairness = median of the repeats\' Jain indexes, still schemaVersion 2', () => {
    expect(result.schemaVersion).toBe(2)
    expect(one!.pairs).toBeUndefined()
    for (const point of [tcpPairs!, udpPairs!]) {
      expect(point.pairs).toBe(2)
      expect(point.from).toBe('n1, n3')
      for (const sample of point.samples) {
        const each = sample.pairs!.map((pair) => pair.throughputBps!)
        expect(sample.metrics.throughputBps).toBeCloseTo(each[0]! + each[1]!, 0)
        expect(sample.fairness).toBeCloseTo(jainIndex(each)!, 12)
      }
      expect(point.fairness).toBeCloseTo(percentile(point.samples.map((sample) => sample.fairness!), 50), 12)
    }
    // Two 200M uplinks carry more than one.
    expect(tcpPairs!.metrics.throughputBps! / one!.metrics.throughputBps!).toBeGreaterThan(1.4)
  })

  test('terminal: the offered rate per pair, the pairs and J in the variant, a line with each pair', () => {
    const text = stripVTControlCharacters(renderSummary(result))
    expect(text).toMatch(/host \(nodes\)\s+2 × 50M/)
    expect(text).toContain(`1 stream, 2 pairs, J=${tcpPairs!.fairness!.toFixed(2)}`)
    const [first, second] = pairFigures(tcpPairs!)
    expect(text).toContain(`host › tcp (nodes, 2 pairs), each pair: n1 → n2 ${formatRate(first!.throughputBps)} · n3 → n4 ${formatRate(second!.throughputBps)}`)
  })

  test('HTML: each pair and the fairness beside the aggregate; pairs stay out of the one-pair UDP sweep', () => {
    const html = renderReport(result)
    expect(html).toContain(`2 pairs, J=${udpPairs!.fairness!.toFixed(2)}: n1 → n2`)
    expect(html).toContain('2 × 50M')
    expect(html).not.toContain('UDP sweep')
  })

  test('JUnit: pairs, fairness and each pair\'s throughput as properties', () => {
    const xml = renderJunit(result)
    const property = (name: string) => new RegExp(`<property name="${name.replace(/[.()]/g, '\\$&')}" value="([^"]+)"`).exec(xml)?.[1]
    expect(property('tcp (nodes, 2 pairs).pairs')).toBe('2')
    expect(Number(property('tcp (nodes, 2 pairs).fairness'))).toBeCloseTo(tcpPairs!.fairness!, 9)
    expect(property('udp 50M (2 pairs).pair2.ends')).toBe('n3 → n4')
    expect(Number(property('udp 50M (2 pairs).pair1.throughput.bps'))).toBeCloseTo(pairFigures(udpPairs!)[0]!.throughputBps!, 0)
  })
})
