/**
 * Property-based: any string gives an Expectation or a NetbenchError with exit 2 and a bounded,
 * terminal-safe caret excerpt — never another exception.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { isNetbenchError } from '../errors.ts'
import { ExpectationParseError, METRICS, parseExpectation, POLICY_VERDICTS, QUALIFIERS, STATS, type Metric } from './parse.ts'

const WORDS = ['host', 'all', 'calico', 'at', '100M', '0M', '1e+26G', 'udp', 'tcp', 'zones', 'nodes', 'same-node', 'throughput', 'loss', 'loss.network', 'jitter.p99',
  'retransmits', 'rtt.p95', 'cpu', 'cpu.node', 'cpu.node.perGbps.p99', 'max', 'setup-time', 'policy', 'enforced', '<', '<=', '>', '>=', '=', '5%', '90%', 'of', 'offered', 'baseline', '+', '-', '0.5%',
  '1ms', '250us', '-5', 'NaN', 'Infinity', '1e400', '.', '', '\u001b]0;x\u0007', '\t', '\n']
const grammarShaped = fc.array(fc.constantFrom(...WORDS), { maxLength: 12 }).map((words) => words.join(' '))
const anyText = fc.oneof(grammarShaped, fc.string(), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ minLength: 5000, maxLength: 20000 }))

function check(text: string): void {
  try {
    parseExpectation(text)
  } catch (error) {
    expect(isNetbenchError(error) && error.exitCode === 2, `not an input error: ${String(error)}`).toBe(true)
    const parse = error as ExpectationParseError
    expect(parse).toBeInstanceOf(ExpectationParseError)
    // The caret excerpt is two short lines with no raw control characters, whatever the input.
    const [line, carets] = parse.detail!.split('\n')
    expect(line!.length).toBeLessThan(400)
    expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
    expect(carets).toMatch(/^ *\^+$/)
    expect(parse.message.length).toBeLessThan(600)
  }
}

describe('the expectation parser under arbitrary input', () => {
  test('grammar-shaped, random and huge strings: an expectation or exit 2', () => {
    fc.assert(fc.property(anyText, check), { numRuns: 1500 })
  })

  test('a 5 MB expression is echoed as an excerpt around the caret', () => {
    const text = `host at 5M loss < 1% ${'x'.repeat(5_000_000)}`
    const error = (() => { try { parseExpectation(text) } catch (caught) { return caught as ExpectationParseError } })()!
    expect(error.detail!.length).toBeLessThan(400)
    expect(error.detail!.split('\n')[0]).toMatch(/^ {2}host at 5M loss < 1% x+…$/)
  })
})

/**
 * Sentences generated from the BNF in parse.ts's doc comment, each value in the unit its metric
 * takes and the qualifiers the metric allows, in any order and any letter case: every one parses,
 * to what it says.
 */
const KEYWORDS = new Set<string>(['all', 'of', 'offered', 'baseline', 'policy', ...QUALIFIERS, ...METRICS])
const network = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(?:\.[a-z0-9-]{1,4})?$/).filter((name) => !KEYWORDS.has(name))
const casing = (word: string) => fc.constantFrom(word, word.toUpperCase())
const subject = fc.oneof(casing('all'), network)
const number = fc.stringMatching(/^\d{1,3}(?:\.\d{1,2})?$/)
const bitrate = fc.tuple(number.filter((n) => Number(n) > 0), fc.constantFrom('K', 'M', 'G', 'k', 'Mbit', 'Mbps')).map(([n, unit]) => n + unit)
const percent = (max: number) => number.filter((n) => Number(n) <= max).chain((n) => fc.constantFrom(`${n}%`, `${n} %`))
const time = fc.tuple(number, fc.constantFrom('us', 'ms', 's')).map(([n, unit]) => n + unit)
const gap = fc.constantFrom(' ', '')
const offset = (amount: fc.Arbitrary<string>) => fc.oneof(casing('baseline'), fc.tuple(gap, fc.constantFrom('+', '-'), gap, amount).map(([before, sign, after, a]) => `baseline${before}${sign}${after}${a}`))
const share = (references: fc.Arbitrary<string>) => fc.tuple(percent(1000), references).map(([p, of]) => `${p} of ${of}`)
type Shape = { metric: Metric; value: fc.Arbitrary<string>; at: boolean; steps: readonly ('udp' | 'tcp')[] }
const shapes = (tcp: boolean): Shape[] => [
  { metric: 'throughput', value: fc.oneof(bitrate, share(fc.oneof(fc.constantFrom(...(tcp ? ['baseline'] : ['offered', 'baseline'])), network)), offset(bitrate)), at: !tcp, steps: tcp ? ['tcp'] : ['udp'] },
  { metric: 'max', value: fc.oneof(bitrate, share(fc.oneof(fc.constantFrom('offered', 'baseline'), network)), offset(bitrate)), at: false, steps: ['udp'] },
  ...(['loss', 'loss.network', 'loss.receiver'] as const).map((metric) => ({ metric, value: fc.oneof(percent(100), offset(percent(100))), at: true, steps: ['udp'] as const })),
  { metric: 'cpu', value: fc.oneof(percent(1000), offset(percent(1000))), at: !tcp, steps: tcp ? ['tcp'] : ['udp'] },
  { metric: 'cpu.node', value: fc.oneof(percent(100), offset(percent(100)), share(fc.oneof(casing('baseline'), network))), at: !tcp, steps: tcp ? ['tcp'] : ['udp'] },
  { metric: 'cpu.node.perGbps', value: fc.oneof(number, offset(number), share(fc.oneof(casing('baseline'), network))), at: !tcp, steps: tcp ? ['tcp'] : ['udp'] },
  { metric: 'jitter', value: fc.oneof(time, offset(time)), at: true, steps: ['udp'] },
  { metric: 'rtt', value: fc.oneof(time, offset(time)), at: false, steps: [] },
  { metric: 'retransmits', value: fc.oneof(number, offset(number)), at: false, steps: ['tcp'] },
  { metric: 'fairness', value: fc.oneof(number.filter((n) => Number(n) <= 1), offset(number.filter((n) => Number(n) <= 1))), at: !tcp, steps: tcp ? ['tcp'] : ['udp'] },
]
const measured = fc.constantFrom(...shapes(false), ...shapes(true)).chain((shape) => fc.record({
  subject, shape: fc.constant(shape), metric: casing(shape.metric), value: shape.value, op: fc.constantFrom('<', '<=', '>', '>='), gaps: fc.tuple(gap, gap), stat: fc.option(fc.constantFrom(...STATS)),
  qualifiers: fc.shuffledSubarray([
    ...(shape.at ? [bitrate.map((rate) => `at ${rate}`)] : []), ...shape.steps.map((step) => casing(step)), fc.constantFrom('same-node', 'nodes', 'zones'),
  ]).chain((chosen) => fc.tuple(...chosen)),
})).map(({ subject, shape, metric, value, op, gaps, stat, qualifiers }) => ({
  text: [subject, ...qualifiers, `${metric}${stat === null ? '' : `.${stat}`}${gaps[0]}${op}${gaps[1]}${value}`].join(' '), metric: shape.metric, stat: stat ?? 'median', op,
}))
const checkOnce = fc.tuple(subject, fc.constantFrom('<', '<=', '>', '>='), time)
  .map(([s, op, t]) => ({ text: `${s} setup-time ${op} ${t}`, metric: 'setup-time' as Metric, stat: 'median', op }))
const policy = fc.tuple(subject, casing('policy'), fc.constantFrom(...POLICY_VERDICTS))
  .map(([s, word, verdict]) => ({ text: `${s} ${word} ${verdict}`, metric: 'policy' as Metric, stat: 'median', op: '>=' }))

describe('the grammar in parse.ts', () => {
  test('every sentence it generates parses, to what it says', () => {
    fc.assert(fc.property(fc.oneof({ arbitrary: measured, weight: 8 }, checkOnce, policy), ({ text, metric, stat, op }) => {
      const parsed = parseExpectation(text)
      expect([parsed.metric, parsed.stat, parsed.comparator]).toEqual([metric, stat, op])
    }), { numRuns: 3000 })
  })
})
