import { readFile, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node } from 'yaml'
import { NetbenchError, isNetbenchError } from '../errors.ts'
import { displayPath } from '../text.ts'
import { declaredTests } from './define.ts'
import type { Suite } from '../model.ts'
import { normalizeSuite } from './normalize.ts'
import { UserModules } from './user-modules.ts'
import { LAB_OPTIONS_KEY } from './define.ts'
import { labSetup, type LabOptions } from './lab-setup.ts'
import type { LabSetup } from '../model.ts'
import { placeOf, validateShape, type Locator, type PathSegment } from './validate.ts'

export type LoadedFile =
  /** `place` names a spot in the file for later errors (`file:line:col: expect[2]`). */
  | { kind: 'declarative'; file: string; suite: Suite; place: (path: readonly PathSegment[]) => string }
  /** A file using the imperative `test`/`expect` form: its labs, as its `test.scoped` calls set them. */
  | { kind: 'imperative'; file: string; labs: LabSetup[] }

/** `modules` may be shared by the files of one command; without it the file gets its own loader. */
export async function loadSuiteFile(file: string, knownNetworks: readonly string[], modules?: UserModules): Promise<LoadedFile> {
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
  await using ownModules = modules ? undefined : new UserModules()
  const recorded: LabOptions[] = []
  const slot = globalThis as Record<symbol, LabOptions[] | undefined>
  slot[LAB_OPTIONS_KEY] = recorded
  let definition: unknown
  try {
    definition = await importSuiteModule(absolute, shown, modules ?? ownModules!)
  } finally {
    delete slot[LAB_OPTIONS_KEY]
  }
  if (definition === undefined) return { kind: 'imperative', file: absolute, labs: imperativeLabs(recorded, absolute, knownNetworks) }
  const place = (path: readonly PathSegment[]) => placeOf(shown, path)
  return { kind: 'declarative', file: absolute, suite: fromData(definition, shown, absolute, knownNetworks), place }
}

/**
 * The clusters an imperative file's tests will use: one per top-level `test.scoped` call that sets
 * a cluster (Vitest takes file-scoped fixtures there only), else the default local lab. Networks
 * declared in a call of their own apply to all.
 */
function imperativeLabs(recorded: readonly LabOptions[], file: string, knownNetworks: readonly string[]): LabSetup[] {
  const networks = recorded.find((options) => options.cluster === undefined && options.networks)?.networks
  const clusters = recorded.filter((options) => options.cluster !== undefined)
  const labs = clusters.length ? clusters : [{}]
  return labs.map((options) => labSetup({ cluster: options.cluster, networks: options.networks ?? networks }, file, knownNetworks))
}

function fromData(data: unknown, shown: string, absolute: string, knownNetworks: readonly string[], locate?: Locator): Suite {
  const input = validateShape(data, shown, locate)
  return { ...normalizeSuite(input, { file: shown, locate, knownNetworks }), file: absolute }
}

/** The file as text; a file that is not UTF-8 (binary, or another encoding) is refused at its first bad byte. */
async function readText(file: string, shown: string): Promise<string> {
  const bytes = await readFile(file)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    const text = bytes.toString('utf8')
    const bad = text.indexOf('\uFFFD')
    const lines = text.slice(0, Math.max(0, bad)).split('\n')
    throw new NetbenchError('SUITE_SYNTAX', `${shown}:${lines.length}:${lines.at(-1)!.length + 1}: not UTF-8 text (a binary file, or another encoding)`, { hint: 'save the suite as UTF-8' })
  }
}

async function readYaml(file: string, shown: string): Promise<{ data: unknown; locate: Locator }> {
  const lineCounter = new LineCounter()
  const document = parseDocument(await readText(file, shown), { lineCounter, prettyErrors: false })
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
  let data: unknown
  try {
    data = document.toJS()
  } catch (error) {
    // yaml refuses aliases that expand exponentially ("billion laughs").
    if (!(error instanceof ReferenceError)) throw error
    throw new NetbenchError('SUITE_SYNTAX', `${shown}: YAML aliases expand too far: ${error.message}`, { hint: 'write the values out instead of nesting aliases (*name) inside each other' })
  }
  return { data, locate }
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

async function importSuiteModule(file: string, shown: string, modules: UserModules): Promise<unknown> {
  let module: { default?: unknown }
  const declaredBefore = declaredTests()
  try {
    module = await modules.import(file)
  } catch (error) {
    if (isNetbenchError(error)) throw error
    const text = (error instanceof Error ? error.message : String(error)).replace(/\u001b\[[0-9;]*m/g, '')
    const location = syntaxErrorLocation(text, basename(file))
    if (location) {
      throw new NetbenchError('SUITE_SYNTAX', `${shown}:${location.line}:${location.column}: ${location.message}`, { hint: 'fix the TypeScript syntax at that line' })
    }
    throw new NetbenchError('SUITE_INVALID', `${shown}: the suite module failed to load: ${text.split('\n')[0]}`, { hint: 'fix the error in the suite file' })
  }
  const definition = module.default
  if (definition !== undefined && (typeof definition !== 'object' || definition === null || Object.keys(definition).length === 0)) {
    throw new NetbenchError('SUITE_INVALID', `${shown}: the default export is ${describeValue(definition)}, not a suite`, { hint: 'write `export default defineSuite({ name, networks, steps })`' })
  }
  if (definition === undefined && declaredTests() === declaredBefore) notASuite(module, shown)
  return definition
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value instanceof Promise) return 'a promise (export the suite itself, not an async result)'
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'an empty object'
  return `a ${typeof value}`
}

/** A module with no default export that declared no test: say what netbench expected instead. */
function notASuite(module: Record<string, unknown>, shown: string): never {
  const named = Object.entries(module).find(([key, value]) => key !== 'default' && value && typeof value === 'object' && 'steps' in value)
  if (named) {
    throw new NetbenchError('SUITE_INVALID', `${shown}: exports a suite as '${named[0]}', but netbench reads the default export`, { hint: `write \`export default defineSuite(…)\` (or add \`export default ${named[0]}\`)` })
  }
  throw new NetbenchError('SUITE_INVALID', `${shown}: defines no suite and no test`, { hint: 'write `export default defineSuite({ … })`, or imperative tests with `test(…)` from netbench' })
}

/** Where Vite's parser (oxc) put a syntax error: it prints `[PARSE_ERROR] text` and `file:line:col`. */
function syntaxErrorLocation(text: string, fileName: string): { line: number; column: number; message: string } | undefined {
  const escaped = fileName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const position = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(text)
  const parse = /\[[A-Z_]+\]\s*(.+)/.exec(text)
  if (position && parse) return { line: Number(position[1]), column: Number(position[2]), message: parse[1]!.trim() }
  return undefined
}
