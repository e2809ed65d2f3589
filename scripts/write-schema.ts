// Regenerates schema/netbench-suite.schema.json from the TypeBox schema (the source of truth).
import { writeFileSync } from 'node:fs'
import { suiteJsonSchema } from '../src/suites/schema.ts'

writeFileSync(new URL('../schema/netbench-suite.schema.json', import.meta.url), `${JSON.stringify(suiteJsonSchema(), null, 2)}\n`)
