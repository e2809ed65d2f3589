import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { EXIT, NetbenchError } from '../errors.ts'
import { CNI_GATE_SUITE, CONFIG, EXAMPLE_SUITE, GITHUB_WORKFLOW } from './init-files.ts'

export interface InitOptions {
  /** `--ci github`: also the GitHub Actions workflow and the CNI gate suite it runs. */
  ci?: string
  cwd: string
  stream: NodeJS.WritableStream
}

const CI_KINDS = ['github']

/** The files init writes, by path relative to the project. */
export function initFiles(ci: string | undefined): Record<string, string> {
  return {
    'suites/example.netbench.ts': EXAMPLE_SUITE,
    'netbench.config.ts': CONFIG,
    ...ci === 'github' ? { 'gates/cni.netbench.ts': CNI_GATE_SUITE, '.github/workflows/netbench.yml': GITHUB_WORKFLOW } : {},
  }
}

/**
 * `netbench init`: writes an example suite, a config and optionally a CI workflow into the
 * current directory. It never overwrites: if any target exists it writes nothing (exit 2).
 */
export async function initCommand(options: InitOptions): Promise<number> {
  if (options.ci !== undefined && !CI_KINDS.includes(options.ci)) {
    throw new NetbenchError('USAGE', `--ci ${options.ci}: unknown CI system`, { hint: `use --ci ${CI_KINDS.join(' | ')}` })
  }
  const files = initFiles(options.ci)
  const existing = Object.keys(files).filter((path) => existsSync(join(options.cwd, path)))
  if (existing.length) {
    throw new NetbenchError('USAGE', `init: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written`, {
      hint: 'netbench init never overwrites a file: move it away, or run init in another directory',
    })
  }
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(options.cwd, path)), { recursive: true })
    // `wx`: a file that appeared since the check above is still not overwritten.
    await writeFile(join(options.cwd, path), content, { flag: 'wx' })
  }
  options.stream.write(nextSteps(Object.keys(files), options.ci))
  return EXIT.ok
}

function nextSteps(written: readonly string[], ci: string | undefined): string {
  const lines = [
    ...written.map((path) => `netbench: wrote ${path}`),
    '',
    'Next:',
    '  npx netbench list                  the planned matrix (checks the suites, runs nothing)',
    '  sudo npx netbench setup --yes      install the local lab\'s system packages (Debian/Ubuntu, once)',
    '  sudo npx netbench                  run suites/example.netbench.ts on the local lab (about 40 s)',
  ]
  if (ci === 'github') {
    lines.push(
      '',
      'The CNI gate (gates/cni.netbench.ts, k3s in Docker) compares cni/calico.yaml of the base branch',
      'with the pull request\'s: commit your CNI manifest there (pod CIDR 10.42.0.0/16 for k3s), or',
      'change the networks to your CNI. See docs/ci.md in the netbench package for both gates.',
    )
  }
  return `${lines.join('\n')}\n`
}
