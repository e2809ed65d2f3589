// Builds the published package: src/ and reporters/ compiled to dist/ by tsc (relative `.ts`
// imports rewritten to `.js`), declarations whose specifiers are rewritten the same way (tsc
// leaves `.ts` there, which users' compilers refuse), and the HTML report's templates copied.
import { execFileSync } from 'node:child_process'
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
rmSync(dist, { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
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
const { SuiteSchema } = await import(join(dist, 'src/suites/schema.js'))
const { SUITE_VALIDATOR_OPTIONS } = await import(join(dist, 'src/suites/validate.js'))
const ajv = new Ajv({ ...SUITE_VALIDATOR_OPTIONS, code: { source: true } })
writeFileSync(join(dist, 'src/suites/suite-validator.cjs'), standaloneCode(ajv, ajv.compile(SuiteSchema)))
