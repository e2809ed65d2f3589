import { emptyMetrics, type Metrics } from '../src/results/metrics.ts'
import { SCHEMA_VERSION, type PointResult, type RunResult } from '../src/results/types.ts'

/** Per metric, the value of each repeat: what a hand-computed test needs to state. */
export type Samples = Partial<Record<keyof Metrics, number[]>>

/**
 * A point built from explicit sample values, for tests whose expected figures are worked out by
 * hand (the medians here are the middle values; nothing is simulated).
 */
export function handPoint(network: string, label: string, samples: Samples, extra: Partial<PointResult> = {}): PointResult {
  const count = Math.max(0, ...Object.values(samples).map((values) => values.length))
  const sampleList = Array.from({ length: count }, (_, index) => {
    const metrics = emptyMetrics()
    for (const [key, values] of Object.entries(samples) as Array<[keyof Metrics, number[]]>) metrics[key] = values[index] ?? null
    return { metrics, packets: null, lostPackets: null, receiverDrops: null, datagramBytes: null, mtu: 1500, durationMs: 10_000 }
  })
  const median = emptyMetrics()
  for (const [key, values] of Object.entries(samples) as Array<[keyof Metrics, number[]]>) {
    const sorted = [...values].sort((a, b) => a - b)
    median[key] = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2
  }
  const udp = label.startsWith('udp')
  return {
    id: `${network}|${label}`, suite: 's', network, step: udp ? 'udp' : 'tcp', stepIndex: udp ? 0 : 1, label,
    bitrateBps: udp ? Number(/udp (\d+)M/.exec(label)?.[1] ?? 0) * 1e6 : null, streams: udp ? null : 1,
    direction: udp ? null : 'forward', endpoint: 'pod', between: 'zones',
    from: 'n1', to: 'n2', status: 'ok', error: null, metrics: median, stats: {}, limitedBy: null, samples: sampleList, raw: [], ...extra,
  }
}

export function handRun(runId: string, points: PointResult[], suite = 's'): RunResult {
  return {
    schemaVersion: SCHEMA_VERSION, runId, startedAt: '2026-11-26T07:40:38.000Z', durationMs: 1000, status: 'passed',
    environment: { netbenchVersion: '0.1.0', node: 'v20.20.0', kernel: '6.18', platform: 'linux/x64', cpuModel: 'cpu', cpuCount: 2, iperf3: 'iperf 3.12', provider: 'local' },
    suites: [{ name: suite, file: 's.netbench.ts', status: 'passed', cluster: null, networks: [], points: points.map((point) => ({ ...point, suite })), expectations: [] }],
  }
}
