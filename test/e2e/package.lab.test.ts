import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { labLeftovers } from '../leftovers.ts'
import { REPO_ROOT } from '../tmp-project.ts'

/**
 * netbench as users get it: `npm pack`, installed into fresh projects outside this repository
 * (so nothing resolves back to these sources), run with `npx netbench`. One install is shared
 * by the project kinds through hard-linked copies of its node_modules, so each kind differs only
 * in what a user's project differs in: its package.json.
 */

const work = mkdtempSync(join(tmpdir(), 'netbench-package-'))
const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc')

const suite = (name: string, helperImport: string) => `import { defineSuite, udp, tcp } from 'netbench'
import { rates } from '${helperImport}'

export default defineSuite({
  name: '${name}',
  cluster: { provider: 'local', nodes: 2, zones: 2, instance: 'm4.large' },
  networks: ['host'],
  steps: [
    udp({ bitrates: rates, duration: '1s', between: 'zones' }),
    tcp({ streams: 1, duration: '1s', between: 'zones' }),
  ],
  expect: ['host at 10M loss < 5%', 'host tcp throughput >= 50M'],
})
`
const helper = "export const rates: string[] = ['10M']\n"

const kinds = {
  esm: { type: 'module' },
  commonjs: { type: 'commonjs' },
  'type-less': {},
  'no package.json': undefined,
} satisfies Record<string, Record<string, string> | undefined>

/**
 * The project of a kind, with only `files` besides its node_modules: the copy is made once per kind
 * and kept, what an earlier test wrote (its suites, reports) is removed.
 */
function project(kind: keyof typeof kinds, files: Record<string, string>): string {
  const dir = join(work, kind.replace(/\W+/g, '-'))
  if (existsSync(dir)) {
    for (const entry of readdirSync(dir)) if (entry !== 'node_modules') rmSync(join(dir, entry), { recursive: true, force: true })
  } else {
    mkdirSync(dir)
    execFileSync('cp', ['-al', join(work, 'installed/node_modules'), join(dir, 'node_modules')])
  }
  const manifest = kinds[kind]
  if (manifest) writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'infra', version: '1.0.0', private: true, ...manifest }, null, 2))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), content)
  }
  return dir
}

/** `npx netbench …` in a user's project, with the environment of a user's shell. */
function npx(dir: string, args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_ENV' && key !== 'TEST'))
  const result = spawnSync('npx', ['--offline', 'netbench', ...args], { cwd: dir, env: { ...env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 120_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

beforeAll(() => {
  const packed = execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim().split('\n').pop()!
  const installed = join(work, 'installed')
  mkdirSync(installed)
  writeFileSync(join(installed, 'package.json'), '{ "name": "installed", "version": "1.0.0", "private": true }\n')
  // Packages already in npm's cache (this repo's `npm ci` put them there) install without a download.
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-dev', join(work, packed)], { cwd: installed, stdio: 'ignore' })
}, 300_000)

// rm(1) removes the five trees of ~15 000 hard links each faster than fs.rmSync.
afterAll(() => execFileSync('rm', ['-rf', work]))

afterEach(() => {
  expect(labLeftovers()).toEqual([])
})

describe('the packed tarball', () => {
  test('ships compiled JavaScript, declarations and a bin that runs them, and no TypeScript source', () => {
    const pkg = join(work, 'installed/node_modules/netbench')
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> }
    expect(manifest.exports['.']!.types).toMatch(/\.d\.ts$/)
    expect(existsSync(join(pkg, manifest.exports['.']!.default))).toBe(true)
    expect(existsSync(join(pkg, 'src'))).toBe(false)
    expect(readFileSync(join(pkg, 'dist/src/index.d.ts'), 'utf8')).not.toMatch(/from '\.[^']*\.ts'/)
    expect(npx(join(work, 'installed'), ['--version']).stdout).toMatch(/^netbench\/\d+\.\d+\.\d+/)
  })
})

describe.each(Object.keys(kinds) as Array<keyof typeof kinds>)('a %s project', (kind) => {
  test('lists TypeScript suites (.netbench.ts, .mts, .cts) that import the project\'s own helpers', () => {
    const dir = project(kind, {
      'suites/a.netbench.ts': suite('plain ts', './rates.ts'),
      'suites/b.netbench.mts': suite('module ts', './rates.ts'),
      'suites/c.netbench.cts': suite('commonjs ts', './rates.ts'),
      'suites/rates.ts': helper,
    })
    const { code, stdout, stderr } = npx(dir, ['list'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    for (const name of ['plain ts', 'module ts', 'commonjs ts']) expect(stdout).toContain(name)
    expect(stdout).toMatch(/host › udp 10M/)
  })
})

describe('runs on the real lab from an installed package', () => {
  test('a TypeScript suite importing a helper, with netbench.config.ts choosing reporters, in a CommonJS project', () => {
    const dir = project('commonjs', {
      'suites/zones.netbench.ts': suite('zones', './rates.js'),
      'suites/rates.ts': helper,
      'netbench.config.ts': "import { defineConfig } from 'netbench'\n\nexport default defineConfig({ reporters: ['terminal', 'junit'], reportDir: 'out' })\n",
    })
    const { code, stdout, stderr } = npx(dir, [])
    expect(stderr).toBe('')
    expect(stdout).toMatch(/✓ host › udp 10M › loss < 5%/)
    expect(code).toBe(0)
    expect(readFileSync(join(dir, 'out/junit.xml'), 'utf8')).toMatch(/<testcase [^>]*name="host at 10M loss &lt; 5%"/)
  })

  test('the imperative form, in a project without package.json', () => {
    const dir = project('no package.json', {
      'suites/imperative.netbench.ts': `import { test, expect } from 'netbench'

test.scoped({ cluster: { nodes: 2, zones: 2, instance: 'm4.large' } })

test('host at 10M keeps its datagrams', async ({ lab }) => {
  const point = await lab.udp({ bitrate: '10M', duration: '1s' })
  expect(point).toHaveLossBelow(5)
})
`,
    })
    const { code, stdout, stderr } = npx(dir, [])
    expect(stderr).toBe('')
    expect(stdout).toMatch(/✓ host at 10M keeps its datagrams/)
    expect(code).toBe(0)
  })
})

describe('type-checking suites against the installed declarations', () => {
  const tsconfig = JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: true, types: [] },
    include: ['suites'],
  })

  test.each(['esm', 'commonjs'] as const)('tsc --noEmit accepts a good suite and names the bad field of a wrong one (%s project)', (kind) => {
    const dir = project(kind, {
      'tsconfig.json': tsconfig,
      'suites/good.netbench.ts': suite('typed', './rates.ts'),
      'suites/bad.netbench.ts': suite('typed', './rates.ts').replace('nodes: 2', "nodes: 'two'"),
      'suites/rates.ts': helper,
    })
    const { status, stdout, stderr } = spawnSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' })
    expect(stderr).toBe('')
    expect(status).not.toBe(0)
    const errors = stdout.split('\n').filter((line) => / error TS/.test(line))
    expect(errors).toEqual([expect.stringMatching(/^suites\/bad\.netbench\.ts\(6,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/)])
  })
})
