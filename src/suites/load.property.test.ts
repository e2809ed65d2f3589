/**
 * Property-based: whatever a suite file holds, loading and planning it gives a suite or a
 * NetbenchError with exit 2 — never another exception (a stack trace for the user).
 */
import { writeFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterAll, describe, expect, test } from 'vitest'
import { stringify } from 'yaml'
import { tmpProject } from '../../test/tmp-project.ts'
import { isNetbenchError } from '../errors.ts'
import { planSuite } from '../plan/plan.ts'
import { loadSuiteFile } from './load.ts'

const networks = ['host', 'flannel', 'calico', 'weave']
const project = tmpProject({})
afterAll(() => project[Symbol.dispose]())

let counter = 0
async function outcome(content: string | Uint8Array): Promise<'suite' | 'refused'> {
  const file = project.path(`p${counter++}.netbench.yaml`)
  writeFileSync(file, content)
  try {
    const loaded = await loadSuiteFile(file, networks)
    if (loaded.kind === 'declarative') planSuite(loaded.suite, { place: loaded.place })
    return 'suite'
  } catch (error) {
    if (!isNetbenchError(error) || error.exitCode !== 2) throw error
    // One bounded line: an echo of hostile input never floods the terminal.
    expect(error.oneLine.length).toBeLessThan(2000)
    return 'refused'
  }
}

const EDGE_QUANTITIES = ['0', '0M', '0.0000001k', '1M', '10M', '1e3M', '99999999999999999999999T', '1.5G', '-1M', '100000000h', '0s', '1s', '86400s', '86401s', '1000000000000000000000000000000000000000000000', 'none', '']
const FIELDS = ['name', 'cluster.nodes', 'cluster.zones', 'cluster.bandwidth', 'cluster.latency', 'cluster.pods', 'steps.0.udp.bitrates.0', 'steps.0.udp.duration', 'steps.0.udp.omit', 'steps.1.tcp.streams', 'steps.1.tcp.duration', 'steps.2.latency.interval', 'steps.2.latency.underLoad', 'steps.2.latency.count', 'expect.0', 'networks.0', 'repeat']
const quantity = fc.oneof(
  fc.constantFrom(...EDGE_QUANTITIES),
  fc.tuple(fc.double({ noNaN: false }), fc.constantFrom('', 'k', 'M', 'G', 'T', 's', 'ms', 'h', '%')).map(([n, unit]) => `${n}${unit}`),
)
const scalar = fc.oneof(quantity, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null))
/** A valid suite with one field, anywhere in it, replaced by an arbitrary value. */
function withField(field: string, value: unknown): string {
  const suite: Record<string, unknown> = {
    name: 'p', cluster: { nodes: 2, zones: 2 }, networks: ['host', 'flannel'],
    steps: [{ udp: { bitrates: ['5M'], duration: '1s' } }, { tcp: { streams: 1, duration: '1s' } }, { latency: { count: 10 } }],
    expect: ['host at 5M loss < 1%'],
  }
  const path = field.split('.')
  let node = suite as Record<string, unknown>
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>
  node[path.at(-1)!] = value
  return stringify(suite)
}
const mutatedSuite = fc.record({
  field: fc.constantFrom(...FIELDS),
  value: fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 })),
}).map(({ field, value }) => withField(field, value))

describe('the suite loader under arbitrary input', () => {
  test('a valid suite with any one field replaced: a suite or exit 2', async () => {
    await fc.assert(fc.asyncProperty(mutatedSuite, async (yaml) => { await outcome(yaml) }), { numRuns: 300 })
  })

  test('every field set to every edge quantity: a suite or exit 2', async () => {
    for (const field of FIELDS) for (const value of EDGE_QUANTITIES) await outcome(withField(field, value))
  })

  test('arbitrary JSON values as the document: a suite or exit 2', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue(), async (value) => { await outcome(stringify(value)) }), { numRuns: 150 })
  })

  test('arbitrary text and bytes: a suite or exit 2', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 300 })), async (content) => {
      expect(await outcome(content)).toBe('refused')
    }), { numRuns: 150 })
  })

  test('quantities out of range are refused, in range accepted', async () => {
    expect(await outcome(stringify({ name: 'p', networks: ['host'], steps: [{ udp: { bitrates: ['0M'] } }] }))).toBe('refused')
    expect(await outcome(stringify({ name: 'p', networks: ['host'], steps: [{ udp: { bitrates: ['1T'], duration: '24h' } }] }))).toBe('suite')
  })
})
