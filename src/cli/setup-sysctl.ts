import { createInterface } from 'node:readline/promises'
import { writeFile } from 'node:fs/promises'
import { NetbenchError } from '../errors.ts'
import { run } from '../exec.ts'
import { localSocketBufferLimits } from '../tools/iperf3/socket-buffer.ts'
import { UDP_SOCKET_BUFFER_BYTES } from '../tools/iperf3/run.ts'

export const SYSCTL_FILE = '/etc/sysctl.d/60-netbench.conf'

/** The file's text: what it changes and why, for whoever finds it later. */
export function sysctlFileText(bytes: number = UDP_SOCKET_BUFFER_BYTES): string {
  return [
    '# Written by `netbench setup`: lets UDP probes (iperf3 -w) use socket buffers of 4 MiB.',
    '# With the default 212992 a busy receiver overruns its socket at a few hundred Mbit/s.',
    `net.core.wmem_max = ${bytes}`,
    `net.core.rmem_max = ${bytes}`,
    '',
  ].join('\n')
}

/**
 * Offers to raise net.core.wmem_max/rmem_max for the lab host with a sysctl.d file, saying what it
 * changes; asks first unless `yes`. Probes work without it (they use what the kernel grants and
 * record it), so declining is no error.
 */
export async function offerSocketBufferSysctls(options: { yes: boolean; stream: NodeJS.WritableStream }): Promise<void> {
  const limits = await localSocketBufferLimits()
  if (!limits) return
  const { wmemMax, rmemMax } = limits
  if (Math.min(wmemMax, rmemMax) >= UDP_SOCKET_BUFFER_BYTES) {
    options.stream.write(`  ✓ socket buffers: net.core.wmem_max ${wmemMax}, rmem_max ${rmemMax}\n`)
    return
  }
  options.stream.write(`  ✗ socket buffers: net.core.wmem_max ${wmemMax}, rmem_max ${rmemMax} — UDP probes will use ${Math.min(wmemMax, rmemMax)} bytes instead of ${UDP_SOCKET_BUFFER_BYTES}, and a busy receiver overruns sooner\n`)
  if (process.getuid?.() !== 0) {
    options.stream.write(`netbench: as root, ${SYSCTL_FILE} with net.core.wmem_max and rmem_max = ${UDP_SOCKET_BUFFER_BYTES} raises them\n`)
    return
  }
  if (!options.yes) {
    if (!process.stdin.isTTY) return
    const prompt = createInterface({ input: process.stdin, output: process.stdout })
    const answer = await prompt.question(`Write ${SYSCTL_FILE} setting net.core.wmem_max and rmem_max to ${UDP_SOCKET_BUFFER_BYTES}, and apply it? [Y/n] `)
    prompt.close()
    if (/^n/i.test(answer.trim())) return
  }
  await writeFile(SYSCTL_FILE, sysctlFileText())
  const applied = await run('sysctl', ['-q', '-p', SYSCTL_FILE])
  if (applied.exitCode !== 0) throw new NetbenchError('MISSING_PROGRAM', `sysctl -p ${SYSCTL_FILE} failed: ${applied.stderr.trim()}`, { hint: `remove ${SYSCTL_FILE} or fix it by hand` })
  options.stream.write(`netbench: wrote ${SYSCTL_FILE} and applied it: net.core.wmem_max ${wmemMax} → ${UDP_SOCKET_BUFFER_BYTES}, rmem_max ${rmemMax} → ${UDP_SOCKET_BUFFER_BYTES}\n`)
}
