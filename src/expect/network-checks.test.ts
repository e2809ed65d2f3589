import { describe, expect, it } from 'vitest'
import { describeExpectation, ExpectationParseError, parseExpectation } from './parse.ts'
import { evaluatePolicy, evaluateSetupTime } from './network-checks.ts'
import type { PolicyResult } from '../results/policy.ts'

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

describe('policy expectations', () => {
  it.each([
    ['calico policy enforced', 'enforced', 'network'],
    ['flannel policy unsupported', 'unsupported', 'network'],
    ['all POLICY Enforced', 'enforced', 'all'],
  ])('%s', (text, verdict, subject) => {
    const e = parseExpectation(text)
    expect(e).toMatchObject({ metric: 'policy', policy: verdict, subject: { kind: subject } })
    expect(describeExpectation(e)).toBe(`policy ${verdict}`)
  })

  it.each([
    ['calico policy', /missing policy verdict/, ''],
    ['calico policy enforcd', /'enforcd' is not a policy verdict/, 'enforcd'],
    ['calico policy enforced now', /unexpected 'now'/, 'now'],
  ])('rejects %s', (text, message, underlined) => {
    let error: unknown
    try { parseExpectation(text) } catch (caught) { error = caught }
    expect(error).toBeInstanceOf(ExpectationParseError)
    expect((error as ExpectationParseError).message).toMatch(message)
    if (underlined) expect(text.slice((error as ExpectationParseError).span.start, (error as ExpectationParseError).span.end)).toBe(underlined)
  })

  it('suggests the verdict', () => {
    try { parseExpectation('calico policy enforcd') } catch (error) { expect((error as ExpectationParseError).hint).toMatch(/did you mean 'enforced'/) }
  })

  const result = (status: PolicyResult['status'], observed: Array<'allowed' | 'blocked'>): PolicyResult => ({
    id: 'calico|0|policy', network: 'calico', stepIndex: 0, status, error: null, enforcement: null, pods: [], policies: ['default/p'],
    matrix: observed.map((cell, i) => ({ from: 'a', to: `b${i}`, protocol: 'tcp', port: 8080, expected: 'blocked', observed: cell })),
  })

  it('evaluates against the policy step result', () => {
    expect(evaluatePolicy(parseExpectation('calico policy enforced'), result('enforced', ['blocked', 'blocked']))).toMatchObject({ status: 'passed', actual: 2, expected: 2 })
    expect(evaluatePolicy(parseExpectation('calico policy enforced'), result('violated', ['allowed', 'blocked']))).toMatchObject({ status: 'failed', message: /1 of 2 probes did not match.*a→b0 tcp\/8080 allowed \(policy says blocked\)/ })
    expect(evaluatePolicy(parseExpectation('flannel policy unsupported'), result('unsupported', ['allowed', 'allowed']))).toMatchObject({ status: 'passed', message: /does not enforce NetworkPolicy: 2 of 2 probes reached pods the policies block/ })
    expect(evaluatePolicy(parseExpectation('flannel policy enforced'), result('unsupported', ['allowed']))).toMatchObject({ status: 'failed' })
    expect(evaluatePolicy(parseExpectation('calico policy enforced'), { ...result('error', []), error: 'boom' })).toMatchObject({ status: 'error', message: /boom/ })
  })
})
