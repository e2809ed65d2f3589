import { summarize } from '../../src/results/aggregate.ts'
import type { PointResult } from '../../src/results/types.ts'
import { formatMs } from '../../src/units.ts'
import { spreadText } from './points-view.ts'

export interface RoundTripRow {
  network: string
  colour: string
  transactions: string
  tps: string
  /** `±120`: half the 95% interval of the repeats' TPS. */
  tpsSpread: string
  p50: string
  p90: string
  p99: string
  p999: string
  max: string
  error: string | null
}

export interface RoundTripSection {
  id: string
  title: string
  intro: string
  rows: RoundTripRow[]
}

function rowOf(network: string, colour: string, point: PointResult): RoundTripRow {
  const figures = point.status === 'ok' ? point.roundTrips : undefined
  const at = (key: 'p50' | 'p90' | 'p99' | 'p99.9' | 'max') => figures ? formatMs(figures.rttMs[key]) : '—'
  const tps = point.samples.flatMap((sample) => sample.roundTrips ? [sample.roundTrips.transactionsPerSecond] : [])
  return {
    network, colour,
    transactions: figures ? String(figures.transactions) : '—',
    tps: figures ? Math.round(figures.transactionsPerSecond).toLocaleString('en-US') : '—',
    tpsSpread: figures && tps.length > 1 ? spreadText(summarize(tps), figures.transactionsPerSecond, 'count') : '',
    p50: at('p50'), p90: at('p90'), p99: at('p99'), p999: at('p99.9'), max: at('max'),
    error: point.status === 'error' ? point.error ?? 'error' : null,
  }
}

/** One section per request/response latency step: percentiles and transactions per second per network. */
export function roundTripSections(points: readonly PointResult[], legend: ReadonlyArray<{ network: string; colour: string }>): RoundTripSection[] {
  const measured = points.filter((point) => point.step === 'latency' && point.protocol)
  const steps = [...new Set(measured.map((point) => point.label))]
  return steps.map((label, index) => {
    const here = measured.filter((point) => point.label === label)
    const rows = legend.flatMap(({ network, colour }) => {
      const point = here.find((candidate) => candidate.network === network)
      return point ? [rowOf(network, colour, point)] : []
    })
    const repeats = Math.max(0, ...here.map((point) => point.samples.length))
    return {
      id: `round-trips-${index + 1}`,
      title: `Request/response — ${label}`,
      intro: `sockperf ping-pong over ${here[0]!.protocol!.toUpperCase()}: one small message in flight, answered before the next is sent, so transactions per second are what a client that waits for each answer gets. Percentiles of each run's round trips${repeats > 1 ? `, the median over ${repeats} repeats` : ''}, as rtt expectations read them.`,
      rows,
    }
  })
}
