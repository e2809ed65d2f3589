/**
 * Round-trip times with iputils ping: one echo request every `interval`, every reply's time kept,
 * so percentiles come from the packets themselves rather than ping's own min/avg/max summary.
 */
import { NetbenchError } from '../../errors.ts'
import type { Endpoint } from '../../endpoint.ts'

export interface PingProbe {
  count: number
  intervalMs: number
}

export interface PingResult {
  /** One entry per reply, in milliseconds, in arrival order. */
  rttsMs: number[]
  transmitted: number
  received: number
  lossPercent: number
  raw: string
}

/** ping below 200 ms intervals needs root or CAP_NET_RAW; the lab runs as root. */
export function pingArgs(target: string, probe: PingProbe): string[] {
  if (!Number.isInteger(probe.count) || probe.count < 1) throw new RangeError(`ping count must be a positive integer, got ${probe.count}`)
  if (!(probe.intervalMs >= 2)) throw new RangeError(`ping interval must be at least 2 ms, got ${probe.intervalMs}`)
  return ['ping', '-n', '-c', String(probe.count), '-i', String(probe.intervalMs / 1000), '-W', '1', target]
}

export function parsePing(output: string): PingResult {
  const rttsMs = [...output.matchAll(/icmp_seq=\d+ ttl=\d+ time=([\d.]+) ms/g)].map((match) => Number(match[1]))
  const summary = /(\d+) packets transmitted, (\d+) received/.exec(output)
  if (!summary) {
    const line = output.split('\n').map((text) => text.trim()).find(Boolean) ?? ''
    throw new NetbenchError('MEASUREMENT', `ping gave no summary${line ? `: ${line}` : ''}`, { hint: 'check that the target is reachable' })
  }
  const transmitted = Number(summary[1])
  const received = Number(summary[2])
  return { rttsMs, transmitted, received, lossPercent: transmitted ? ((transmitted - received) / transmitted) * 100 : 0, raw: output }
}

export async function runPing(options: { client: Endpoint; server: Endpoint; probe: PingProbe; signal?: AbortSignal }): Promise<PingResult> {
  const { client, server, probe } = options
  const budgetMs = probe.count * probe.intervalMs + 5000
  const result = await client.exec(pingArgs(server.ip, probe), { timeoutMs: budgetMs, signal: options.signal })
  if (/exec of "ping" failed: No such file/.test(result.stderr)) {
    throw new NetbenchError('MISSING_PROGRAM', 'ping is not installed', { hint: 'run `apt-get install iputils-ping`' })
  }
  // Exit 1 means some replies were missing: still a measurement (loss). Other codes are errors.
  if (result.exitCode !== 0 && result.exitCode !== 1) {
    const line = (result.stderr || result.stdout).split('\n').map((text) => text.trim()).find(Boolean) ?? `exit ${result.exitCode}`
    throw new NetbenchError('MEASUREMENT', `ping from ${client.name} to ${server.ip} failed: ${line}`, { hint: `check that ${server.label} is reachable from ${client.label}` })
  }
  return parsePing(result.stdout)
}
