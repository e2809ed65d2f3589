import { createRequire } from 'node:module'
import type { ErrorObject, ValidateFunction } from 'ajv'
import { NetbenchError } from '../errors.ts'
import { nearest } from '../expect/tokens.ts'
import { clip, formatPath, visibleLine } from '../text.ts'
import type { SuiteInput } from './schema.ts'

export const SUITE_VALIDATOR_OPTIONS = { allErrors: true, verbose: true, strict: false } as const

const require = createRequire(import.meta.url)

/**
 * The package's build writes the validator as code (scripts/build.mjs), so the package never
 * loads the schema (TypeBox, ~65 ms: most processes importing this module, Vitest's workers among
 * them, never validate a suite); the sources compile it from the schema.
 */
const sourceSchema = import.meta.url.endsWith('.ts') ? (await import('./schema.ts')).SuiteSchema : undefined

function prebuiltValidator(): ValidateFunction<SuiteInput> {
  try {
    return (require('./suite-validator.cjs') as { default: ValidateFunction<SuiteInput> }).default
  } catch (error) {
    throw new NetbenchError('PROVIDER', `this netbench package lacks its suite validator (${(error as Error).message.split('\n')[0]})`, { hint: 'reinstall netbench, or run `npm run build` in a netbench checkout' })
  }
}

// Loaded or compiled on first use: compiling takes a few hundred ms, and most processes importing
// this module never validate a suite.
let compiled: ValidateFunction<SuiteInput> | undefined
const suiteValidator = () => compiled ??= sourceSchema ? new (require('ajv') as typeof import('ajv')).Ajv(SUITE_VALIDATOR_OPTIONS).compile<SuiteInput>(sourceSchema) : prebuiltValidator()

export type PathSegment = string | number
/** Maps a path in the suite to `line:column` (YAML suites); undefined when unknown (TS suites). */
export type Locator = (path: readonly PathSegment[]) => string | undefined

export function placeOf(file: string, path: readonly PathSegment[], locate?: Locator): string {
  const position = locate?.(path)
  const where = position ? `${file}:${position}` : file
  return path.length ? `${where}: ${formatPath(path)}` : where
}

/** Checks a suite's shape against the schema; throws one error naming the file, place and fix. */
export function validateShape(data: unknown, file: string, locate?: Locator): SuiteInput {
  const validateSchema = suiteValidator()
  if (validateSchema(data)) return data
  const error = pickError(validateSchema.errors ?? [])
  const { path, message, hint } = explain(error)
  throw new NetbenchError('SUITE_SCHEMA', `${placeOf(file, path, locate)}: ${message}`, { hint })
}

function toPath(instancePath: string): PathSegment[] {
  return instancePath.split('/').slice(1).map((part) => {
    const text = part.replace(/~1/g, '/').replace(/~0/g, '~')
    return /^\d+$/.test(text) ? Number(text) : text
  })
}

/**
 * The deepest error is the most specific. At equal depth: a choice among literals is best told
 * as the list of choices; otherwise the concrete complaint (pattern, range) beats "wrong type".
 */
function pickError(errors: ErrorObject[]): ErrorObject {
  const weight = (e: ErrorObject) => {
    if (e.keyword === 'anyOf') return literalsOf(e).length ? 4 : 0
    return e.keyword === 'type' || e.keyword === 'const' ? 1 : 3
  }
  const rank = (e: ErrorObject) => toPath(e.instancePath).length * 10 + weight(e)
  return [...errors].sort((a, b) => rank(b) - rank(a))[0]!
}

function nounOf(error: ErrorObject): string {
  const schema = error.parentSchema as { title?: string } | undefined
  return schema?.title ?? 'valid value'
}

/** The offending value, as a bounded, visible excerpt: it may be a whole binary file. */
function show(value: unknown): string {
  return clip(visibleLine(typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value)), 80)
}

function explain(error: ErrorObject): { path: PathSegment[]; message: string; hint: string } {
  const path = toPath(error.instancePath)
  const params = error.params as Record<string, unknown>
  const noun = nounOf(error)
  const isNegative = (typeof error.data === 'string' && error.data.trim().startsWith('-')) || (typeof error.data === 'number' && error.data <= 0)
  switch (error.keyword) {
    case 'required':
      return { path, message: `missing required field '${String(params.missingProperty)}'`, hint: `add ${String(params.missingProperty)}: …` }
    case 'additionalProperties':
      return { path: [...path, String(params.additionalProperty)], message: `unknown field '${String(params.additionalProperty)}'`, hint: `remove it or check its spelling; allowed here: ${allowedKeys(error).join(', ')}` }
    case 'minProperties':
    case 'maxProperties':
      return { path, message: `a step must have exactly one kind`, hint: `write { udp: {...} } or { tcp: {...} }` }
    case 'minItems':
      return { path, message: `the ${noun} is empty`, hint: `add at least ${String(params.limit)} item(s)` }
    case 'uniqueItems':
      return { path, message: `the ${noun} has duplicates (items ${String(params.j)} and ${String(params.i)})`, hint: 'list each value once' }
    case 'exclusiveMinimum':
    case 'minimum':
    case 'maximum':
      if (/duration/.test(noun) && isNegative) return { path, message: `${show(error.data)}: a duration must be greater than zero`, hint: 'write e.g. 10s' }
      return { path, message: `${show(error.data)} is out of range for a ${noun}`, hint: `use a value ${error.keyword === 'maximum' ? '<=' : error.keyword === 'minimum' ? '>=' : '>'} ${String(params.limit)}` }
    case 'pattern':
      if (/duration/.test(noun) && isNegative) return { path, message: `${show(error.data)}: a duration must be greater than zero`, hint: 'write e.g. 10s' }
      return { path, message: `${show(error.data)} is not a ${noun}`, hint: `write a ${noun}` }
    case 'const':
    case 'enum':
      return { path, message: `${show(error.data)} is not allowed here`, hint: `use ${show(params.allowedValue ?? (params.allowedValues as unknown[] | undefined)?.join(', '))}` }
    case 'anyOf':
      return { path, message: `${show(error.data)} is not a ${noun}`, hint: alternativesOf(error) }
    case 'type':
      return { path, message: `${show(error.data)} is not a ${noun} (expected ${String(params.type)})`, hint: `write a ${noun}` }
    case 'minLength':
      return { path, message: `the ${noun} is empty`, hint: `write a ${noun}` }
    default:
      return { path, message: error.message ?? 'invalid', hint: 'see schema/netbench-suite.schema.json' }
  }
}

function allowedKeys(error: ErrorObject): string[] {
  const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties
  return Object.keys(properties ?? {}).filter((key) => key !== '$schema')
}

function literalsOf(error: ErrorObject): string[] {
  const options = (error.parentSchema as { anyOf?: Array<{ const?: unknown }> } | undefined)?.anyOf ?? []
  if (!options.every((option) => option.const !== undefined)) return []
  return options.map((option) => String(option.const))
}

function alternativesOf(error: ErrorObject): string {
  const literals = literalsOf(error)
  // nearest() counts a swap as two edits, too many for a short word: 'tpc' is still 'tcp'.
  const letters = (word: string) => [...word.toLowerCase()].sort().join('')
  const match = typeof error.data === 'string' ? nearest(error.data.toLowerCase(), literals) ?? literals.find((literal) => letters(literal) === letters(error.data as string)) : undefined
  const guess = match === undefined ? '' : `did you mean '${match}'? `
  return literals.length ? `${guess}use one of ${literals.join(', ')}` : `write a ${nounOf(error)}`
}
