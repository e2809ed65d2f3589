import { writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { generateRun } from '../../test/result-fixture.ts'
import { tmpProject } from '../../test/tmp-project.ts'
import { NetbenchError } from '../errors.ts'
import { loadResult } from './load-result.ts'

const project = tmpProject({})
afterAll(() => project[Symbol.dispose]())

function file(name: string, content: string): string {
  writeFileSync(project.path(name), content)
  return project.path(name)
}

async function problem(path: string): Promise<NetbenchError> {
  const error = await loadResult(path, 'baseline').catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(NetbenchError)
  return error as NetbenchError
}

describe('loadResult', () => {
  it('loads a result the local lab wrote', async () => {
    const loaded = await loadResult(new URL('../../fixtures/results/quickstart.json', import.meta.url).pathname)
    expect(loaded.result.suites[0]!.points.length).toBeGreaterThan(0)
  })

  it('loads what a run writes', async () => {
    const result = generateRun({ expectations: ['all at 1M throughput >= 99% of offered'], durationS: 2 })
    const loaded = await loadResult(file('ok.json', JSON.stringify(result)))
    expect(loaded.result).toEqual(result)
  })

  it.each([
    ['not JSON', '{"schemaVersion": 1,', /^baseline .*notjson\.json: is not JSON \(/],
    ['an array', '[1, 2]', /is not a netbench result \(expected a JSON object\)$/],
    ['no schemaVersion', '{"runId": "x"}', /is not a netbench result \(no 'schemaVersion'\)$/],
    ['another schemaVersion', '{"schemaVersion": 3}', /has schemaVersion 3; netbench \S+ reads schemaVersion 1 or 2$/],
  ])('refuses %s with one line, exit 2', async (_, content, message) => {
    const error = await problem(file('notjson.json', content))
    expect(error.code).toBe('RESULT_INVALID')
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(message)
    expect(error.oneLine).not.toContain('\n')
  })

  it('names the first missing or mistyped field', async () => {
    const result = generateRun({ durationS: 1 }) as unknown as { suites: Array<{ points: Array<Record<string, unknown>> }>; runId?: unknown }
    delete result.suites[0]!.points[2]!.metrics
    expect((await problem(file('missing.json', JSON.stringify(result)))).message).toMatch(/is not a valid netbench result: missing field 'metrics' at suites\[0\]\.points\[2\]$/)
    const typed = { ...generateRun({ durationS: 1 }), runId: 42 }
    expect((await problem(file('typed.json', JSON.stringify(typed)))).message).toMatch(/is not a valid netbench result: runId should be string$/)
  })

  it('says when the file is missing', async () => {
    expect((await problem(project.path('nope.json'))).message).toMatch(/nope\.json: no such file$/)
  })
})
