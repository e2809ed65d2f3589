import { isNetbenchError } from '../errors.ts'
import type { PlannedPoint } from '../plan/plan.ts'
import type { EndpointPair } from '../providers/types.ts'
import { attributeLoss, limitedBy } from '../results/attribution.ts'
import { medianMetrics, metricStats } from '../results/aggregate.ts'
import { emptyMetrics, type Sample } from '../results/metrics.ts'
import type { PointResult, SampleResult } from '../results/types.ts'
import { runIperf3 } from '../tools/iperf3/run.ts'

function toSampleResult(sample: Sample): SampleResult {
  attributeLoss(sample.metrics, sample.packets, sample.receiverDrops)
  return {
    metrics: sample.metrics,
    packets: sample.packets ?? null,
    lostPackets: sample.lostPackets ?? null,
    receiverDrops: sample.receiverDrops ?? null,
    datagramBytes: sample.datagramBytes ?? null,
    mtu: sample.mtu,
    durationMs: sample.durationMs,
  }
}

/**
 * Measures one point `repeat` times. A failure becomes the point's error (its expectations turn
 * into errors, not failures) rather than an exception, so the run goes on with the next point.
 */
export async function measurePoint(suite: string, point: PlannedPoint, pair: EndpointPair, signal?: AbortSignal): Promise<PointResult> {
  const samples: SampleResult[] = []
  const raw: unknown[] = []
  const result: PointResult = {
    id: point.id, suite, network: point.network, step: point.step, label: point.label,
    bitrate: point.bitrateBps, streams: point.streams, between: point.between,
    from: pair.client.name, to: pair.server.name,
    status: 'ok', error: null, metrics: emptyMetrics(), stats: {}, limitedBy: null, samples, raw,
  }
  try {
    for (let repeat = 0; repeat < point.repeat; repeat++) {
      const probe = point.step === 'udp'
        ? { kind: 'udp' as const, bitrateBps: point.bitrateBps!, durationMs: point.durationMs, omitMs: point.omitMs }
        : { kind: 'tcp' as const, streams: point.streams ?? 1, durationMs: point.durationMs, omitMs: point.omitMs }
      const sample = await runIperf3({ server: pair.server, client: pair.client, probe, signal })
      samples.push(toSampleResult(sample))
      raw.push(sample.raw)
    }
  } catch (error) {
    result.status = 'error'
    result.error = isNetbenchError(error) ? error.oneLine : error instanceof Error ? error.message : String(error)
  }
  result.metrics = medianMetrics(samples)
  result.stats = metricStats(samples)
  result.limitedBy = limitedBy(result)
  return result
}
