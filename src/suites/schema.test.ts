import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { suiteJsonSchema } from './schema.ts'

describe('the published suite schema', () => {
  test('schema/netbench-suite.schema.json is the TypeBox schema, regenerated (npx tsx scripts/write-schema.ts)', () => {
    const published = JSON.parse(readFileSync(new URL('../../schema/netbench-suite.schema.json', import.meta.url), 'utf8'))
    expect(published).toEqual(suiteJsonSchema())
  })

  test('documents every field users write, for editor completion', () => {
    const schema = suiteJsonSchema() as { properties: Record<string, { description?: string; title?: string }> }
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'cluster', 'networks', 'steps', 'expect']))
    expect(schema.properties.networks!.description).toBeTruthy()
  })
})
