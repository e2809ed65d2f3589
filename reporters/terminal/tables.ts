import pc from 'picocolors'
import { limitNote } from '../../src/results/attribution.ts'
import { pairFigures, pairsCaption } from '../../src/results/pairs.ts'
import type { LimitedBy, MetricStats, PointResult } from '../../src/results/types.ts'
import type { PolicyResult } from '../../src/results/policy.ts'
import { policyCells } from '../policy-cells.ts'
import { percentile } from '../../src/results/stats.ts'
import { nodeCpuCaption, nodeCpuText } from '../../src/results/node-cpu.ts'
import { formatBitrate, formatMs, formatRate, trimNumber } from '../../src/units.ts'
import { renderTable } from './table.ts'

const percent = (value: number | null) => value === null ? '—' : `${trimNumber(value, 2)}%`
const header = (cells: string[]) => cells.map((cell) => pc.dim(cell))
const where = (point: PointResult) => {
  const placement = point.via === 'hairpin' ? 'same pod' : point.between === 'zones' ? '' : point.between
  return `${point.network}${point.via ? ` via ${point.via}` : ''}${placement ? ` (${placement})` : ''}`
}
const failed = (point: PointResult) => pc.red(`error: ${point.error}`)

/** `± half the 95% interval`, shown next to a figure measured more than once. */
function spread(stats: MetricStats | undefined, format: (value: number) => string): string {
  if (!stats?.ci95) return ''
  return pc.dim(` ±${format((stats.ci95[1] - stats.ci95[0]) / 2)}`)
}

/** Node CPU columns, only where a point of the table has them: results of earlier versions render as before. */
function withNodeCpu(points: readonly PointResult[], rows: string[][]): { rows: string[][]; notes: string[] } {
  const caption = nodeCpuCaption(points)
  if (!caption) return { rows, notes: [] }
  rows[0]!.push(...header(['node CPU', 'node CPU-s per Gbit/s']))
  points.forEach((point, index) => {
    const text = nodeCpuText(point)
    rows[index + 1]!.push(text ? `${text.share} ${pc.dim(`(${text.split})`)}` : '—', text?.perGbps ?? '—')
  })
  return { rows, notes: [pc.dim(`  ${caption}`)] }
}

const limitLabels: Record<LimitedBy, string> = {
  sender: 'sender-limited', receiver: 'receiver overrun', network: 'network loss', link: 'held by the link',
}

function limitCell(point: PointResult): string {
  if (point.status === 'error') return failed(point)
  if (!point.limitedBy) return ''
  return (point.limitedBy === 'sender' ? pc.yellow : pc.red)(`(${limitLabels[point.limitedBy]})`)
}

/** Service paths: the route each took and how many packets its DNAT translated (proof the Service carried the traffic). */
export function serviceNotes(points: readonly PointResult[]): string[] {
  return points.flatMap((point) => {
    if (!point.service) return []
    const translated = point.service.translatedPackets === null ? '' : `, ${point.service.translatedPackets.toLocaleString('en-US')} packets translated`
    return [pc.dim(`  ${where(point)}: ${point.service.route}${translated}`)]
  })
}

/** UDP at fixed offered rates: what was sent, what arrived, and what limited it. */
export function udpTable(points: PointResult[]): string {
  const rows = [header(['UDP', 'offered', 'sent', 'received', 'jitter', 'loss', 'limited by'])]
  for (const point of points) {
    const m = point.metrics
    rows.push([
      where(point), offeredText(point), formatRate(m.senderBps),
      formatRate(m.throughputBps) + spread(point.stats.throughputBps, formatRate), formatMs(m.jitterMs),
      percent(m.lossPercent) + spread(point.stats.lossPercent, percent), limitCell(point),
    ])
  }
  const notes = points.map((point) => ({ point, note: limitNote(point) })).filter((entry) => entry.note !== null)
  const cpu = withNodeCpu(points, rows)
  return [renderTable(cpu.rows), ...notes.map(({ point, note }) => pc.dim(`  ${where(point)} at ${offeredText(point)}: ${note}`)), ...pairLines(points), ...serviceNotes(points), ...cpu.notes].join('\n')
}

/** `50M`, or `2 × 50M` for pairs (each pair offers the rate). */
const offeredText = (point: PointResult) => `${point.pairs ? `${point.pairs} × ` : ''}${formatBitrate(point.bitrateBps ?? 0)}`

/** Under a table, one line per point with `pairs: N`: the pairs' fairness and each pair's throughput. */
function pairLines(points: readonly PointResult[]): string[] {
  return points.flatMap((point) => {
    const each = point.status === 'ok' ? pairFigures(point) : []
    return each.length ? [pc.dim(`  ${point.network} › ${point.label}, each pair: ${each.map((pair) => `${pair.from} → ${pair.to} ${formatRate(pair.throughputBps)}`).join(' · ')}`)] : []
  })
}

/** Max-rate searches: the rate found, the bound, and how many probes it took. */
export function searchTable(points: PointResult[]): string {
  const rows = [header(['UDP max rate', 'found', 'loss bound', 'probes', 'range', 'limited by'])]
  for (const point of points) {
    const search = point.search
    const found = search?.maxRateBps == null ? '—' : `${formatRate(search.maxRateBps)}${search.reachedUpperBound ? ' or more' : ''}`
    rows.push([
      where(point), found, search ? `<= ${trimNumber(search.lossBoundPercent, 2)}%` : '—', String(search?.probes.length ?? 0),
      search ? `${formatBitrate(search.fromBps)}–${formatBitrate(search.toBps)} ±${trimNumber(search.resolution * 100, 1)}%` : '—', limitCell(point),
    ])
  }
  return renderTable(rows)
}

/** `×4 reverse`, `bidir`, `1 stream`: streams and direction, from the point's fields. */
function tcpVariant(point: PointResult): string {
  const streams = point.streams !== null && point.streams > 1 ? `×${point.streams}` : ''
  const direction = point.direction && point.direction !== 'forward' ? point.direction : ''
  const pairs = pairsCaption(point)
  return [[streams, direction].filter(Boolean).join(' ') || '1 stream', ...pairs ? [pairs] : []].join(', ')
}

export function tcpTable(points: PointResult[]): string {
  const rows = [header(['TCP', 'variant', 'throughput', 'retransmits', 'cpu snd/rcv', 'cpu/Gbit snd', ''])]
  for (const point of points) {
    const m = point.metrics
    const cpu = m.cpuSenderPercent === null ? '—' : `${trimNumber(m.cpuSenderPercent, 0)}%/${trimNumber(m.cpuReceiverPercent ?? 0, 0)}%`
    // The datapath's cost: CPU spent per Gbit/s carried, comparable across networks and rates.
    const perGbit = m.cpuSenderPercent !== null && m.throughputBps ? `${trimNumber(m.cpuSenderPercent / (m.throughputBps / 1e9), 1)}%` : '—'
    rows.push([
      where(point), tcpVariant(point),
      formatRate(m.throughputBps) + spread(point.stats.throughputBps, formatRate), m.retransmits === null ? '—' : String(m.retransmits),
      cpu, perGbit, point.status === 'error' ? failed(point) : point.congestion ? pc.dim(point.congestion) : '',
    ])
  }
  const nodeCpu = withNodeCpu(points, rows)
  return [renderTable(nodeCpu.rows), ...pairLines(points), ...serviceNotes(points), ...nodeCpu.notes].join('\n')
}

/** Request/response latency (sockperf): percentiles of the round trips and transactions per second. */
export function roundTripTable(points: PointResult[]): string {
  const rows = [header(['Request/response', 'transactions', 'TPS', 'p50', 'p90', 'p99', 'p99.9', 'max', 'under load', ''])]
  for (const point of points) {
    const figures = point.roundTrips
    const at = (key: keyof NonNullable<PointResult['roundTrips']>['rttMs']) => figures ? formatMs(figures.rttMs[key]) : '—'
    const tps = figures ? Math.round(figures.transactionsPerSecond).toLocaleString('en-US') : '—'
    rows.push([where(point), figures ? String(figures.transactions) : '—', tps, at('p50'), at('p90'), at('p99'), at('p99.9'), at('max'), loadText(point), point.status === 'error' ? failed(point) : ''])
  }
  return [renderTable(rows), ...serviceNotes(points)].join('\n')
}

/** What a latency point's load carried: `tcp: 9.4 Mbit/s`, or — without one. */
function loadText(point: PointResult): string {
  const carried = point.load?.throughputBps.filter((value): value is number => value !== null) ?? []
  return point.load ? `${point.load.kind}${point.load.offeredBps ? ` ${formatBitrate(point.load.offeredBps)}` : ''}: ${carried.length ? formatRate(percentile(carried, 50)) : '—'}` : '—'
}

export function latencyTable(points: PointResult[]): string {
  const rows = [header(['Latency', 'replies', 'min', 'median', 'p95', 'p99', 'max', 'loss', 'under load', ''])]
  for (const point of points) {
    const rtts = point.rttsMs ?? []
    const at = (p: number) => rtts.length ? formatMs(percentile(rtts, p)) : '—'
    rows.push([where(point), String(rtts.length), at(0), at(50), at(95), at(99), at(100), percent(point.metrics.lossPercent), loadText(point), point.status === 'error' ? failed(point) : ''])
  }
  return renderTable(rows)
}

/** NetworkPolicy steps: the verdict per network, how many matrix cells matched the policy, and which were left to the CNI. */
export function policyTable(policies: PolicyResult[]): string {
  const rows = [header(['Policy', 'verdict', 'cells as expected', 'enforced by'])]
  const notes: string[] = []
  for (const policy of policies) {
    const cells = policyCells(policy)
    const verdict = policy.status === 'enforced' ? pc.green(policy.status) : policy.status === 'unsupported' ? pc.yellow(policy.status) : pc.red(policy.status)
    rows.push([policy.network, verdict, cells.text, policy.status === 'error' ? pc.red(policy.error ?? '') : policy.enforcement ?? '—'])
    notes.push(...cells.notes)
  }
  return [renderTable(rows), ...notes.map((note) => `  ${pc.yellow(note)}`)].join('\n')
}
