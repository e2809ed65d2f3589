import { isSenderLimited } from '../../src/results/attribution.ts'
import { describeDelta, type PointChange } from '../../src/results/compare.ts'
import type { PointResult } from '../../src/results/types.ts'
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
  cpu: string
  samples: number
  datagram: string
  error: string | null
  senderLimited: boolean
  /** The receiver's socket dropped most of the loss: the receiving host's limit, not the network's. */
  receiverLimited: boolean
  /** Against the baseline, when there is one. */
  delta: { text: string; verdict: PointChange['verdict']; title: string } | null
  /** The raw iperf3 JSON per sample, already escaped for element text. */
  rawHtml: string[]
}

export interface NetworkPoints {
  network: string
  colour: string
  rows: PointRow[]
}

const percent = (value: number | null) => value === null ? '—' : `${trimNumber(value, 2)}%`

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

export function pointRow(point: PointResult, change: PointChange | undefined): PointRow {
  const m = point.metrics
  const cpu = m.cpuSenderPercent === null ? '—' : `${trimNumber(m.cpuSenderPercent, 0)}% / ${trimNumber(m.cpuReceiverPercent ?? 0, 0)}%`
  const datagram = point.samples[0]?.datagramBytes ? `${point.samples[0].datagramBytes} B (MTU ${point.samples[0].mtu})` : point.samples[0] ? `MTU ${point.samples[0].mtu}` : '—'
  return {
    label: point.label,
    step: point.step,
    offered: point.bitrate === null ? (point.streams && point.streams > 1 ? `${point.streams} streams` : '—') : formatBitrate(point.bitrate),
    sent: formatRate(m.senderBps),
    received: formatRate(m.throughputBps),
    range: range(point),
    loss: point.step === 'udp' ? percent(m.lossPercent) : '—',
    jitter: point.step === 'udp' ? formatMs(m.jitterMs) : '—',
    retransmits: point.step === 'tcp' && m.retransmits !== null ? trimNumber(m.retransmits, 1) : '—',
    cpu,
    samples: point.samples.length,
    datagram,
    error: point.status === 'error' ? point.error : null,
    senderLimited: isSenderLimited(point),
    receiverLimited: point.limitedBy === 'receiver',
    delta: deltaOf(change),
    rawHtml: point.raw.map((raw) => escapeText(JSON.stringify(raw, null, 1))),
  }
}
