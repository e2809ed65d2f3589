#!/usr/bin/env node
// netbench is written in TypeScript and runs from source through tsx's loader. Heavy
// dependencies are imported before the loader is registered: modules loaded through its hooks
// cost several times more to start, and the module cache makes later imports reuse these.
import { register } from 'tsx/esm/api'

const wantsRun = !process.argv.slice(2).some((arg) => ['--version', '-v', '--help', '-h', 'clean', 'setup'].includes(arg))
await Promise.all([
  import('@sinclair/typebox'),
  import('ajv'),
  import('yaml'),
  import('cac'),
  import('picocolors'),
  import('tinyglobby'),
  ...(wantsRun ? [import('vitest/node')] : []),
])
register()
await import('../src/cli/main.ts')
