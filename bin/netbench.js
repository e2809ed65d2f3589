#!/usr/bin/env node
// The CLI runs the compiled package. `npm run build` writes dist/; npm runs it on `npm ci` and
// `npm pack` (the `prepare` script), so an installed tarball always carries it.
import { existsSync } from 'node:fs'

const main = new URL('../dist/src/cli/main.js', import.meta.url)
if (!existsSync(main)) {
  process.stderr.write('netbench: the compiled CLI (dist/) is missing — run `npm run build` in the netbench checkout\n')
  process.exit(3)
}
await import(main.href)
