import { describe, expect, it } from 'vitest'
import { clip, deepVisible, visible, visibleLine } from './text.ts'

describe('terminal-safe text', () => {
  it('shows ESC, OSC, BEL, C1 and bidi overrides as escapes, keeps newlines and printable text', () => {
    expect(visible('a\u001b]0;pwned\u0007b\n\u009b2J\u202eé')).toBe('a\\x1b]0;pwned\\x07b\n\\x9b2J\\u202eé')
    expect(visibleLine('a\nb\r\nc')).toBe('a\\nb\\nc')
  })

  it('reaches every string of a nested value and leaves numbers alone', () => {
    expect(deepVisible({ a: ['\u001b[31m', 1, null], b: { c: '\u0000' } })).toEqual({ a: ['\\x1b[31m', 1, null], b: { c: '\\x00' } })
  })

  it('clips long text and says how much is left out', () => {
    expect(clip('x'.repeat(5_000_000), 10)).toBe(`${'x'.repeat(10)}… (4999990 more characters)`)
    expect(clip('short')).toBe('short')
  })
})
