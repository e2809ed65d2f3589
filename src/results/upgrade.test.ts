/**
 * Version-1 result files (fixtures/results/*, written before points and expectations carried
 * their direction, endpoint, step index and group) load as version 2 with those fields derived.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { generateRun } from '../../test/result-fixture.ts'
import { tmpProject } from '../../test/tmp-project.ts'
import { loadResult } from './load-result.ts'
import { SCHEMA_VERSION } from './types.ts'

const fixture = (name: string) => new URL(`../../fixtures/results/${name}`, import.meta.url).pathname
const project = tmpProject({})
afterAll(() => project[Symbol.dispose]())

describe('a version-1 result', () => {
  it('is read as version 2, the offered rate renamed and nothing else lost', async () => {
    const raw = JSON.parse(readFileSync(fixture('quickstart.json'), 'utf8'))
    expect(raw.schemaVersion).toBe(1)
    const { result } = await loadResult(fixture('quickstart.json'))
    expect(result.schemaVersion).toBe(SCHEMA_VERSION)
    const udp = result.suites[0]!.points.find((point) => point.label === 'udp 100M')!
    expect(udp).toMatchObject({ bitrateBps: 100e6, stepIndex: 0, direction: null, endpoint: 'pod', streams: null })
    expect(udp).not.toHaveProperty('bitrate')
    expect(result.suites[0]!.points.map((point) => point.metrics)).toEqual(raw.suites[0].points.map((point: { metrics: unknown }) => point.metrics))
  })

  it('gets each TCP point\'s direction and step index, and each expectation its group', async () => {
    const { result } = await loadResult(fixture('measurements.json'))
    const suite = result.suites[0]!
    const byLabel = (label: string) => suite.points.find((point) => point.label === label)!
    expect(byLabel('tcp ×4 (zones)')).toMatchObject({ direction: 'forward', streams: 4, stepIndex: 2, endpoint: 'pod' })
    expect(byLabel('tcp reverse (zones)')).toMatchObject({ direction: 'reverse', stepIndex: 3 })
    expect(byLabel('latency')).toMatchObject({ direction: null, stepIndex: 4 })
    const expectation = suite.expectations.find((e) => e.name === 'host › tcp reverse (zones) › throughput >= 100M')!
    expect(expectation.pointLabel).toBe('tcp reverse (zones)')
    expect(expectation.message).toMatch(/^measured [\d.]+ Mbit\/s, needed >= 100\.0 Mbit\/s$/)
    expect(expectation.needed).toMatch(/^needed >= 100\.0 Mbit\/s$/)
  })

  it('host endpoints and bidir come from the label; an imperative point has no step index', async () => {
    const raw = JSON.parse(readFileSync(fixture('measurements.json'), 'utf8'))
    const tcp = raw.suites[0].points.find((point: { label: string }) => point.label === 'tcp reverse (zones)')
    raw.suites[0].points.push({ ...tcp, id: 'host|imperative-1|', label: 'tcp ×2 bidir (nodes, host)', streams: 2 })
    raw.suites[0].expectations.push({ ...raw.suites[0].expectations[0], name: 'measures' })
    const path = project.path('v1.json')
    writeFileSync(path, JSON.stringify(raw))
    const { result } = await loadResult(path)
    expect(result.suites[0]!.points.at(-1)).toMatchObject({ direction: 'bidir', endpoint: 'host', stepIndex: -1, streams: 2 })
    expect(result.suites[0]!.expectations.at(-1)!.pointLabel).toBeNull()
  })
})

describe('a version-2 result', () => {
  it('must carry the new fields', async () => {
    const result = generateRun({ networks: ['host'], bitrates: ['10M'], durationS: 2 })
    const { stepIndex: _, ...point } = result.suites[0]!.points[0]!
    const path = project.path('v2.json')
    writeFileSync(path, JSON.stringify({ ...result, suites: [{ ...result.suites[0], points: [point] }] }))
    await expect(loadResult(path)).rejects.toThrow(/missing field 'stepIndex' at suites\[0\]\.points\[0\]/)
  })
})
