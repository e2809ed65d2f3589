import { createInterface } from 'node:readline/promises'
import { access } from 'node:fs/promises'
import { NetbenchError } from '../errors.ts'
import { run } from '../exec.ts'
import { findProgram } from '../providers/local/preflight.ts'
import { engineVersion, ensureDockerEngine } from './docker-engine.ts'
import { ensurePrivilegedContainers } from './docker-privileged.ts'
import { offerSocketBufferSysctls } from './setup-sysctl.ts'

/** What the local lab needs, and the Debian package that provides each. */
export const REQUIREMENTS = [
  { what: 'iproute2 (ip, tc)', pkg: 'iproute2', present: async () => Boolean(await findProgram('ip') && await findProgram('tc')) },
  { what: 'iperf3', pkg: 'iperf3', present: async () => Boolean(await findProgram('iperf3')) },
  { what: 'CNI reference plugins', pkg: 'containernetworking-plugins', present: () => access('/usr/lib/cni/bridge').then(() => true, () => false) },
  { what: 'BIRD 2', pkg: 'bird2', present: async () => Boolean(await findProgram('bird')) },
  { what: 'nftables', pkg: 'nftables', present: async () => Boolean(await findProgram('nft')) },
  { what: 'sysctl', pkg: 'procps', present: async () => Boolean(await findProgram('sysctl')) },
  { what: 'ethtool', pkg: 'ethtool', present: async () => Boolean(await findProgram('ethtool')) },
  { what: 'ping', pkg: 'iputils-ping', present: async () => Boolean(await findProgram('ping')) },
  { what: 'sockperf (request/response latency)', pkg: 'sockperf', present: async () => Boolean(await findProgram('sockperf')) },
]

/**
 * What netbench's own tests need on top: a real browser for the HTML report, xmllint for JUnit, a
 * Docker engine for the k3s provider (any engine that answers will do, else Debian's).
 */
export const DEV_REQUIREMENTS = [
  { what: 'Chromium (HTML report tests)', pkg: 'chromium', present: async () => Boolean(await findProgram('chromium')) },
  { what: 'xmllint (JUnit schema tests)', pkg: 'libxml2-utils', present: async () => Boolean(await findProgram('xmllint')) },
  { what: 'Docker engine (k3s provider tests)', pkg: 'docker.io', present: async () => Boolean(await findProgram('dockerd') || await engineVersion()) },
]

/**
 * Checks the lab's system packages and installs the missing ones with apt-get when run as root
 * (asking first unless --yes); otherwise prints the exact command. With --dev, a Docker engine is
 * then started unless one answers, and made able to start privileged containers (docker-privileged.ts).
 * Returns the exit code.
 */
export async function setup(options: { yes: boolean; dev: boolean; stream: NodeJS.WritableStream }): Promise<number> {
  const code = await installPackages(options)
  if (code === 0) await offerSocketBufferSysctls(options)
  if (code === 0 && options.dev) {
    await ensureDockerEngine(options.stream)
    await ensurePrivilegedContainers(options)
  }
  return code
}

async function installPackages(options: { yes: boolean; dev: boolean; stream: NodeJS.WritableStream }): Promise<number> {
  const missing: string[] = []
  for (const requirement of options.dev ? [...REQUIREMENTS, ...DEV_REQUIREMENTS] : REQUIREMENTS) {
    const present = await requirement.present()
    options.stream.write(`  ${present ? '✓' : '✗'} ${requirement.what}${present ? '' : ` (package ${requirement.pkg})`}\n`)
    if (!present) missing.push(requirement.pkg)
  }
  if (!missing.length) {
    options.stream.write(`netbench: everything ${options.dev ? "netbench's tests need" : 'the local lab needs'} is installed\n`)
    return 0
  }
  const command = `apt-get install -y ${missing.join(' ')}`
  const isRoot = process.getuid?.() === 0
  const hasApt = Boolean(await findProgram('apt-get'))
  if (!isRoot || !hasApt) {
    throw new NetbenchError('MISSING_PROGRAM', `missing: ${missing.join(', ')}`, {
      hint: hasApt ? `run as root: sudo ${command}` : `install ${missing.join(', ')} with your distribution's package manager`,
    })
  }
  if (!options.yes) {
    if (!process.stdin.isTTY) throw new NetbenchError('MISSING_PROGRAM', `missing: ${missing.join(', ')}`, { hint: `run \`netbench setup --yes\` or \`${command}\`` })
    const prompt = createInterface({ input: process.stdin, output: process.stdout })
    const answer = await prompt.question(`Install ${missing.join(', ')} with apt-get? [Y/n] `)
    prompt.close()
    if (/^n/i.test(answer.trim())) return 3
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...missing]]) {
    options.stream.write(`netbench: apt-get ${args.join(' ')}\n`)
    const result = (await run('apt-get', args, { env })).exitCode
    if (result !== 0) throw new NetbenchError('MISSING_PROGRAM', `apt-get ${args[0]} failed (exit ${result})`, { hint: `run \`${command}\` by hand to see why` })
  }
  return 0
}
