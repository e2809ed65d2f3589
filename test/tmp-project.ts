import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * An inline fixture project, as Playwright's tests write them: files in a temp dir inside the
 * repo (so `import … from 'netbench'` resolves to this package), removed by dispose.
 */
export function tmpProject(files: Record<string, string>): { dir: string; path(name: string): string } & Disposable {
  mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true })
  const dir = mkdtempSync(join(REPO_ROOT, '.tmp', 'project-'))
  // Readable by others, so tests can run the CLI as a non-root user in it.
  chmodSync(dir, 0o755)
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), content)
  }
  return {
    dir,
    path: (name: string) => join(dir, name),
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  }
}
