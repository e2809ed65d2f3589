import { readFile, stat } from 'node:fs/promises'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { NetbenchError } from '../errors.ts'
import { NETBENCH_VERSION } from './environment.ts'
import { resultSchema } from './schema.ts'
import { READABLE_SCHEMA_VERSIONS, type RunResult } from './types.ts'
import { upgradeFromV1 } from './upgrade.ts'

export interface LoadedResult {
  /** The path as the user gave it, for messages and reports. */
  file: string
  result: RunResult
}

// Compiled on first use, per schema version: every CLI start imports this module, few commands read a result.
const ajv = new Ajv({ allErrors: false, strict: false })
const validators: Partial<Record<1 | 2, ValidateFunction>> = {}
const validatorFor = (version: 1 | 2): ValidateFunction => validators[version] ??= ajv.compile(resultSchema(version))

/** `suites[0].points[3].metrics`: the place as a user reads it in the JSON. */
function place(instancePath: string): string {
  return instancePath.split('/').slice(1).reduce((text, part) => /^\d+$/.test(part) ? `${text}[${part}]` : text ? `${text}.${part}` : part, '')
}

function explain(error: ErrorObject): string {
  const where = place(error.instancePath)
  const at = where ? ` at ${where}` : ''
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required': return `missing field '${String(params.missingProperty)}'${at}`
    case 'type': return `${where || 'the top level'} should be ${String(params.type)}`
    default: return `${where || 'the top level'} ${error.message ?? 'is invalid'}`
  }
}

/** Deeper than any result netbench writes (with iperf3's raw JSON inside): refused before anything recurses. */
const MAX_DEPTH = 64

/**
 * The first value no reporter could trust, walked without recursion: a number JSON.parse turned
 * into ±Infinity (`1e400`), or nesting beyond MAX_DEPTH.
 */
function untrustworthy(data: unknown): string | undefined {
  const stack: Array<{ value: unknown; at: string; depth: number }> = [{ value: data, at: '', depth: 0 }]
  while (stack.length) {
    const { value, at, depth } = stack.pop()!
    if (typeof value === 'number' && !Number.isFinite(value)) return `${at || 'a number'} is too large to be a number (JSON.parse made it Infinity)`
    if (!value || typeof value !== 'object') continue
    if (depth > MAX_DEPTH) return `${at} nests deeper than ${MAX_DEPTH} levels`
    const entries = Object.entries(value)
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!
      stack.push({ value: item, at: Array.isArray(value) ? `${at}[${key}]` : at ? `${at}.${key}` : key, depth: depth + 1 })
    }
  }
  return undefined
}

/**
 * Reads a result file written by `--output` or the json reporter, and refuses anything a reporter
 * could not trust, with one line that names the file and the problem (exit 2).
 */
export async function loadResult(file: string, role = 'result file'): Promise<LoadedResult> {
  const fail = (problem: string, hint: string): never => {
    throw new NetbenchError('RESULT_INVALID', `${role} ${file}: ${problem}`, { hint })
  }
  // A device or FIFO (/dev/zero, a pipe) would be read forever: only regular files are results.
  const info = await stat(file).catch(() => undefined)
  if (info && !info.isFile() && !info.isDirectory()) fail('is not a regular file', 'pass the JSON file that `netbench --output <file>` wrote')
  let text = ''
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    fail(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(error)})`, 'pass the JSON file that `netbench --output <file>` wrote')
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    fail(`is not JSON (${(error as Error).message.split('\n')[0]})`, 'pass the JSON file that `netbench --output <file>` wrote')
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail('is not a netbench result (expected a JSON object)', 'pass the JSON file that `netbench --output <file>` wrote')
  const version = (data as { schemaVersion?: unknown }).schemaVersion
  if (version === undefined) fail("is not a netbench result (no 'schemaVersion')", 'pass the JSON file that `netbench --output <file>` wrote')
  if (version !== 1 && version !== 2) {
    fail(`has schemaVersion ${JSON.stringify(version)}; netbench ${NETBENCH_VERSION} reads schemaVersion ${READABLE_SCHEMA_VERSIONS.join(' or ')}`, 'use the netbench version that wrote it, or re-run the suites to get a current result')
  }
  const problem = untrustworthy(data)
  if (problem !== undefined) fail(problem, 'the file was edited or corrupted; re-run the suites to write it again')
  const validate = validatorFor(version as 1 | 2)
  if (!validate(data)) fail(`is not a valid netbench result: ${explain(validate.errors![0]!)}`, 'the file may be truncated or edited; re-run the suites to write it again')
  return { file, result: version === 1 ? upgradeFromV1(data as Record<string, unknown>) : data as RunResult }
}
