/**
 * Every ```ts and ```yaml block in README.md and docs/*.md is a suite file a reader may copy, so
 * every one must work: an example that drifts from the code fails here, not for a user.
 *
 * - Each block is written to a temp project and validated with `netbench list`.
 * - README.md's examples for the local lab (the suite, the imperative form) also run on the lab
 *   and must pass; a block that loads to the same suite as one before (the YAML twin) runs once. To keep the tests short their durations are cut to 1 s by
 *   textual substitution (`duration: '10s'` → `duration: '2s'`, YAML alike); nothing else changes.
 *   (At 1 s a busy machine's iperf3 may send 3% under a 10M offer, which `reach` rightly calls a miss.)
 *   kube and k3s examples are only validated: they name clusters that exist only on a reader's side.
 * - A block that is not a whole suite carries a marker on the line before its fence:
 *   `<!-- fragment -->` (a piece of a suite, e.g. a `cluster:` line) or `<!-- not a suite -->`
 *   (a workflow, a config, RBAC). Unmarked blocks are suites; a marked block is skipped.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { LOCAL_NETWORKS } from '../src/providers/local/provider.ts'
import { loadSuiteFile } from '../src/suites/load.ts'
import { runCli } from './cli.ts'
import { handRun } from './hand-result.ts'
import { labLeftovers } from './leftovers.ts'
import { REPO_ROOT, tmpProject } from './tmp-project.ts'

interface DocBlock {
  /** `README.md:42`: where the fence opens. */
  where: string
  /** The file it becomes in the temp project, e.g. `readme-42.netbench.ts`. */
  file: string
  lang: 'ts' | 'yaml'
  text: string
  skipped: boolean
}

const MARKER = /^<!--\s*(fragment|not a suite)\b.*-->$/

/** The ts and yaml blocks of a markdown text, with whether a marker skips them. */
function docBlocks(markdown: string, doc: string): DocBlock[] {
  const lines = markdown.split('\n')
  const blocks: DocBlock[] = []
  for (let index = 0; index < lines.length; index++) {
    const open = /^```(\w+)\s*$/.exec(lines[index]!)
    if (!open) continue
    const close = lines.findIndex((line, at) => at > index && /^```\s*$/.test(line))
    const lang = open[1]
    if ((lang === 'ts' || lang === 'yaml') && close > index) {
      const previous = lines.slice(0, index).reverse().find((line) => line.trim() !== '') ?? ''
      const stem = doc.replace(/\.md$/, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase()
      blocks.push({
        where: `${doc}:${index + 1}`, file: `${stem}-${index + 1}.netbench.${lang}`, lang,
        text: lines.slice(index + 1, close).join('\n') + '\n', skipped: MARKER.test(previous.trim()),
      })
    }
    index = close > index ? close : lines.length
  }
  return blocks
}

function allBlocks(): DocBlock[] {
  const docs = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)]
  return docs.flatMap((doc) => docBlocks(readFileSync(join(REPO_ROOT, doc), 'utf8'), doc))
}

const remote = (block: DocBlock) => /provider:\s*'?(kube|k3s)/.test(block.text)
/** Durations cut to 2 s, quoted (ts) or not (yaml). */
const shortened = (text: string) => text.replace(/(duration:\s*'?)\d+(?:\.\d+)?(?:ms|s|m|min)\b('?)/g, '$12s$2')

/**
 * Validates blocks with `netbench list` in a temp project; a baseline file is there for `of
 * baseline`, holding a suite of each block's name (a baseline must come from the same suite).
 */
async function listBlocks(blocks: readonly DocBlock[]) {
  using project = tmpProject(Object.fromEntries(blocks.map((block) => [block.file, block.text])))
  const baseline = handRun('base', [])
  const names = blocks.map((block) => /^\s*name:\s*['"]?([^'"\n]+?)['"]?,?\s*$/m.exec(block.text)?.[1]).filter((name) => name !== undefined)
  baseline.suites = names.map((name) => ({ ...baseline.suites[0]!, name }))
  writeFileSync(project.path('baseline.json'), JSON.stringify(baseline))
  const { code, stdout, stderr } = await runCli(['list', '--baseline', 'baseline.json', ...blocks.map((block) => block.file)], { cwd: project.dir })
  return { code, stdout, stderr }
}

describe('the examples in README.md and docs/*.md', () => {
  const blocks = allBlocks()
  const suites = blocks.filter((block) => !block.skipped)

  test('every unmarked ts and yaml block validates as a suite (netbench list)', async () => {
    expect(suites.length).toBeGreaterThan(3)
    const { code, stdout, stderr } = await listBlocks(suites)
    expect({ code, stderr }, `a README or docs example no longer validates:\n${stderr}\n(blocks: ${suites.map((b) => `${b.file} = ${b.where}`).join(', ')})`).toEqual({ code: 0, stderr: '' })
    for (const block of suites) expect(stdout, `${block.where} was not listed`).toContain(block.file)
  })

  // Retried once: on a machine busy with other work a UDP sender can fall 1-3% short of 100M in
  // 2 s, which the examples rightly count as a miss (the message then says `the sender sent only …`).
  test("README's local-lab examples run on the lab and pass (durations cut to 2 s)", { retry: 1 }, async () => {
    const candidates = suites.filter((block) => block.where.startsWith('README.md') && !remote(block))
    using project = tmpProject(Object.fromEntries(candidates.map((block) => [block.file, shortened(block.text)])))
    // A suite shown twice (TypeScript and its YAML twin) loads to the same suite: it runs once.
    const seen = new Map<string, string>()
    const runnable: DocBlock[] = []
    for (const block of candidates) {
      const loaded = await loadSuiteFile(project.path(block.file), LOCAL_NETWORKS)
      const key = loaded.kind === 'declarative' ? JSON.stringify({ ...loaded.suite, file: '' }) : block.file
      if (seen.has(key)) continue
      seen.set(key, block.where)
      runnable.push(block)
    }
    expect(candidates.length).toBeGreaterThanOrEqual(3)
    expect(runnable.length).toBeGreaterThanOrEqual(2)
    const { code, stdout, stderr } = await runCli([...runnable.map((block) => block.file), '--output', 'r.json'], { cwd: project.dir })
    expect({ code, stderr }, stdout).toEqual({ code: 0, stderr: '' })
    const result = JSON.parse(readFileSync(project.path('r.json'), 'utf8')) as { runId: string; suites: Array<{ file: string; status: string; expectations: Array<{ status: string }> }> }
    expect(result.suites.map((suite) => basename(suite.file)).sort()).toEqual(runnable.map((block) => block.file).sort())
    for (const suite of result.suites) {
      expect(suite.expectations.length, suite.file).toBeGreaterThan(0)
      expect(suite.expectations.every((expectation) => expectation.status === 'passed'), suite.file).toBe(true)
    }
    // Only this run's objects: other runs on the machine (a `lab up`, other tests) may be alive.
    expect(labLeftovers().filter((item) => item.includes(`nb${result.runId}`) || item.includes(`${result.runId}.json`))).toEqual([])
  })

  test('a drifting block fails the check, and a marker is what skips one', async () => {
    const markdown = [
      '<!-- fragment -->', '```ts', "cluster: { provider: 'kube' },", '```', '',
      '```yaml', 'name: drifted', 'networks: [host]', 'steps: [{ udp: { bitrates: [10M], duration: 1s } }]', 'expect: [host at 10M thruput > 1M]', '```',
    ].join('\n')
    const [fragment, drifted] = docBlocks(markdown, 'docs/x.md')
    expect(fragment).toMatchObject({ skipped: true, where: 'docs/x.md:2' })
    expect(drifted).toMatchObject({ skipped: false, where: 'docs/x.md:6', file: 'docs-x-6.netbench.yaml' })
    const { code, stderr } = await listBlocks([drifted!])
    expect(code).toBe(2)
    expect(stderr).toMatch(/docs-x-6\.netbench\.yaml:4:\d+: expect\[0\]: unknown metric 'thruput'/)
  })
})
