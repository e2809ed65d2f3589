import { readFileSync } from 'node:fs'
import { cpus, release } from 'node:os'
import { run } from '../exec.ts'
import type { Environment } from './types.ts'

export const NETBENCH_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

async function firstLine(program: string, args: string[]): Promise<string | null> {
  try {
    const result = await run(program, args, { timeoutMs: 5000 })
    return result.exitCode === 0 ? result.stdout.split('\n')[0]!.trim() : null
  } catch {
    return null
  }
}

/** What a reader needs to reproduce or judge the run. */
export async function captureEnvironment(provider: string): Promise<Environment> {
  const cpuList = cpus()
  return {
    netbenchVersion: NETBENCH_VERSION,
    node: process.version,
    kernel: release(),
    platform: `${process.platform}/${process.arch}`,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpuCount: cpuList.length,
    iperf3: await firstLine('iperf3', ['--version']),
    provider,
  }
}
