import type { PointResult } from '../../src/results/types.ts'
import { nodeCpuText } from '../../src/results/node-cpu.ts'
import { formatBitrate } from '../../src/units.ts'
import type { ChartView } from './charts-view.ts'
import { compactRate, tcpChart, type Bar } from './charts/networks.ts'

const PLACES: Record<string, string> = { zones: 'between zones', nodes: 'between nodes', 'same-node': 'on one node' }

/** A TCP point's variant: stream count, direction, host endpoints. */
function variantOf(point: PointResult) {
  return { streams: point.streams ?? 1, direction: point.direction ?? 'forward', hostEndpoints: point.endpoint === 'host' }
}

/** `TCP, 4 streams, reverse, between zones`: what a TCP point measured, in words. */
export function tcpTitle(point: PointResult): string {
  const { streams, direction, hostEndpoints } = variantOf(point)
  const parts = ['TCP', `${streams} stream${streams === 1 ? '' : 's'}`]
  if (direction === 'reverse') parts.push('reverse')
  if (direction === 'bidir') parts.push('both directions')
  if (point.via === 'hairpin') parts.push('a pod through its own Service (hairpin)')
  else parts.push(PLACES[point.between] ?? `between ${point.between}`)
  if (point.via === 'service') parts.push('through the Service (ClusterIP)')
  if (point.via === 'nodeport') parts.push("through a NodePort on the client's node")
  if (hostEndpoints) parts.push('host network namespaces')
  if (point.pairs) parts.push(`${point.pairs} pairs at once, summed`)
  return parts.join(', ')
}

function directionText(point: PointResult): string {
  const { direction } = variantOf(point)
  const [from, to] = [point.from ?? 'the client', point.to ?? 'the server']
  if (direction === 'reverse') return `Reverse (iperf3 -R): ${to} sends, ${from} receives.`
  if (direction === 'bidir') return `Both directions at once (iperf3 --bidir): the throughput and the retransmits are the sum of the two.`
  if (point.pairs) return `${point.pairs} pairs at once over distinct nodes (${from} send to ${to} in turn): the throughput and the retransmits are their sum.`
  return `${from} sends, ${to} receives.`
}

/** `bbr` when every network used it; `cubic (calico), bbr (host, weave)` when they differ. */
function congestionText(points: readonly PointResult[]): string {
  const byKind = new Map<string, string[]>()
  for (const point of points) if (point.congestion) byKind.set(point.congestion, [...byKind.get(point.congestion) ?? [], point.network])
  if (!byKind.size) return ''
  const kinds = [...byKind].sort((a, b) => a[1].length - b[1].length)
  return ` Congestion control: ${kinds.length === 1 ? kinds[0]![0] : kinds.map(([kind, networks]) => `${kind} (${networks.join(', ')})`).join(', ')}.`
}

/** ` Node CPU per Gbit/s received: flannel 0.31, host 0.12 CPU-seconds, of the machine (…).` when the points read it. */
function nodeCpuCostText(points: readonly PointResult[]): string {
  const read = points.map((point) => ({ network: point.network, text: nodeCpuText(point) })).filter((entry) => entry.text && entry.text.perGbps !== '—')
  if (!read.length) return ''
  return ` Node CPU per Gbit/s received: ${read.map(({ network, text }) => `${network} ${text!.perGbps}`).join(', ')} CPU-seconds, of ${read[0]!.text!.of}.`
}

function tcpChartOf(networks: ReadonlyArray<{ name: string; colour: string }>, tcp: readonly PointResult[], id: string): ChartView[] {
  const rows = networks.map(({ name, colour }) => ({ colour, name, point: tcp.find((point) => point.network === name) })).filter((row) => row.point)
  if (!rows.length) return []
  const bars: Bar[] = rows.map(({ name, colour, point }) => {
    const value = point!.status === 'error' ? null : point!.metrics.throughputBps
    const ci = value === null ? null : point!.stats.throughputBps?.ci95 ?? null
    return { network: name, colour, value, ci, label: value === null ? '' : compactRate(value), missing: point!.status === 'error' ? 'error' : undefined }
  })
  const measured = tcp.filter((point) => point.status === 'ok')
  const runs = [...new Set(measured.map((point) => point.samples.length))]
  const single = runs.length === 1 && runs[0] === 1
  const what = single
    ? 'Throughput of one run per network; under each name, its retransmitted segments'
    : `Median throughput over ${runs.length === 1 ? `${runs[0]} runs` : 'the runs'} per network; under each name, the median retransmitted segments per run`
  const spread = bars.some((bar) => bar.ci) ? ' Error bars: the 95% interval of the mean over the repeats.' : ''
  return [{
    id, title: tcpTitle(tcp[0]!), wide: false,
    svg: tcpChart(bars, rows.map(({ point }) => point!.status === 'error' ? null : point!.metrics.retransmits), formatBitrate),
    caption: `${what}.${spread} ${directionText(tcp[0]!)}${congestionText(measured)}${nodeCpuCostText(measured)}`,
  }]
}

/** One chart per TCP variant (streams, direction, placement), in the order the suite measured them. */
export function tcpCharts(networks: ReadonlyArray<{ name: string; colour: string }>, points: readonly PointResult[]): ChartView[] {
  const variants = new Map<string, PointResult[]>()
  for (const point of points.filter((point) => point.step === 'tcp')) variants.set(point.label, [...variants.get(point.label) ?? [], point])
  return [...variants.values()].flatMap((tcp, index) => tcpChartOf(networks, tcp, index ? `tcp-${index + 1}` : 'tcp'))
}
