/**
 * Property-based: any string gives an Expectation or a NetbenchError with exit 2 and a bounded,
 * terminal-safe caret excerpt — never another exception.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { isNetbenchError } from '../errors.ts'
import { ExpectationParseError, parseExpectation } from './parse.ts'

const WORDS = ['host', 'all', 'calico', 'at', '100M', '0M', '1e+26G', 'udp', 'tcp', 'zones', 'nodes', 'same-node', 'throughput', 'loss', 'loss.network', 'jitter.p99',
  'retransmits', 'rtt.p95', 'cpu', 'max', 'setup-time', 'policy', 'enforced', '<', '<=', '>', '>=', '=', '5%', '90%', 'of', 'offered', 'baseline', '+', '-', '0.5%',
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
