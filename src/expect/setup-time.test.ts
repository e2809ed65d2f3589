import { describe, expect, it } from 'vitest'
import { describeExpectation, ExpectationParseError, parseExpectation } from './parse.ts'
import { evaluateSetupTime } from './network-checks.ts'

describe('setup-time expectations', () => {
  it.each([
    ['calico setup-time < 5s', 5000, '<'],
    ['all setup-time <= 800ms', 800, '<='],
    ['weave setup-time<2.5s', 2500, '<'],
  ])('%s', (text, ms, comparator) => {
    const e = parseExpectation(text)
    expect(e).toMatchObject({ metric: 'setup-time', comparator, bound: { kind: 'absolute', value: ms, unit: 'ms' } })
    expect(e.step).toBeUndefined()
    expect(describeExpectation(e)).toMatch(/^setup-time <=? /)
  })

  it.each([
    ['calico at 1M setup-time < 5s', /measured once per network/, 'at 1M'],
    ['calico tcp setup-time < 5s', /measured once per network/, 'tcp'],
    ['calico setup-time.p95 < 5s', /no statistic/, '.p95'],
    ['calico setup-time < 5', /has no unit/, '5'],
    ['calico setup-time < 5M', /not a time/, '5M'],
    ['calico setup-time < 90% of host', /absolute/, 'of host'],
    ['calico setup-time < baseline + 1s', /not a baseline/, 'baseline'],
  ])('rejects %s', (text, message, underlined) => {
    let error: unknown
    try { parseExpectation(text) } catch (caught) { error = caught }
    expect(error).toBeInstanceOf(ExpectationParseError)
    const parseError = error as ExpectationParseError
    expect(parseError.message).toMatch(message)
    expect(text.slice(parseError.span.start, parseError.span.end)).toBe(underlined)
  })

  it('evaluates against the network install time', () => {
    const e = parseExpectation('calico setup-time < 5s')
    expect(evaluateSetupTime(e, { name: 'calico', status: 'ok', error: null, setupMs: 1600 })).toMatchObject({ status: 'passed', actual: 1600, expected: 5000, message: 'measured 1.6s, needed < 5s' })
    expect(evaluateSetupTime(e, { name: 'calico', status: 'ok', error: null, setupMs: 6000 }).status).toBe('failed')
    expect(evaluateSetupTime(e, { name: 'calico', status: 'error', error: 'boom', setupMs: null })).toMatchObject({ status: 'error', message: /boom/ })
    expect(evaluateSetupTime(e, undefined).status).toBe('error')
  })
})
