// Builds the published package: src/ and reporters/ compiled to dist/ by tsc (relative `.ts`
// imports rewritten to `.js`), declarations whose specifiers are rewritten the same way (tsc
// leaves `.ts` there, which users' compilers refuse), and the HTML report's templates copied.
// A dist/ built from the same inputs is kept: `npm ci`, `npm test` (pretest) and `npm pack`
// (prepare) each ask for a build, and one tsc run is enough. `--force` builds anyway.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const require = createRequire(import.meta.url)
const stampFile = join(dist, '.build-stamp')

/**
 * A hash of everything the build reads: the compiled sources and templates (tests excluded, as
 * tsconfig.build.json excludes them), the configs, this script, the lockfile (the dependencies'
 * declarations) and the TypeScript version.
 */
function inputsHash() {
  const hash = createHash('sha256')
  const sources = ['src', 'reporters'].flatMap((dir) => readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !/\.(test|testkit)\.ts$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name)))
  const files = [...sources, ...['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json', 'scripts/build.mjs'].map((name) => join(root, name))]
  for (const file of files.sort()) hash.update(`${file.slice(root.length)}\0`).update(readFileSync(file)).update('\0')
  return hash.update(require('typescript/package.json').version).digest('hex')
}

const stamp = inputsHash()
if (!process.argv.includes('--force') && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  console.log('dist/ is up to date (npm run build -- --force rebuilds it)')
  process.exit(0)
}
rmSync(dist, { recursive: true, force: true })
const tsc = require.resolve('typescript/bin/tsc')
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })

const relativeTsSpecifier = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g
for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (!entry.endsWith('.d.ts')) continue
  const file = join(dist, entry)
  const text = readFileSync(file, 'utf8')
  const rewritten = text.replace(relativeTsSpecifier, '$1$2.js$3')
  if (rewritten !== text) writeFileSync(file, rewritten)
}
cpSync(join(root, 'reporters/html/templates'), join(dist, 'reporters/html/templates'), { recursive: true })

// The suite schema's validator as code: compiling it with ajv at every run costs a CLI start
// 0.2–0.8 s. CommonJS, because ajv's standalone code requires its runtime helpers.
const { Ajv } = await import('ajv')
const { default: standaloneCode } = await import('ajv/dist/standalone/index.js')
const { SuiteSchema } = await import(pathToFileURL(join(dist, 'src/suites/schema.js')).href)
const { SUITE_VALIDATOR_OPTIONS } = await import(pathToFileURL(join(dist, 'src/suites/validate.js')).href)
const ajv = new Ajv({ ...SUITE_VALIDATOR_OPTIONS, code: { source: true } })
writeFileSync(join(dist, 'src/suites/suite-validator.cjs'), standaloneCode(ajv, ajv.compile(SuiteSchema)))
// Written last: a build that fails or is interrupted leaves no stamp, so the next one runs in full.
writeFileSync(stampFile, stamp)
