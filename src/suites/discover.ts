import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { glob } from 'tinyglobby'
import { NetbenchError } from '../errors.ts'

export const SUITE_GLOB = '**/*.netbench.{ts,mts,cts,yaml,yml}'

/**
 * Files named on the command line are taken as they are (a missing one is an input error);
 * directories are searched for suites; with nothing named, `suites/` under the current directory.
 */
export async function discoverSuites(args: readonly string[]): Promise<string[]> {
  const targets = args.length ? args : ['suites']
  const files: string[] = []
  for (const target of targets) {
    const absolute = resolve(target)
    const info = await stat(absolute).catch(() => undefined)
    if (info?.isDirectory()) {
      const found = await glob(SUITE_GLOB, { cwd: absolute, absolute: true, ignore: ['**/node_modules/**'] })
      files.push(...found.sort())
    } else if (info?.isFile()) {
      files.push(absolute)
    } else {
      throw new NetbenchError('SUITE_NOT_FOUND', `${target}: no such suite file or directory`, {
        hint: args.length ? 'check the path' : 'create suites/<name>.netbench.ts or name a suite file',
      })
    }
  }
  if (!files.length) {
    throw new NetbenchError('SUITE_NOT_FOUND', `no suites found in ${targets.join(', ')}`, { hint: 'suite files are named *.netbench.ts (.mts, .cts) or *.netbench.yaml' })
  }
  return [...new Set(files)]
}
