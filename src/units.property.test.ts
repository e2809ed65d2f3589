/** Property-based: the unit parsers never throw, and what they accept is a finite, usable quantity. */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { bitrateProblem, durationProblem, MAX_BITRATE_BPS, MAX_DURATION_MS, parseBitrate, parseDuration, parsePercent } from './units.ts'

const quantityText = fc.oneof(
  fc.string(),
  fc.tuple(fc.oneof(fc.nat().map(String), fc.double().map(String), fc.constantFrom('1e400', '99999999999999999999999', '0', '0.0')), fc.constantFrom('', 'k', 'M', 'G', 'T', 'bit', 'Mbps', 's', 'ms', 'us', 'h', 'min', '%', ' %'))
    .map(([number, unit]) => `${number}${unit}`),
)

describe('unit parsers under arbitrary input', () => {
  test('parseBitrate: undefined or a finite rate above zero; bitrateProblem clears only 1 bit/s to 1T', () => {
    fc.assert(fc.property(quantityText, (text) => {
      const bps = parseBitrate(text)
      if (bps !== undefined) expect(Number.isFinite(bps) && bps > 0).toBe(true)
      if (bitrateProblem(text) === undefined) expect(bps! >= 1 && bps! <= MAX_BITRATE_BPS).toBe(true)
    }), { numRuns: 2000 })
  })

  test('parseDuration: undefined or a finite time; durationProblem clears only (0, 24h]', () => {
    fc.assert(fc.property(fc.oneof(quantityText, fc.double()), (value) => {
      const ms = parseDuration(value)
      if (ms !== undefined) expect(ms).toBeGreaterThanOrEqual(0)
      if (durationProblem(ms, value) === undefined) expect(ms! > 0 && ms! <= MAX_DURATION_MS).toBe(true)
    }), { numRuns: 2000 })
  })

  test('parsePercent: undefined or a number of 0 or more', () => {
    fc.assert(fc.property(quantityText, (text) => {
      const percent = parsePercent(text)
      if (percent !== undefined) expect(percent).toBeGreaterThanOrEqual(0)
    }), { numRuns: 2000 })
  })
})
