/**
 * The layering rules (issue 13), read from the code with the TypeScript parser: which folder may
 * import which, no folder cycles, no function over 80 lines. Folders, top to bottom:
 *
 *   entry points   src/index.ts, src/cli/, src/imperative/   may import anything, reporters/ too
 *   src/suites     load + validate suites; load-then-plan (prepare.ts)
 *   src/plan       networks × steps × points × repeats, handed over in the runner's types
 *   src/runner     Vitest underneath; judges expectations; assembles the RunResult
 *   src/expect     the expectation grammar, parser and evaluation
 *   src/providers  local, kube, k3s
 *   src/tools      iperf3, ping, connect
 *   src/results    the RunResult contract, statistics, baselines, comparison
 *   base           the root files src/*.ts (errors, units, text, exec, model, …): import no folder
 *   reporters/     only src/results/ and the base; imported only by entry points
 *
 * A file imports from its own folder or from folders below it; `import type`, `export … from` and
 * `import('…')` count. Tests and testkits (test code) are not scanned. The order is issue 13's
 * suites → plan → runner → providers → tools → results: the plan the runner runs is a shape the
 * runner defines (runner/planned.ts), so the planner imports it and the runner never imports the
 * planner.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve, dirname, sep } from 'node:path'
import ts from 'typescript'
import { describe, expect, test } from 'vitest'
import { REPO_ROOT } from './tmp-project.ts'

const LAYERS = ['suites', 'plan', 'runner', 'expect', 'providers', 'tools', 'results', 'base'] as const
const ENTRY_POINTS = new Set(['index', 'cli', 'imperative'])
const MAX_FUNCTION_LINES = 80

type Folder = typeof LAYERS[number] | 'reporters' | 'index' | 'cli' | 'imperative'

interface Import { file: string; target: string; line: number }

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.ts$/.test(entry.name) && !/\.(test|testkit)\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

const repoPath = (path: string) => relative(REPO_ROOT, path).split(sep).join('/')

function folderOf(path: string): Folder {
  const parts = path.split('/')
  if (parts[0] === 'reporters') return 'reporters'
  if (parts.length === 2) return parts[1] === 'index.ts' ? 'index' : 'base'
  return parts[1] as Folder
}

function mayImport(from: Folder, to: Folder): boolean {
  if (from === to || ENTRY_POINTS.has(from)) return true
  if (ENTRY_POINTS.has(to) || to === 'reporters') return false
  if (from === 'reporters') return to === 'results' || to === 'base'
  return LAYERS.indexOf(to as typeof LAYERS[number]) > LAYERS.indexOf(from as typeof LAYERS[number])
}

interface Scan { imports: Import[]; longFunctions: Array<{ where: string; lines: number }> }

function scan(): Scan {
  const result: Scan = { imports: [], longFunctions: [] }
  for (const path of [...sourceFiles(join(REPO_ROOT, 'src')), ...sourceFiles(join(REPO_ROOT, 'reporters'))]) {
    const file = repoPath(path)
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true)
    const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
    const addImport = (literal: ts.StringLiteralLike) => {
      if (!literal.text.startsWith('.')) return
      result.imports.push({ file, target: repoPath(resolve(dirname(path), literal.text)), line: lineOf(literal) })
    }
    const visit = (node: ts.Node): void => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) addImport(node.moduleSpecifier)
      else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) addImport(node.arguments[0])
      else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) addImport(node.argument.literal)
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const lines = source.getLineAndCharacterOfPosition(node.getEnd()).line + 2 - lineOf(node)
        const name = node.name?.getText(source) ?? '(anonymous)'
        if (lines > MAX_FUNCTION_LINES) result.longFunctions.push({ where: `${file}:${lineOf(node)} ${name}`, lines })
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  return result
}

const scanned = scan()
const upward = scanned.imports.filter((entry) => !mayImport(folderOf(entry.file), folderOf(entry.target)))

/** Strongly connected components of the folder graph with more than one folder (Tarjan). */
function folderCycles(imports: readonly Import[]): string[][] {
  const edges = new Map<Folder, Set<Folder>>()
  for (const entry of imports) {
    const [from, to] = [folderOf(entry.file), folderOf(entry.target)]
    if (from !== to) edges.set(from, new Set([...edges.get(from) ?? [], to]))
  }
  const index = new Map<Folder, number>()
  const low = new Map<Folder, number>()
  const stack: Folder[] = []
  const cycles: string[][] = []
  const connect = (folder: Folder) => {
    index.set(folder, index.size)
    low.set(folder, index.get(folder)!)
    stack.push(folder)
    for (const next of edges.get(folder) ?? []) {
      if (!index.has(next)) connect(next)
      if (stack.includes(next)) low.set(folder, Math.min(low.get(folder)!, low.get(next)!))
    }
    if (low.get(folder) !== index.get(folder)) return
    const component = stack.splice(stack.indexOf(folder))
    if (component.length > 1) cycles.push(component.sort())
  }
  for (const folder of edges.keys()) if (!index.has(folder)) connect(folder)
  return cycles
}

describe('architecture: one way down (issue 13)', () => {
  test('the scan sees the code: files of every layer, and their imports', () => {
    const folders = new Set(scanned.imports.map((entry) => folderOf(entry.file)))
    expect([...folders].sort()).toEqual(['base', 'cli', 'expect', 'imperative', 'index', 'plan', 'providers', 'reporters', 'results', 'runner', 'suites', 'tools'])
  })

  test('no import runs up a layer, and reporters read only results and the base', () => {
    const violations = upward.map((entry) => `${entry.file}:${entry.line} imports ${entry.target}`)
    expect(violations).toEqual([])
  })

  test('above providers/, only the registry and the Provider interface are imported (a new provider needs no runner change)', () => {
    const reaching = scanned.imports
      .filter((entry) => ['suites', 'runner', 'plan', 'expect'].includes(folderOf(entry.file)) && folderOf(entry.target) === 'providers')
      .filter((entry) => !['src/providers/registry.ts', 'src/providers/types.ts'].includes(entry.target))
      .map((entry) => `${entry.file}:${entry.line} imports ${entry.target}`)
    expect(reaching).toEqual([])
  })

  test('no folder cycle', () => {
    const cycles = folderCycles(scanned.imports)
    expect(cycles.map((cycle) => cycle.join(' ↔ '))).toEqual([])
  })

  test(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const violations = scanned.longFunctions.map((entry) => `${entry.where}: ${entry.lines} lines`)
    expect(violations).toEqual([])
  })

  test('the rules catch what they should (a planted upward import, a long function, a cycle)', () => {
    expect(mayImport('results', 'expect')).toBe(false)
    expect(mayImport('tools', 'providers')).toBe(false)
    expect(mayImport('reporters', 'runner')).toBe(false)
    expect(mayImport('runner', 'reporters')).toBe(false)
    expect(mayImport('base', 'results')).toBe(false)
    expect(mayImport('providers', 'tools')).toBe(true)
    expect(mayImport('cli', 'reporters')).toBe(true)
    const planted = (file: string, target: string): Import => ({ file, target, line: 1 })
    expect(folderCycles([planted('src/plan/a.ts', 'src/results/b.ts'), planted('src/results/b.ts', 'src/plan/a.ts')])).toEqual([['plan', 'results']])
    expect(folderCycles([planted('src/plan/a.ts', 'src/results/b.ts')])).toEqual([])
  })
})
