import type { PlannedPoint } from '../src/runner/planned.ts'
import { createLab } from '../src/providers/local/lab.ts'
import { newRunId } from '../src/run-id.ts'
import { claimRun, removeRun } from '../src/providers/local/runs.ts'
import { measurePoint } from '../src/runner/measure.ts'
import { sweepProbeCount } from '../src/runner/max-rate.ts'
import { readUdpCounters } from '../src/tools/udp-counters.ts'

export interface MeasurementFigures {
  sweepSeconds: number
  sweepRepeat3Seconds: number
  repeatRatio: number
  counterReadMs: number
  attributionShareOfSample: number
  searchProbes: number
  sweepProbesSameResolution: number
  searchSeconds: number
  searchFoundBps: number | null
  shapedBps: number
}

const point = (overrides: Partial<PlannedPoint>): PlannedPoint => ({
  id: 'host|0|', network: 'host', stepIndex: 0, step: 'udp', label: 'udp', bitrateBps: null, streams: null,
  durationMs: 1000, omitMs: 0, between: 'zones', repeat: 1, ...overrides,
})

/** What repeats, loss attribution and the max-rate search cost, against a plain sweep. */
export async function benchMeasurements(): Promise<MeasurementFigures> {
  const shapedBps = 100e6
  const runId = newRunId()
  await claimRun(runId, '')
  try {
    const lab = await createLab(runId, { provider: 'local', nodes: 2, zones: 2, instance: null, bandwidthBps: shapedBps, pods: 1 })
    const pair = { client: lab.nodes[0]!.endpoint, server: lab.nodes[1]!.endpoint }
    const rates = [1e6, 10e6, 50e6, 100e6, 200e6]
    const sweep = async (repeat: number) => {
      const started = performance.now()
      for (const bitrateBps of rates) await measurePoint('bench', point({ bitrateBps, repeat }), pair)
      return (performance.now() - started) / 1000
    }
    const sweepSeconds = await sweep(1)
    const sweepRepeat3Seconds = await sweep(3)
    // Attribution reads the receiver's UDP counters before and after each sample.
    const reads = 20
    const readStarted = performance.now()
    for (let i = 0; i < reads; i++) await readUdpCounters(pair.server)
    const counterReadMs = (performance.now() - readStarted) / reads
    const search = { fromBps: 1e6, toBps: 1e9, resolution: 0.05, lossBoundPercent: 0.5 }
    const searchStarted = performance.now()
    const searched = await measurePoint('bench', point({ search }), pair)
    const searchSeconds = (performance.now() - searchStarted) / 1000
    return {
      sweepSeconds, sweepRepeat3Seconds, repeatRatio: sweepRepeat3Seconds / sweepSeconds,
      counterReadMs, attributionShareOfSample: (2 * counterReadMs) / (sweepSeconds * 1000 / rates.length),
      searchProbes: searched.search?.probes.length ?? 0, sweepProbesSameResolution: sweepProbeCount(search),
      searchSeconds, searchFoundBps: searched.search?.maxRateBps ?? null, shapedBps,
    }
  } finally {
    await removeRun(runId)
  }
}
