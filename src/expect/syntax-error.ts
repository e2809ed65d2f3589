/**
 * How a malformed expectation is reported: the error, and the caret line that points into the
 * text at what is wrong.
 */
import { NetbenchError } from '../errors.ts'
import { clip, visibleLine } from '../text.ts'
import type { Span } from './vocabulary.ts'

/**
 * A NetbenchError (code EXPECTATION_SYNTAX, exit 2) so the CLI prints it like any input error,
 * with the caret line as its detail. `name` stays 'NetbenchError' so isNetbenchError() holds.
 */
export class ExpectationParseError extends NetbenchError {
  readonly span: Span
  declare readonly hint: string
  readonly text: string

  constructor(text: string, span: Span, message: string, hint: string) {
    // A quoted token may be megabytes of input: quote an excerpt.
    super('EXPECTATION_SYNTAX', message.replace(/'([^']{41,})'/g, (_, token: string) => `'${clip(token, 40)}'`), { hint, detail: caretLine(text, span) })
    this.span = span
    this.text = text
  }
}

/** Characters of context shown either side of the span, and the most carets drawn. */
const CARET_CONTEXT = 60
const CARET_MAX = 40

/**
 * Two lines: the text, then carets under the span (at least one; one past the end is allowed).
 * A long expression is cut to a window around the span, marked with `…`; control characters are
 * shown as escapes, and the carets stay under them.
 */
export function caretLine(text: string, span: Span): string {
  const start = Math.min(Math.max(span.start, 0), text.length)
  const end = Math.min(start + Math.max(1, Math.min(span.end, text.length + 1) - start), start + CARET_MAX)
  const from = Math.max(0, start - CARET_CONTEXT)
  const to = Math.min(text.length, end + CARET_CONTEXT)
  // Tabs become spaces, control characters escapes: the carets stay aligned under the text as printed.
  const shown = (part: string) => [...part].map((char) => char === '\t' ? ' ' : visibleLine(char))
  const before = [(from > 0 ? '…' : ''), ...shown(text.slice(from, start))].join('')
  const marked = shown(text.slice(start, end)).join('')
  const after = shown(text.slice(end, to)).join('') + (to < text.length ? '…' : '')
  const carets = '^'.repeat(Math.max(1, marked.length + (end > text.length ? 1 : 0)))
  return `  ${before}${marked}${after}\n  ${' '.repeat(before.length)}${carets}`
}
