/**
 * A cursor over an expectation's tokens: what the parser reads with, and how it fails. Every error
 * it raises points into the text it was made from.
 */
import { ExpectationParseError } from './syntax-error.ts'
import { tokenize, type Token } from './tokens.ts'
import type { Span } from './vocabulary.ts'

export const spanOf = (token: Token): Span => ({ start: token.start, end: token.end })

export class TokenCursor {
  /** Just past the end of the text: where a missing token is pointed at. */
  readonly atEnd: Span
  private readonly tokens: Token[]
  private index = 0

  /** `text` is already trimmed: spans are offsets into it. */
  constructor(readonly text: string) {
    this.tokens = tokenize(text)
    this.atEnd = { start: text.length, end: text.length + 1 }
  }

  fail(span: Span, message: string, hint: string): never {
    throw new ExpectationParseError(this.text, span, message, hint)
  }

  peek(): Token | undefined {
    return this.tokens[this.index]
  }

  /** The next token, or a "missing …" error pointing just past the end of the text. */
  next(what: string, hint: string): Token {
    return this.take() ?? this.fail(this.atEnd, `missing ${what} after '${this.tokens[this.index - 1]?.text ?? ''}'`, hint)
  }

  /** The next token, consumed; undefined at the end. */
  take(): Token | undefined {
    const token = this.peek()
    if (token) this.index++
    return token
  }

  /** The next token if `wanted` holds for it, consumed; otherwise undefined and nothing consumed. */
  accept(wanted: (token: Token) => boolean): Token | undefined {
    const token = this.peek()
    return token && wanted(token) ? this.take() : undefined
  }

  /** The text under `span`, as written. */
  written(span: Span): string {
    return this.text.slice(span.start, span.end)
  }

  /** Text after the last token is an error: `message` names what ends the expectation. */
  end(message: (extra: Token) => string, hint: string): void {
    const extra = this.peek()
    if (extra) this.fail(spanOf(extra), message(extra), hint)
  }
}
