import { createRequire } from 'node:module'
import { cpus, release } from 'node:os'
import { run } from '../exec.ts'
import type { Environment } from './types.ts'

// A self-reference by package name finds package.json from the sources and from dist/ alike.
export const NETBENCH_VERSION: string = (createRequire(import.meta.url)('netbench/package.json') as { version: string }).version

async function firstLine(program: string, args: string[]): Promise<string | null> {
  try {
    const result = await run(program, args, { timeoutMs: 5000 })
    return result.exitCode === 0 ? result.stdout.split('\n')[0]!.trim() : null
  } catch {
    return null
  }
}

/** The Debian package's version: the one version string every lab tool has (CNI plugins print none). */
async function packageVersion(pkg: string): Promise<string | null> {
  const version = await firstLine('dpkg-query', ['-W', '-f', '${Version}', pkg])
  return version || null
}

const LAB_PACKAGES = { iproute2: 'iproute2', cniPlugins: 'containernetworking-plugins', bird: 'bird2', nftables: 'nftables', ping: 'iputils-ping' }

/** What a reader needs to reproduce or judge the run. */
export async function captureEnvironment(provider: string, lab?: Record<string, string>): Promise<Environment> {
  const cpuList = cpus()
  const [iperf3, ...versions] = await Promise.all([firstLine('iperf3', ['--version']), ...Object.values(LAB_PACKAGES).map(packageVersion)])
  const tools = Object.fromEntries(Object.keys(LAB_PACKAGES).map((name, index) => [name, versions[index] ?? null]))
  return {
    netbenchVersion: NETBENCH_VERSION,
    node: process.version,
    kernel: release(),
    platform: `${process.platform}/${process.arch}`,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpuCount: cpuList.length,
    iperf3: iperf3 ?? null,
    provider,
    tools,
    ...lab ? { lab } : {},
  }
}
