/**
 * `netbench report` renders the saved results in fixtures/results/ to exactly the HTML and JUnit
 * XML in fixtures/report-golden/, which the netbench before the issue 13 restructuring rendered
 * from the same files. A change to what a report shows updates the golden files on purpose
 * (`npx vitest run reporters/report-golden.test.ts -u`), never by accident.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { runCli } from '../test/cli.ts'
import { REPO_ROOT, tmpProject } from '../test/tmp-project.ts'

const project = tmpProject({})
afterAll(() => project[Symbol.dispose]())

describe('reports rendered from saved results stay as they were', () => {
  test.each(['quickstart', 'measurements'])('%s: HTML and JUnit byte for byte', async (name) => {
    const dir = project.path(name)
    const { code, stderr } = await runCli(['report', join(REPO_ROOT, `fixtures/results/${name}.json`), '--reporter', 'html', '--reporter', 'junit', '--report-dir', dir])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    for (const file of ['index.html', 'junit.xml']) {
      await expect(readFileSync(join(dir, file), 'utf8')).toMatchFileSnapshot(join(REPO_ROOT, `fixtures/report-golden/${name}/${file}`))
    }
  })
})
