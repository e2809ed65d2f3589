import { axisStyle, INK, MUTED, renderChart } from './svg.ts'

/** One bar per network. */
export interface Bar {
  network: string
  colour: string
  value: number | null
  /** The text above the bar, e.g. `442 Mbit/s at 1G`. */
  label: string
}

const HALF = { width: 510, height: 340 }

function categoryAxis(bars: readonly Bar[]) {
  return {
    ...axisStyle(''),
    type: 'category' as const,
    data: bars.map((bar) => bar.value === null ? `${bar.network} (no data)` : bar.network),
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
      label: { show: true, position: 'top', color: INK, fontSize: 11, formatter: (item: { dataIndex: number }) => bars[item.dataIndex]!.label },
      data: bars.map((bar) => ({ value: bar.value, itemStyle: { color: bar.colour, borderRadius: [3, 3, 0, 0] } })),
    }],
  }, HALF)
}

/**
 * TCP throughput bars, each network's retransmits printed under its name: one axis to read, and
 * the two numbers a reviewer weighs together sit together.
 */
export function tcpChart(bars: readonly Bar[], retransmits: ReadonlyArray<number | null>, format: (value: number) => string): string {
  const names = bars.map((bar, index) => `${bar.network}\n${retransmits[index] === null || retransmits[index] === undefined ? '—' : retransmits[index]} retr.`)
  return renderChart({
    grid: { left: 72, right: 16, top: 36, bottom: 52 },
    xAxis: { ...categoryAxis(bars), data: names, axisLabel: { color: INK, fontSize: 12, interval: 0, lineHeight: 16 } },
    yAxis: { ...axisStyle('throughput (bit/s)'), type: 'value', min: 0, nameGap: 52, axisLabel: { color: MUTED, formatter: format } },
    series: [{
      type: 'bar', barMaxWidth: 56, emphasis: { disabled: true },
      label: { show: true, position: 'top', color: INK, fontSize: 11, formatter: (item: { dataIndex: number }) => bars[item.dataIndex]!.label },
      data: bars.map((bar) => ({ value: bar.value, itemStyle: { color: bar.colour, borderRadius: [3, 3, 0, 0] } })),
    }],
  }, HALF)
}
