import { readFile, stat } from 'node:fs/promises'
import { Ajv, type ErrorObject } from 'ajv'
import { NetbenchError } from '../errors.ts'
import { NETBENCH_VERSION } from './environment.ts'
import { RunResultSchema } from './schema.ts'
import { SCHEMA_VERSION, type RunResult } from './types.ts'

export interface LoadedResult {
  /** The path as the user gave it, for messages and reports. */
  file: string
  result: RunResult
}

const validate = new Ajv({ allErrors: false, strict: false }).compile<RunResult>(RunResultSchema)

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

/** The place of the first number JSON.parse turned into ±Infinity (`1e400`), or undefined. */
function nonFinite(value: unknown, at: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : at
  if (!value || typeof value !== 'object') return undefined
  for (const [key, item] of Object.entries(value)) {
    const found = nonFinite(item, Array.isArray(value) ? `${at}[${key}]` : at ? `${at}.${key}` : key)
    if (found !== undefined) return found
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
  if (version !== SCHEMA_VERSION) {
    fail(`has schemaVersion ${JSON.stringify(version)}; netbench ${NETBENCH_VERSION} reads schemaVersion ${SCHEMA_VERSION}`, 'use the netbench version that wrote it, or re-run the suites to get a current result')
  }
  const overflow = nonFinite(data, '')
  if (overflow !== undefined) fail(`${overflow || 'a number'} is too large to be a number (JSON.parse made it Infinity)`, 'the file was edited or corrupted; re-run the suites to write it again')
  if (!validate(data)) fail(`is not a valid netbench result: ${explain(validate.errors![0]!)}`, 'the file may be truncated or edited; re-run the suites to write it again')
  return { file, result: data as RunResult }
}
