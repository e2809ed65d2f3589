import { isSenderLimited, limitNote } from '../../src/results/attribution.ts'
import { pairsText } from '../../src/results/pairs.ts'
import { describeDelta } from '../../src/results/compare.ts'
import { percentile } from '../../src/results/stats.ts'
import { nodeCpuText, type NodeCpuText } from '../../src/results/node-cpu.ts'
import type { MetricStats, PointChange, PointResult } from '../../src/results/types.ts'
import { formatBitrate, formatMs, formatRate, trimNumber } from '../../src/units.ts'
import { escapeText } from './escape.ts'

export interface PointRow {
  label: string
  step: PointResult['step']
  offered: string
  sent: string
  received: string
  /** `438.1 – 441.0 Mbit/s` over the repeats; empty for a single sample. */
  range: string
  loss: string
  jitter: string
  retransmits: string
  /** `±0.1`: half the 95% interval of the mean over the repeats, in the figure's unit; empty for one sample. */
  spread: { sent: string; received: string; loss: string; jitter: string; retransmits: string }
  /** UDP: what held the point back, as pills (see limitPills). */
  limits: Pill[]
  /** What the columns do not say: a search's result, a latency's percentiles, TCP's congestion control. */
  note: string
  cpu: string
  /** The nodes' CPU (/proc/stat), not iperf3's; null where none was read. */
  nodeCpu: NodeCpuText | null
  samples: number
  /** `1472 B` (UDP payload) or `MTU 1500`; the path MTU, always, in `datagramTitle`. */
  datagram: string
  datagramTitle: string
  error: string | null
  senderLimited: boolean
  /** Against the baseline, when there is one. */
  delta: { text: string; verdict: PointChange['verdict']; title: string } | null
  /** The raw iperf3 JSON per sample, already escaped for element text. */
  rawHtml: string[]
  /** A Service path: a badge with the packets its DNAT translated, the route as its title; null on the pod path. */
  service: { text: string; title: string } | null
}

export interface NetworkPoints {
  network: string
  colour: string
  rows: PointRow[]
  /** What the node CPU column shows and whose CPU it is; null: no column (no point read it). */
  nodeCpuCaption: string | null
}

export interface Pill {
  /** `limited` (▲), `receiver` (◆), `network` or `none`. */
  kind: string
  text: string
  title: string
}

const percent = (value: number | null) => value === null ? '—' : `${trimNumber(value, 2)}%`

type Unit = 'rate' | 'percent' | 'ms' | 'count'

/** The scale and decimals the figure itself is shown with (formatRate, formatMs), so `±` reads in its unit. */
function scaleOf(value: number, unit: Unit): [number, number] {
  switch (unit) {
    case 'rate': return value >= 1e9 ? [1e9, 2] : value >= 1e6 ? [1e6, 1] : value >= 1e3 ? [1e3, 1] : [1, 0]
    case 'percent': return [1, 2]
    case 'ms': return value >= 1000 ? [1000, 2] : value < 1 ? [0.001, 0] : [1, 3]
    case 'count': return [1, 1]
  }
}

/** `±0.1` next to `194.9 Mbit/s`: half the 95% interval, with at least one significant digit. */
export function spreadText(stats: MetricStats | undefined, value: number | null, unit: Unit): string {
  if (!stats?.ci95 || value === null) return ''
  const half = (stats.ci95[1] - stats.ci95[0]) / 2
  if (!(half > 0)) return ''
  const [factor, decimals] = scaleOf(Math.abs(value), unit)
  const digits = Math.min(6, Math.max(decimals, Math.ceil(-Math.log10(half / factor))))
  return `±${trimNumber(half / factor, digits)}`
}

/**
 * Every UDP point says what held it back, in the words the terminal uses: ▲ sender-limited,
 * ◆ receiver overrun, network loss, or none. A sender that fell short while the network also
 * dropped traffic keeps its ▲, as in the sweep table.
 */
export function limitPills(point: PointResult): Pill[] {
  if (point.step !== 'udp' || point.status === 'error') return []
  const search = point.search
  const pills: Pill[] = []
  switch (point.limitedBy) {
    case 'sender':
      pills.push({ kind: 'limited', text: '▲ sender-limited', title: search ? 'a failing probe\'s sender fell short of the offered rate: the sending host set the limit, not the network' : 'the sender reached less than 95% of the offered rate, and what it sent arrived' })
      break
    case 'receiver':
      pills.push({ kind: 'receiver', text: '◆ receiver overrun', title: 'the receiving socket overran: most of the loss is the receiving host\'s, not the network\'s' })
      break
    case 'network':
      pills.push({ kind: 'network', text: 'network loss', title: search ? 'above the rate found, the loss crossed the bound' : 'the network dropped most of the loss' })
      break
    case 'link':
      pills.push({ kind: 'network', text: '▼ held by the link', title: 'the link\'s shaper was throttling and held the sender to the link rate: the path pushed back instead of dropping' })
      break
    default:
      pills.push({ kind: 'none', text: search?.reachedUpperBound ? 'not reached' : 'none', title: search ? 'every probe up to the top of the searched range passed: the limit lies above it' : 'the offered rate arrived' })
  }
  if (isSenderLimited(point) && point.limitedBy !== 'sender' && point.limitedBy !== 'link') pills.push({ kind: 'limited', text: '▲ sender short', title: 'the sender also reached less than 95% of the offered rate' })
  return pills
}

/** The point's note; with `pairs: N`, each pair's throughput and the fairness come first. */
function noteOf(point: PointResult): string {
  const pairs = point.status === 'ok' ? pairsText(point) : null
  const note = pointNote(point)
  return pairs ? [pairs, note].filter(Boolean).join(' · ') : note
}

function pointNote(point: PointResult): string {
  if (point.status === 'error') return ''
  if (point.search) {
    const { maxRateBps, reachedUpperBound, lossBoundPercent, probes } = point.search
    const found = maxRateBps === null ? 'no rate' : `${reachedUpperBound ? '≥ ' : ''}${formatRate(maxRateBps)}`
    return `search found ${found} (≤ ${trimNumber(lossBoundPercent, 2)}% loss, ${probes.length} probes)`
  }
  if (point.roundTrips) {
    const { rttMs, transactionsPerSecond } = point.roundTrips
    return `${point.protocol?.toUpperCase()} request/response p50 ${formatMs(rttMs.p50)} · p99 ${formatMs(rttMs.p99)} · p99.9 ${formatMs(rttMs['p99.9'])} · ${Math.round(transactionsPerSecond)} TPS`
  }
  if (point.step === 'latency') {
    const rtts = point.rttsMs ?? []
    return rtts.length ? `RTT median ${formatMs(percentile(rtts, 50))} · p99 ${formatMs(percentile(rtts, 99))} · ${rtts.length} replies` : `RTT median ${formatMs(point.metrics.rttMs)}`
  }
  if (point.step === 'udp') return limitNote(point) ?? ''
  return point.step === 'tcp' && point.congestion ? `congestion control ${point.congestion}` : ''
}

function offeredOf(point: PointResult): string {
  if (point.bitrateBps !== null) return `${point.pairs ? `${point.pairs} × ` : ''}${formatBitrate(point.bitrateBps)}`
  if (point.search) return `${formatBitrate(point.search.fromBps)}–${formatBitrate(point.search.toBps)}`
  return point.streams && point.streams > 1 ? `${point.streams} streams` : '—'
}

function range(point: PointResult): string {
  const values = point.samples.map((sample) => sample.metrics.throughputBps).filter((value): value is number => value !== null)
  const low = formatRate(Math.min(...values))
  const high = formatRate(Math.max(...values))
  return values.length < 2 || low === high ? '' : `${low} – ${high}`
}

function deltaOf(change: PointChange | undefined): PointRow['delta'] {
  if (!change || change.presence !== 'both') return change ? { text: 'not in baseline', verdict: 'missing', title: '' } : null
  const throughput = change.metrics.find((metric) => metric.metric === 'throughput')
  const loss = change.metrics.find((metric) => metric.metric === 'loss')
  const parts: string[] = []
  if (throughput) parts.push(describeDelta(throughput))
  if (loss && describeDelta(loss) !== '±0 pp') parts.push(`loss ${describeDelta(loss)}`)
  const decided = change.metrics.filter((metric) => metric.gated).map((metric) => `${metric.metric}: ${metric.decidedBy}`).join('; ')
  return { text: parts.join(', ') || '—', verdict: change.verdict, title: change.currentError ? `measurement failed: ${change.currentError}` : decided }
}

function serviceBadge(point: PointResult): PointRow['service'] {
  if (!point.service) return null
  const { route, translatedPackets } = point.service
  return { text: translatedPackets === null ? `via ${point.via}` : `DNAT ${translatedPackets.toLocaleString('en-US')} pkts`, title: route }
}

export function pointRow(point: PointResult, change: PointChange | undefined): PointRow {
  const m = point.metrics
  const cpu = m.cpuSenderPercent === null ? '—' : `${trimNumber(m.cpuSenderPercent, 0)}% / ${trimNumber(m.cpuReceiverPercent ?? 0, 0)}%`
  const sample = point.samples[0]
  const datagram = sample?.datagramBytes ? `${sample.datagramBytes} B` : sample ? `MTU ${sample.mtu}` : '—'
  const datagramTitle = sample?.datagramBytes ? `UDP payload ${sample.datagramBytes} B, path MTU ${sample.mtu}` : sample ? `path MTU ${sample.mtu}` : ''
  const { stats } = point
  const udp = point.step === 'udp'
  return {
    label: point.label,
    step: point.step,
    offered: offeredOf(point),
    sent: formatRate(m.senderBps),
    received: formatRate(m.throughputBps),
    range: range(point),
    loss: point.step === 'tcp' ? '—' : percent(m.lossPercent),
    jitter: udp ? formatMs(m.jitterMs) : '—',
    retransmits: point.step === 'tcp' && m.retransmits !== null ? trimNumber(m.retransmits, 1) : '—',
    spread: {
      sent: spreadText(stats.senderBps, m.senderBps, 'rate'),
      received: spreadText(stats.throughputBps, m.throughputBps, 'rate'),
      loss: point.step === 'tcp' ? '' : spreadText(stats.lossPercent, m.lossPercent, 'percent'),
      jitter: udp ? spreadText(stats.jitterMs, m.jitterMs, 'ms') : '',
      retransmits: point.step === 'tcp' ? spreadText(stats.retransmits, m.retransmits, 'count') : '',
    },
    limits: limitPills(point),
    note: noteOf(point),
    cpu,
    nodeCpu: nodeCpuText(point),
    samples: point.samples.length,
    datagram,
    datagramTitle,
    error: point.status === 'error' ? point.error : null,
    // A point the link held back is the path's shortfall, not the sending host's.
    senderLimited: isSenderLimited(point) && point.limitedBy !== 'link',
    delta: deltaOf(change),
    rawHtml: point.raw.map((raw) => escapeText(JSON.stringify(raw, null, 1))),
    service: serviceBadge(point),
  }
}
