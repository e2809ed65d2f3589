import { access, constants } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { NetbenchError } from '../../errors.ts'
import { missingProgram } from '../../exec.ts'

/** Programs the local lab runs for the core networks. */
export const LAB_PROGRAMS = ['ip', 'tc', 'sysctl', 'iperf3'] as const

export async function findProgram(program: string): Promise<string | undefined> {
  // A non-root PATH often lacks the sbin directories where ip and tc live.
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin'])
  for (const dir of dirs) {
    const candidate = join(dir, program)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch { /* keep looking */ }
  }
  return undefined
}

/** Fails with exit 3 and the fix when the lab cannot run on this machine. */
export async function checkLabEnvironment(programs: readonly string[] = LAB_PROGRAMS): Promise<void> {
  if (process.platform !== 'linux') {
    throw new NetbenchError('NOT_ROOT', `the local lab needs Linux network namespaces; this is ${process.platform}`, {
      hint: 'run netbench on a Linux machine or VM',
    })
  }
  if (process.getuid?.() !== 0) {
    throw new NetbenchError('NOT_ROOT', 'the local lab needs root (CAP_NET_ADMIN) to create namespaces and links', {
      hint: 'run it as root, e.g. `sudo npx netbench`',
    })
  }
  for (const program of programs) {
    if (!await findProgram(program)) throw missingProgram(program)
  }
}
