import { formatRate } from '../../../src/units.ts'
import { errorBarSeries, type Interval } from './error-bars.ts'
import { axisStyle, INK, MUTED, renderChart } from './svg.ts'

/** One bar per network. */
export interface Bar {
  network: string
  colour: string
  value: number | null
  /** The text above the bar, e.g. `442 Mbit/s at 1G`. */
  label: string
  /** The 95% interval of the mean over the repeats, drawn as an error bar. */
  ci?: [number, number] | null
  /** Drawn pale with a dashed outline: a value the network did not set (e.g. the sender ran short). */
  faded?: boolean
  /** Shown instead of `(no data)` under a bar without a value. */
  missing?: string
}

/** `432 Mbit/s`, `99.9 Mbit/s`, `1.21 Gbit/s`: three significant digits fit above a bar. */
export function compactRate(bps: number): string {
  if (bps >= 1e9) return `${(bps / 1e9).toPrecision(3)} Gbit/s`
  if (bps >= 1e6) return `${(bps / 1e6).toPrecision(3)} Mbit/s`
  return formatRate(bps)
}

const HALF = { width: 510, height: 340 }

/** `#0072B2` at a quarter strength: `rgba(0,114,178,0.25)`. */
export function fade(hex: string, alpha = 0.25): string {
  const [r, g, b] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16))
  return `rgba(${r},${g},${b},${alpha})`
}

const barItem = (bar: Bar) => ({
  value: bar.value,
  itemStyle: bar.faded
    ? { color: fade(bar.colour), borderColor: bar.colour, borderWidth: 1.5, borderType: 'dashed' as const, borderRadius: [3, 3, 0, 0] }
    : { color: bar.colour, borderRadius: [3, 3, 0, 0] },
})

const hasInterval = (bar: Bar) => Boolean(bar.ci && bar.value !== null)

/** The error bars, each with its bar's label on top: a label on the bar would sit on the bar's cap. */
function errorBars(bars: readonly Bar[]) {
  const shown = bars.map((bar, index) => ({ bar, index })).filter(({ bar }) => hasInterval(bar))
  return errorBarSeries(shown.map(({ bar, index }): Interval => [index, bar.ci![0], bar.ci![1]]), { labels: shown.map(({ bar }) => ({ text: bar.label, value: bar.value! })) })
}

const labelOf = (bars: readonly Bar[]) => (item: { dataIndex: number }) => hasInterval(bars[item.dataIndex]!) ? '' : bars[item.dataIndex]!.label

function categoryAxis(bars: readonly Bar[]) {
  return {
    ...axisStyle(''),
    type: 'category' as const,
    data: bars.map((bar) => bar.value === null ? `${bar.network} (${bar.missing ?? 'no data'})` : bar.network),
    axisTick: { show: false },
    axisLabel: { color: INK, fontSize: 12, interval: 0, rotate: bars.length > 6 ? 30 : 0 },
  }
}

/** Bars with their value printed on top: the study's "max speed" and "normalised average" charts. */
export function barChart(bars: readonly Bar[], axis: { name: string; format: (value: number) => string; max?: number }): string {
  return renderChart({
    // Room above the tallest bar for its two-line label.
    grid: { left: 72, right: 16, top: 44, bottom: 44 },
    xAxis: categoryAxis(bars),
    yAxis: { ...axisStyle(axis.name), type: 'value', min: 0, max: axis.max, nameGap: 52, axisLabel: { color: MUTED, formatter: axis.format } },
    series: [{
      type: 'bar',
      barMaxWidth: 56,
      emphasis: { disabled: true },
      label: { show: true, position: 'top', color: INK, fontSize: 11, formatter: labelOf(bars) },
      data: bars.map(barItem),
    }, ...errorBars(bars)],
  }, HALF)
}

/**
 * TCP throughput bars, each network's retransmits printed under its name: one axis to read, and
 * the two numbers a reviewer weighs together sit together.
 */
export function tcpChart(bars: readonly Bar[], retransmits: ReadonlyArray<number | null>, format: (value: number) => string): string {
  const names = bars.map((bar, index) => `${bar.network}\n${bar.value === null ? `(${bar.missing ?? 'no data'})` : `${retransmits[index] ?? '—'} retr.`}`)
  return renderChart({
    grid: { left: 72, right: 16, top: 36, bottom: 52 },
    xAxis: { ...categoryAxis(bars), data: names, axisLabel: { color: INK, fontSize: 12, interval: 0, lineHeight: 16 } },
    yAxis: { ...axisStyle('throughput (bit/s)'), type: 'value', min: 0, nameGap: 52, axisLabel: { color: MUTED, formatter: format } },
    series: [{
      type: 'bar', barMaxWidth: 56, emphasis: { disabled: true },
      label: { show: true, position: 'top', color: INK, fontSize: 11, formatter: labelOf(bars) },
      data: bars.map(barItem),
    }, ...errorBars(bars)],
  }, HALF)
}
