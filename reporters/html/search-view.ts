import type { PointResult, SearchProbeResult, SearchSummary } from '../../src/results/types.ts'
import { formatBitrate, formatRate, trimNumber } from '../../src/units.ts'
import type { ChartView } from './charts-view.ts'
import { barChart, compactRate, type Bar } from './charts/networks.ts'
import { probesChart, type SearchLine } from './charts/search.ts'
import { limitPills, type Pill } from './points-view.ts'

export interface ProbeRow {
  /** 1 for the first probe: the order the search took them in. */
  order: number
  offered: string
  sent: string
  received: string
  loss: string
  passed: boolean
  verdict: string
  title: string
  /** The probe whose rate the search reports. */
  found: boolean
}

export interface SearchRow {
  network: string
  colour: string
  found: string
  bound: string
  range: string
  limits: Pill[]
  error: string | null
  probes: ProbeRow[]
}

export interface SearchSection {
  id: string
  title: string
  intro: string
  charts: ChartView[]
  rows: SearchRow[]
}

const percent = (value: number | null) => value === null ? '—' : `${trimNumber(value, value < 1 ? 2 : 1)}%`

/** `196.9 Mbit/s`, `≥ 2.00 Gbit/s` (every probe passed, up to the top), `none` (not even the lowest). */
function foundText(search: SearchSummary): string {
  if (search.maxRateBps === null) return `none (below ${formatBitrate(search.fromBps)})`
  return `${search.reachedUpperBound ? '≥ ' : ''}${formatRate(search.maxRateBps)}`
}

/** The probe behind the rate reported: the last one at that rate that passed (the confirmation, where there is one). */
function foundIndex(search: SearchSummary): number {
  return search.probes.findLastIndex((probe) => probe.passed && probe.offeredBps === search.maxRateBps)
}

function verdictText(probe: SearchProbeResult): string {
  const verdict = probe.passed ? 'passed' : probe.reason === 'sender' ? 'failed: sender short' : probe.reason === 'loss' ? 'failed: loss' : 'failed'
  return probe.phase === 'confirm' ? `${verdict} · ${trimNumber((probe.durationMs ?? 0) / 1000, 1)} s confirmation` : verdict
}

function probeRows(search: SearchSummary): ProbeRow[] {
  const found = foundIndex(search)
  return search.probes.map((probe, index) => ({
    order: index + 1,
    offered: formatRate(probe.offeredBps),
    sent: formatRate(probe.senderBps),
    received: formatRate(probe.receivedBps),
    loss: percent(probe.lossPercent),
    passed: probe.passed,
    verdict: verdictText(probe),
    title: probe.passed
      ? `loss within ${trimNumber(search.lossBoundPercent, 2)}%`
      : probe.reason === 'sender' ? 'the sender fell short of the offered rate: the sending host, not the network, failed this probe' : `loss above ${trimNumber(search.lossBoundPercent, 2)}%`,
    found: index === found,
  }))
}

/** Searches with short trials say how long the trials and the confirmation ran. */
function confirmationText(search: SearchSummary): string {
  const trial = search.probes.find((probe) => probe.phase === 'trial')
  const confirmation = search.probes.find((probe) => probe.phase === 'confirm')
  if (!trial?.durationMs || !confirmation?.durationMs) return ''
  const seconds = (ms: number) => `${trimNumber(ms / 1000, 1)} s`
  return ` Bisection trials ran ${seconds(trial.durationMs)} each; the rate found was then confirmed by one probe of the step's full ${seconds(confirmation.durationMs)}, stepping down ${trimNumber(search.resolution * 100, 1)}% while a confirmation failed.`
}

function barOf(network: string, colour: string, point: PointResult): Bar {
  const search = point.status === 'ok' ? point.search : undefined
  if (!search || search.maxRateBps === null) return { network, colour, value: null, label: '', missing: point.status === 'error' ? 'error' : 'no rate passed' }
  const second = search.senderLimited ? '\nsender-limited' : search.reachedUpperBound ? '\ntop of search' : ''
  return { network, colour, value: search.maxRateBps, faded: search.senderLimited, label: `${search.reachedUpperBound ? '≥ ' : ''}${compactRate(search.maxRateBps)}${second}` }
}

function section(points: readonly PointResult[], legend: ReadonlyArray<{ network: string; colour: string }>, suffix: string, id: string): SearchSection {
  const rows = legend.flatMap(({ network, colour }) => {
    const point = points.find((candidate) => candidate.network === network)
    return point ? [{ network, colour, point }] : []
  })
  const searches = rows.flatMap(({ network, colour, point }): SearchLine[] => point.status === 'ok' && point.search ? [{ network, colour, search: point.search }] : [])
  const first = searches[0]?.search
  const bound = first ? `${trimNumber(first.lossBoundPercent, 2)}%` : ''
  const bars = rows.map(({ network, colour, point }) => barOf(network, colour, point))
  const notes = [
    bars.some((bar) => bar.label.startsWith('≥')) ? '≥: every probe passed up to the top of the search, so the limit lies above it.' : '',
    bars.some((bar) => bar.faded) ? 'Pale dashed bars are sender-limited: a failing probe\'s sender fell short of the offered rate, so the rate found is the sending host\'s limit, not the network\'s.' : '',
  ].filter(Boolean).join(' ')
  const charts: ChartView[] = [{
    id: `${id}`, title: `Max rate within ${bound} loss${suffix}`, wide: false,
    svg: barChart(bars, { name: 'max rate (bit/s)', format: formatBitrate }),
    caption: `The highest offered UDP rate whose loss stayed within ${bound}.${notes ? ` ${notes}` : ''}`,
  }]
  if (searches.some((line) => line.search.probes.length)) {
    charts.push({
      id: `${id}-probes`, title: `Search probes${suffix}`, wide: false, svg: probesChart(searches),
      caption: 'Every probe of each search, received against offered: passing probes sit on the dashed diagonal (received = offered), failing ones fall below it. The vertical dashed line in a network\'s colour is the rate its search found.',
    })
  }
  return {
    id,
    title: `Max-rate search${suffix}`,
    intro: first
      ? `Each network's highest UDP rate with at most ${bound} loss, found by bisecting between ${formatBitrate(first.fromBps)} and ${formatBitrate(first.toBps)} until the next step was within ${trimNumber(first.resolution * 100, 1)}%.${confirmationText(first)}`
      : '',
    charts,
    rows: rows.map(({ network, colour, point }) => ({
      network, colour,
      found: point.status === 'ok' && point.search ? foundText(point.search) : '—',
      bound: point.search ? `≤ ${trimNumber(point.search.lossBoundPercent, 2)}%` : '—',
      range: point.search ? `${formatBitrate(point.search.fromBps)} – ${formatBitrate(point.search.toBps)}, ±${trimNumber(point.search.resolution * 100, 1)}%` : '—',
      limits: limitPills(point),
      error: point.status === 'error' ? point.error ?? 'error' : null,
      probes: point.search ? probeRows(point.search) : [],
    })),
  }
}

/** One section per search step (placement): the rates found, and every probe that found them. */
export function searchSections(points: readonly PointResult[], legend: ReadonlyArray<{ network: string; colour: string }>): SearchSection[] {
  const searched = points.filter((point) => point.step === 'udp' && point.bitrateBps === null && (point.search || point.status === 'error'))
  const steps = [...new Set(searched.map((point) => point.label))]
  return steps.map((label, index) => {
    const here = searched.filter((point) => point.label === label)
    return section(here, legend, steps.length > 1 ? ` — ${here[0]!.between === 'same-node' ? 'on one node' : `between ${here[0]!.between}`}` : '', index ? `search-${index + 1}` : 'search')
  })
}
