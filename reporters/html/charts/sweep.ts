import { formatBitrate, formatMs, trimNumber } from '../../../src/units.ts'
import { errorBarSeries, type Interval } from './error-bars.ts'
import { axisStyle, legendStyle, MUTED, renderChart, type ChartOption } from './svg.ts'

/** One network's UDP sweep: medians per offered rate. */
export interface SweepLine {
  network: string
  colour: string
  points: Array<{ offered: number; received: number | null; loss: number | null; jitter: number | null; senderLimited: boolean; heldByLink?: boolean; receivedCi?: [number, number] | null }>
}

const WIDE = { width: 1040, height: 420 }
const HALF = { width: 510, height: 340 }
const SENDER_LIMITED = 'sender-limited (sender < 95% of offered)'

/** The decades around the values, so a log axis spends no room on empty decades. */
export function decades(values: readonly number[]): { min: number; max: number } {
  const positive = values.filter((value) => value > 0)
  // A hair of slack, so 999.9 Kbit/s received at 1M offered does not open a whole empty decade.
  return { min: 10 ** Math.floor(Math.log10(Math.min(...positive)) + 0.01), max: 10 ** Math.ceil(Math.log10(Math.max(...positive)) - 0.01) }
}

const offeredAxis = (lines: readonly SweepLine[]) => ({
  ...axisStyle('offered rate (bit/s, log scale)'),
  type: 'log' as const,
  logBase: 10,
  ...decades(lines.flatMap((line) => line.points.map((point) => point.offered))),
  nameGap: 28,
  axisLabel: { ...axisStyle('').axisLabel as object, formatter: (value: number) => formatBitrate(value) },
  splitLine: { show: true, lineStyle: { color: '#eef0f2' } },
})

function networkSeries(lines: readonly SweepLine[], pick: (point: SweepLine['points'][number]) => number | null, positiveOnly: boolean): ChartOption['series'] {
  return lines.map((line) => ({
    name: line.network,
    type: 'line' as const,
    color: line.colour,
    symbol: 'circle',
    symbolSize: 7,
    lineStyle: { width: 2.5 },
    emphasis: { disabled: true },
    data: line.points.map((point) => {
      const value = pick(point)
      return [point.offered, value === null || (positiveOnly && value <= 0) ? null : value]
    }),
  }))
}

const HELD_BY_LINK = 'held by the link (it pushed back on the sender)'
const hollow = { color: 'rgba(0,0,0,0)', borderColor: '#111', borderWidth: 1.6 }

/**
 * Hollow triangles around the points whose sender fell short: ▲ its gap is the host's, not the
 * network's; ▼ the link's shaper held it back instead of dropping.
 */
function senderLimitedSeries(lines: readonly SweepLine[], pick: (point: SweepLine['points'][number]) => number | null) {
  const marked = (held: boolean) => lines.flatMap((line) => line.points.filter((point) => (held ? point.heldByLink : point.senderLimited) && pick(point) !== null).map((point) => [point.offered, pick(point)]))
  const series = (name: string, rotate: number, data: Array<Array<number | null>>) => data.length ? [{ name, type: 'scatter' as const, symbol: 'triangle', symbolRotate: rotate, symbolSize: 16, z: 5, emphasis: { disabled: true }, itemStyle: hollow, data }] : []
  return [...series(SENDER_LIMITED, 0, marked(false)), ...series(HELD_BY_LINK, 180, marked(true))]
}

/** A reference line labelled at its right end, instead of a legend entry to decode. */
export function guide(label: string, from: [number, number], to: [number, number], type: 'dashed' | 'dotted') {
  return {
    name: label, type: 'line' as const, symbol: 'none', silent: true, color: '#7b8794', z: 1, lineStyle: { type, width: 1.5 },
    endLabel: { show: true, formatter: label, color: MUTED, fontSize: 11, distance: 14 },
    data: [from, to],
  }
}

function legendOf(lines: readonly SweepLine[]) {
  const has = (test: (point: SweepLine['points'][number]) => boolean | undefined) => lines.some((line) => line.points.some(test))
  const data = [
    ...has((point) => point.senderLimited) ? [{ name: SENDER_LIMITED, icon: 'triangle', itemStyle: hollow }] : [],
    ...has((point) => point.heldByLink) ? [{ name: HELD_BY_LINK, icon: 'path://M0,0 L10,0 L5,10 Z', itemStyle: hollow }] : [],
  ]
  return data.length ? { ...legendStyle, itemGap: 44, data } : { show: false }
}

/** Received vs offered on log–log axes: a lossless network follows the dashed diagonal. */
export function receivedChart(lines: readonly SweepLine[], uplinkBps: number | null, uplinkLabel: string): string {
  // The guides span the whole axis, so their labels sit right of the data, not on it.
  const { min, max } = decades(lines.flatMap((line) => line.points.map((point) => point.offered)))
  const y = decades([...lines.flatMap((line) => line.points.map((point) => point.received ?? 0)), min, uplinkBps ?? 0])
  const diagonalEnd = Math.min(max, y.max)
  const series: NonNullable<ChartOption['series']> = [
    guide('received = offered', [min, min], [diagonalEnd, diagonalEnd], 'dashed'),
    ...networkSeries(lines, (point) => point.received, true) as object[],
    ...senderLimitedSeries(lines, (point) => point.received),
    // Each network's 95% intervals over the repeats, in its colour (on a log axis, positive only).
    ...lines.flatMap((line) => errorBarSeries(line.points.flatMap((point): Interval[] => point.receivedCi && point.received && point.receivedCi[0] > 0 ? [[point.offered, point.receivedCi[0], point.receivedCi[1]]] : []), { colour: line.colour, cap: 4, clip: true })),
  ]
  if (uplinkBps) series.push(guide(`uplink ${uplinkLabel}`, [min, uplinkBps], [max, uplinkBps], 'dotted'))
  return renderChart({
    legend: legendOf(lines),
    grid: { left: 78, right: 190, top: 40, bottom: 56 },
    xAxis: offeredAxis(lines),
    yAxis: { ...axisStyle('received (bit/s, log scale)'), type: 'log', logBase: 10, ...y, nameGap: 56, axisLabel: { color: MUTED, formatter: (value: number) => formatBitrate(value) } },
    series,
  }, WIDE)
}

/** Loss % vs offered: where each network starts dropping. */
export function lossChart(lines: readonly SweepLine[]): string {
  const worst = Math.max(0, ...lines.flatMap((line) => line.points.map((point) => point.loss ?? 0)))
  return renderChart({
    legend: legendOf(lines),
    grid: { left: 64, right: 20, top: 36, bottom: 56 },
    xAxis: offeredAxis(lines),
    // A lossless sweep still gets a readable 0–1% axis; past half the datagrams, show the whole 0–100%.
    yAxis: { ...axisStyle('loss (%)'), type: 'value', min: 0, max: worst > 50 ? 100 : worst < 1 ? 1 : undefined, nameGap: 40, axisLabel: { color: MUTED, formatter: (value: number) => `${trimNumber(value, 1)}%` } },
    series: [...networkSeries(lines, (point) => point.loss, false) as object[], ...senderLimitedSeries(lines, (point) => point.loss)],
  }, HALF)
}

/** Jitter vs offered: queueing shows up here before it shows up as loss. */
export function jitterChart(lines: readonly SweepLine[]): string {
  return renderChart({
    grid: { left: 64, right: 20, top: 36, bottom: 56 },
    xAxis: offeredAxis(lines),
    yAxis: { ...axisStyle('jitter'), type: 'value', min: 0, nameGap: 46, axisLabel: { color: MUTED, formatter: (value: number) => formatMs(value) } },
    series: networkSeries(lines, (point) => point.jitter, false),
  }, HALF)
}
