/**
 * One error type for everything netbench reports to a user. The code is stable (tests and
 * scripts match on it), the hint says how to fix it, and the exit code follows the CLI contract:
 * 2 invalid input or configuration, 3 environment or provider problem.
 */
export type ErrorCode =
  | 'SUITE_NOT_FOUND'
  | 'SUITE_SYNTAX'
  | 'SUITE_SCHEMA'
  | 'SUITE_INVALID'
  | 'EXPECTATION_SYNTAX'
  | 'EXPECTATION_INVALID'
  | 'RESULT_INVALID'
  | 'USAGE'
  | 'NOT_ROOT'
  | 'MISSING_PROGRAM'
  | 'KERNEL_FEATURE'
  | 'PROVIDER'
  | 'MEASUREMENT'
  /** A network asked for a Service path (`via`) it did not build at install. */
  | 'SERVICE_PATH_MISSING'

export const EXIT = {
  ok: 0,
  expectationFailed: 1,
  invalidInput: 2,
  environment: 3,
  interrupted: 130,
} as const

const inputCodes: ReadonlySet<ErrorCode> = new Set([
  'SUITE_NOT_FOUND', 'SUITE_SYNTAX', 'SUITE_SCHEMA', 'SUITE_INVALID',
  'EXPECTATION_SYNTAX', 'EXPECTATION_INVALID', 'RESULT_INVALID', 'USAGE',
])

export class NetbenchError extends Error {
  readonly code: ErrorCode
  readonly hint: string | undefined
  /** Extra lines printed under the message (e.g. an expression with a caret under a token). */
  readonly detail: string | undefined

  constructor(code: ErrorCode, message: string, options: { hint?: string; detail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'NetbenchError'
    this.code = code
    this.hint = options.hint
    this.detail = options.detail
  }

  get exitCode(): number {
    return inputCodes.has(this.code) ? EXIT.invalidInput : EXIT.environment
  }

  /** The one line a user sees: message, then the fix. */
  get oneLine(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message
  }
}

export function isNetbenchError(error: unknown): error is NetbenchError {
  return error instanceof Error && (error as { name?: string }).name === 'NetbenchError' && 'code' in error
}
