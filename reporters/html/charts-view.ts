import { isSenderLimited } from '../../src/results/attribution.ts'
import type { PointResult, SuiteResult } from '../../src/results/types.ts'
import { formatBitrate, formatMs, formatRate } from '../../src/units.ts'
import { barChart, compactRate, type Bar } from './charts/networks.ts'
import { jitterChart, lossChart, receivedChart, type SweepLine } from './charts/sweep.ts'
import { tcpCharts } from './tcp-view.ts'

export interface ChartView {
  id: string
  title: string
  caption: string
  svg: string
  wide: boolean
}

const shortRate = (value: number) => formatBitrate(value)

/** The sender fell short by itself: a point the link held back is the path's shortfall, not the host's. */
const hostShort = (point: PointResult) => isSenderLimited(point) && point.limitedBy !== 'link'

/**
 * The share of what the network was asked to carry that arrived: received ÷ offered, except that
 * a sender-limited point is measured against what was actually sent, so the host's shortfall is
 * not booked as the network's.
 */
function deliveredShare(point: PointResult): number | null {
  const { throughputBps, senderBps } = point.metrics
  if (point.bitrateBps === null || throughputBps === null) return null
  const asked = hostShort(point) && senderBps ? senderBps : point.bitrateBps
  return Math.min(1, throughputBps / asked)
}

function udpCharts(suite: SuiteResult, networks: ReadonlyArray<{ name: string; colour: string }>, udp: readonly PointResult[], suffix: string): ChartView[] {
  const lines: SweepLine[] = networks.map(({ name, colour }) => ({
    network: name,
    colour,
    points: udp.filter((point) => point.network === name && point.bitrateBps !== null).sort((a, b) => a.bitrateBps! - b.bitrateBps!).map((point) => ({
      offered: point.bitrateBps!,
      received: point.status === 'error' ? null : point.metrics.throughputBps,
      loss: point.status === 'error' ? null : point.metrics.lossPercent,
      jitter: point.status === 'error' ? null : point.metrics.jitterMs,
      receivedCi: point.status === 'error' ? null : point.stats.throughputBps?.ci95 ?? null,
      senderLimited: hostShort(point),
      heldByLink: point.limitedBy === 'link',
    })),
  })).filter((line) => line.points.length)
  if (!lines.length) return []
  const cluster = suite.cluster as { bandwidthBps?: number | null; instance?: string | null } | null
  const uplink = cluster?.bandwidthBps ?? null
  const uplinkLabel = uplink ? `${formatRate(uplink)}${cluster?.instance ? ` (${cluster.instance})` : ''}` : ''
  const maxBars: Bar[] = lines.map((line) => {
    const best = line.points.filter((point) => point.received !== null).sort((a, b) => b.received! - a.received!)[0]
    return { network: line.network, colour: line.colour, value: best?.received ?? null, label: best ? `${compactRate(best.received!)}\nat ${formatBitrate(best.offered)}` : '' }
  })
  const offered = [...new Set(lines.flatMap((line) => line.points.map((point) => point.offered)))].sort((a, b) => a - b)
  // Averages over different rates do not compare: use only the rates every network measured.
  const share = (point: PointResult) => point.status === 'error' ? null : deliveredShare(point)
  const common = offered.filter((rate) => lines.every((line) => udp.some((point) => point.network === line.network && point.bitrateBps === rate && share(point) !== null)))
  const shareBars: Bar[] = lines.map((line) => {
    const shares = udp.filter((point) => point.network === line.network && common.includes(point.bitrateBps!)).map(share).filter((value): value is number => value !== null)
    const average = shares.length ? (shares.reduce((sum, value) => sum + value, 0) / shares.length) * 100 : null
    return { network: line.network, colour: line.colour, value: average, label: average === null ? '' : `${average.toFixed(1)}%` }
  })
  const rates = offered.map(formatBitrate).join(', ')
  const leftOut = offered.filter((rate) => !common.includes(rate)).map(formatBitrate)
  const id = (name: string) => suffix ? `${name}-${udp[0]!.between}${udp[0]!.via ? `-${udp[0]!.via}` : ''}` : name
  return [
    { id: id('received'), title: `Received vs offered${suffix}`, wide: true, svg: receivedChart(lines, uplink, uplinkLabel),
      caption: `UDP at fixed offered rates (${rates}); medians over the repeats${lines.some((line) => line.points.some((point) => point.receivedCi)) ? ', with error bars for the 95% interval of the mean (mostly narrower than the dot)' : ''}. A lossless network follows the dashed diagonal; a flat line is its ceiling.` },
    { id: id('max-speed'), title: `Max speed achieved${suffix}`, wide: false, svg: barChart(maxBars, { name: 'received (bit/s)', format: shortRate }),
      caption: 'The highest received rate of each network over the UDP sweep, and the offered rate that reached it.' },
    { id: id('normalised'), title: `Normalised average transferred${suffix}`, wide: false, svg: barChart(shareBars, { name: 'received ÷ offered', format: (value) => `${value}%`, max: 100 }),
      caption: `Received ÷ offered, averaged over the sweep (received ÷ sent where the sender fell short of the offered rate).${leftOut.length ? ` Leaves out ${leftOut.join(', ')}: not every network has a measurement there.` : ''}` },
    { id: id('loss'), title: `Loss vs offered${suffix}`, wide: false, svg: lossChart(lines),
      caption: 'Datagrams lost on the way, as a share of those sent: by the network, or at the receiving socket where the measurements mark ◆.' },
    { id: id('jitter'), title: `Jitter vs offered${suffix}`, wide: false, svg: jitterChart(lines),
      caption: 'Variation in transit time (RFC 3550), as the receiver measured it.' },
  ]
}

function setupChart(suite: SuiteResult, colours: Map<string, string>): ChartView[] {
  const timed = suite.networks.filter((network) => network.setupMs !== null)
  // Host networking installs nothing: a chart of zeros says nothing.
  if (!timed.some((network) => network.setupMs! > 0)) return []
  const bars: Bar[] = timed.map((network) => ({ network: network.name, colour: colours.get(network.name) ?? '#7F7F7F', value: network.setupMs! / 1000, label: formatMs(network.setupMs!) }))
  return [{
    id: 'setup', title: 'Setup time', wide: false, svg: barChart(bars, { name: 'seconds', format: (value) => `${value}s` }),
    caption: 'From installing the network to every endpoint being reachable.',
  }]
}

/** `zones`, or `zones via service` on a Service path. */
export const sweepKey = (point: PointResult) => point.via ? `${point.between} via ${point.via}` : point.between

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>()
  for (const item of items) groups.set(key(item), [...groups.get(key(item)) ?? [], item])
  return [...groups.values()]
}

/** The charts a suite has data for, by section, in reading order. */
export interface SuiteCharts {
  /** The UDP sweep at fixed offered rates: a set per placement, so no line joins different measurements. */
  udp: ChartView[]
  /** One chart per TCP variant. */
  tcp: ChartView[]
  setup: ChartView[]
}

export function suiteCharts(suite: SuiteResult, networks: ReadonlyArray<{ name: string; colour: string }>): SuiteCharts {
  const colours = new Map(networks.map((network) => [network.name, network.colour]))
  // A max-rate search has no offered rate: it has its own section. Pairs offer their rate each, so
  // their aggregate is no point of the one-pair sweep: they show in the points table.
  // A set per placement and path: a Service path's sweep beside the pod path's, not on its lines.
  const sweeps = groupBy(suite.points.filter((point) => point.step === 'udp' && point.bitrateBps !== null && !point.pairs), sweepKey)
  return {
    udp: sweeps.flatMap((udp) => udpCharts(suite, networks, udp, sweeps.length > 1 ? ` — between ${sweepKey(udp[0]!)}` : '')),
    tcp: tcpCharts(networks, suite.points),
    setup: setupChart(suite, colours),
  }
}
