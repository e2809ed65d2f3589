import { describe, expect, test } from 'vitest'
import { formatBitrate, formatMs, formatRate, parseBitrate, parseDuration, parsePercent } from './units.ts'

describe('units', () => {
  test.each([
    ['1M', 1e6], ['1.5G', 1.5e9], ['450Mbit', 450e6], ['900Mbps', 900e6], ['10k', 1e4], ['100', 100], ['2T', 2e12], ['5 M', 5e6],
  ])('bitrate %s', (text, bps) => expect(parseBitrate(text)).toBe(bps))
  test.each(['10Q', '', 'M', '-1M', '0M', '1MB/s'])('not a bitrate: %j', (text) => expect(parseBitrate(text)).toBeUndefined())
  test.each([
    ['10s', 10_000], ['500ms', 500], ['2m', 120_000], ['1.5', 1500], ['250us', 0.25],
  ] as const)('duration %s', (text, ms) => expect(parseDuration(text)).toBe(ms))
  test('a bare number of seconds and percents', () => {
    expect(parseDuration(3)).toBe(3000)
    expect(parsePercent('0.5%')).toBe(0.5)
    expect(parsePercent('5')).toBeUndefined()
  })
  test('formatting', () => {
    expect(formatBitrate(1.5e9)).toBe('1.5G')
    expect(formatRate(438.24e6)).toBe('438.2 Mbit/s')
    expect(formatRate(null)).toBe('—')
    expect(formatMs(0.25)).toBe('250µs')
    expect(formatMs(1500)).toBe('1.5s')
  })
})
