import { percentile } from '../../src/results/stats.ts'
import type { PointResult } from '../../src/results/types.ts'
import { formatMs, trimNumber } from '../../src/units.ts'
import type { ChartView } from './charts-view.ts'
import { rttCdfChart, type RttLine } from './charts/latency.ts'
import { spreadText } from './points-view.ts'

export interface LatencyRow {
  network: string
  colour: string
  replies: string
  min: string
  median: string
  /** `±12`: half the 95% interval of the repeats' medians, in the median's unit. */
  medianSpread: string
  p95: string
  p99: string
  max: string
  loss: string
  lossSpread: string
  error: string | null
}

export interface LatencySection {
  id: string
  title: string
  intro: string
  charts: ChartView[]
  rows: LatencyRow[]
}

function rowOf(network: string, colour: string, point: PointResult, sorted: readonly number[]): LatencyRow {
  const at = (p: number) => sorted.length ? formatMs(percentile(sorted, p)) : '—'
  const { lossPercent, rttMs } = point.metrics
  return {
    network, colour,
    replies: sorted.length ? String(sorted.length) : '—',
    min: at(0),
    // Without the individual replies, the median of the repeats' medians is all there is.
    median: sorted.length ? at(50) : formatMs(rttMs),
    medianSpread: spreadText(point.stats.rttMs, rttMs, 'ms'),
    p95: at(95),
    p99: at(99),
    max: at(100),
    loss: lossPercent === null ? '—' : `${trimNumber(lossPercent, 2)}%`,
    lossSpread: spreadText(point.stats.lossPercent, lossPercent, 'percent'),
    error: point.status === 'error' ? point.error ?? 'error' : null,
  }
}

function section(points: readonly PointResult[], legend: ReadonlyArray<{ network: string; colour: string }>, suffix: string, id: string): LatencySection {
  const rows: LatencyRow[] = []
  const lines: RttLine[] = []
  for (const { network, colour } of legend) {
    const point = points.find((candidate) => candidate.network === network)
    if (!point) continue
    const sorted = point.status === 'ok' ? [...point.rttsMs ?? []].sort((a, b) => a - b) : []
    rows.push(rowOf(network, colour, point, sorted))
    if (sorted.length) lines.push({ network, colour, sorted })
  }
  const repeats = Math.max(0, ...points.map((point) => point.samples.length))
  const charts: ChartView[] = lines.length ? [{
    id: `${id}-cdf`, title: `Round-trip time distribution${suffix}`, wide: true, svg: rttCdfChart(lines),
    caption: 'Every echo reply\'s round-trip time, as the share of replies at or below each time (a CDF). The further left, the faster; a curve that climbs late or flattens out to the right has a slow tail.',
  }] : []
  return {
    id,
    title: `Latency${suffix}`,
    intro: `Round-trip times of every echo reply${repeats > 1 ? `, over ${repeats} repeats` : ''}; percentiles by linear interpolation, as the rtt expectations read them.${rows.some((row) => row.medianSpread) ? ' ± next to a median: half the 95% interval of the repeats\' medians.' : ''}`,
    charts,
    rows,
  }
}

/** One section per latency step (placement): the percentiles per network, and the distribution. */
export function latencySections(points: readonly PointResult[], legend: ReadonlyArray<{ network: string; colour: string }>): LatencySection[] {
  const latency = points.filter((point) => point.step === 'latency' && !point.protocol)
  const steps = [...new Set(latency.map((point) => point.label))]
  return steps.map((label, index) => {
    const here = latency.filter((point) => point.label === label)
    const place = here[0]!.between === 'same-node' ? 'on one node' : `between ${here[0]!.between}`
    return section(here, legend, steps.length > 1 ? ` — ${place}` : '', index ? `latency-${index + 1}` : 'latency')
  })
}
