import type { Plugin } from 'vite'
import { parse } from 'yaml'

export const CURRENT_FILE_KEY = '__netbenchSuiteFile'
const SUITE_FILE = /\.netbench\.([mc]?ts|ya?ml)$/

/**
 * Lets Vitest run suite files: tells `defineSuite` which file is being collected (prepended on
 * the first line, so line numbers in stack traces stay right), and turns a YAML suite into a
 * module that calls `defineSuite` with its data — the same registration path as TypeScript.
 */
export function netbenchPlugin(defineSuiteModule: string): Plugin {
  return {
    name: 'netbench:suites',
    enforce: 'pre',
    transform(code, id) {
      const file = id.split('?')[0]!
      if (!SUITE_FILE.test(file)) return null
      const marker = `globalThis[${JSON.stringify(CURRENT_FILE_KEY)}] = ${JSON.stringify(file)};`
      if (!/\.ya?ml$/.test(file)) return { code: marker + code, map: null }
      return {
        code: `${marker}\nimport { defineSuite } from ${JSON.stringify(defineSuiteModule)};\nexport default defineSuite(${JSON.stringify(parse(code))});\n`,
        map: null,
      }
    },
  }
}
