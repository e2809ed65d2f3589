import { readFile, stat } from 'node:fs/promises'
import { basename, resolve, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node } from 'yaml'
import { NetbenchError, isNetbenchError } from '../errors.ts'
import type { Suite } from './model.ts'
import { normalizeSuite } from './normalize.ts'
import { placeOf, validateShape, type Locator, type PathSegment } from './validate.ts'

export type LoadedFile =
  /** `place` names a spot in the file for later errors (`file:line:col: expect[2]`). */
  | { kind: 'declarative'; file: string; suite: Suite; place: (path: readonly PathSegment[]) => string }
  /** A file using the imperative `test`/`expect` form: nothing to validate ahead of the run. */
  | { kind: 'imperative'; file: string }

/** Path as users should see it in messages: relative to where they ran netbench. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel.startsWith('..') ? file : rel
}

export async function loadSuiteFile(file: string, knownNetworks: readonly string[]): Promise<LoadedFile> {
  const absolute = resolve(file)
  const shown = displayPath(absolute)
  const info = await stat(absolute).catch(() => undefined)
  if (!info?.isFile()) {
    throw new NetbenchError('SUITE_NOT_FOUND', `${shown}: no such suite file`, { hint: 'check the path, or run `netbench list` to see the suites found' })
  }
  if (/\.ya?ml$/.test(absolute)) {
    const { data, locate } = await readYaml(absolute, shown)
    const place = (path: readonly PathSegment[]) => placeOf(shown, path, locate)
    return { kind: 'declarative', file: absolute, suite: fromData(data, shown, absolute, knownNetworks, locate), place }
  }
  const definition = await importSuiteModule(absolute, shown)
  if (definition === undefined) return { kind: 'imperative', file: absolute }
  const place = (path: readonly PathSegment[]) => placeOf(shown, path)
  return { kind: 'declarative', file: absolute, suite: fromData(definition, shown, absolute, knownNetworks), place }
}

function fromData(data: unknown, shown: string, absolute: string, knownNetworks: readonly string[], locate?: Locator): Suite {
  const input = validateShape(data, shown, locate)
  return { ...normalizeSuite(input, { file: shown, locate, knownNetworks }), file: absolute }
}

async function readYaml(file: string, shown: string): Promise<{ data: unknown; locate: Locator }> {
  const lineCounter = new LineCounter()
  const document = parseDocument(await readFile(file, 'utf8'), { lineCounter, prettyErrors: false })
  const syntaxError = document.errors[0]
  if (syntaxError) {
    const position = lineCounter.linePos(syntaxError.pos[0])
    const reason = syntaxError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    throw new NetbenchError('SUITE_SYNTAX', `${shown}:${position.line}:${position.col}: YAML syntax error: ${reason}`, { hint: 'fix the YAML at that line (indentation, quotes, colons)' })
  }
  const locate: Locator = (path: readonly PathSegment[]) => {
    const offset = offsetOf(document.contents as Node | null, path)
    if (offset === undefined) return undefined
    const position = lineCounter.linePos(offset)
    return `${position.line}:${position.col}`
  }
  return { data: document.toJS(), locate }
}

/** Source offset of the deepest node along `path` (a missing key points at its parent). */
function offsetOf(root: Node | null, path: readonly PathSegment[]): number | undefined {
  let node: unknown = root
  let offset = (root as { range?: number[] } | null)?.range?.[0]
  for (const segment of path) {
    const items = (node as { items?: unknown[] } | null)?.items
    if (!items) break
    const next = isMap(node)
      ? items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === segment)
      : items[segment as number]
    if (next === undefined) break
    if (isPair(next)) {
      offset = (next.key as { range?: number[] }).range?.[0] ?? offset
      node = next.value
      const valueOffset = (next.value as { range?: number[] } | null)?.range?.[0]
      if (path.indexOf(segment) === path.length - 1 && valueOffset !== undefined && !isMap(next.value)) offset = valueOffset
    } else {
      node = next
      offset = (next as { range?: number[] }).range?.[0] ?? offset
    }
  }
  return offset
}

/**
 * Imports a TypeScript suite. Under the CLI (tsx registered) or Vitest a plain import works and
 * shares the module cache with netbench itself; elsewhere tsx compiles it on the spot.
 */
export async function importModule(file: string): Promise<{ default?: unknown }> {
  try {
    return await import(pathToFileURL(file).href) as { default?: unknown }
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error
    const { tsImport } = await import('tsx/esm/api')
    return await tsImport(file, import.meta.url) as { default?: unknown }
  }
}

async function importSuiteModule(file: string, shown: string): Promise<unknown> {
  let module: { default?: unknown }
  try {
    module = await importModule(file)
  } catch (error) {
    if (isNetbenchError(error)) throw error
    const text = (error instanceof Error ? error.message : String(error)).replace(/\u001b\[[0-9;]*m/g, '')
    const location = syntaxErrorLocation(error, text, basename(file))
    if (location) {
      throw new NetbenchError('SUITE_SYNTAX', `${shown}:${location.line}:${location.column}: ${location.message}`, { hint: 'fix the TypeScript syntax at that line' })
    }
    throw new NetbenchError('SUITE_INVALID', `${shown}: the suite module failed to load: ${text.split('\n')[0]}`, { hint: 'fix the error in the suite file' })
  }
  const definition = module.default
  // tsx may wrap a CJS-looking default export once more.
  const unwrapped = definition && typeof definition === 'object' && 'default' in definition && !('name' in definition) ? (definition as { default: unknown }).default : definition
  return unwrapped === undefined || unwrapped === null ? undefined : unwrapped
}

/**
 * Where a compiler put a syntax error: esbuild (tsx) gives `errors[].location` or
 * `file:line:col: ERROR: text`; Vite's oxc parser prints `[PARSE_ERROR] text` and `file:line:col`.
 */
function syntaxErrorLocation(error: unknown, text: string, fileName: string): { line: number; column: number; message: string } | undefined {
  const first = (error as { errors?: Array<{ text: string; location?: { line: number; column: number } }> }).errors?.[0]
  if (first?.location) return { line: first.location.line, column: first.location.column + 1, message: first.text }
  const esbuild = /:(\d+):(\d+): ERROR: (.*)/.exec(text)
  if (esbuild) return { line: Number(esbuild[1]), column: Number(esbuild[2]), message: esbuild[3]! }
  const escaped = fileName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const position = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(text)
  const parse = /\[[A-Z_]+\]\s*(.+)/.exec(text)
  if (position && parse) return { line: Number(position[1]), column: Number(position[2]), message: parse[1]!.trim() }
  return undefined
}
