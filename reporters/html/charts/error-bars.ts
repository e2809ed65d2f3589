import type { CustomSeriesOption, CustomSeriesRenderItemAPI, CustomSeriesRenderItemParams, CustomSeriesRenderItemReturn } from 'echarts'
import { FONT, INK } from './svg.ts'

/** A value's 95% interval, drawn as an I-beam: `[x, low, high]`, x a category index or an axis value. */
export type Interval = [number, number, number]

/** Text to print above an error bar, instead of on the bar it would collide with. */
export interface BarLabel {
  text: string
  /** Where the text sits: above the higher of the interval's top and this value. */
  value: number
}

/**
 * Error bars as an ECharts custom series: a vertical line from low to high with a cap at each end,
 * and optionally each one's label above it. Drawn on the server like the rest of the chart; empty
 * when no interval is given.
 */
export function errorBarSeries(intervals: readonly Interval[], options: { colour?: string; cap?: number; labels?: readonly BarLabel[]; clip?: boolean } = {}): CustomSeriesOption[] {
  if (!intervals.length) return []
  const stroke = { stroke: options.colour ?? INK, lineWidth: 1.4, fill: 'none' }
  const cap = options.cap ?? 6
  return [{
    name: '95% interval',
    type: 'custom',
    silent: true,
    clip: options.clip ?? false,
    z: 6,
    encode: { x: 0, y: [1, 2] },
    data: intervals.map((interval) => [...interval]),
    renderItem: (params: CustomSeriesRenderItemParams, api: CustomSeriesRenderItemAPI) => {
      const [lowX, lowY] = api.coord([api.value(0), api.value(1)]) as [number, number]
      const [highX, highY] = api.coord([api.value(0), api.value(2)]) as [number, number]
      const line = (x1: number, y1: number, x2: number, y2: number) => ({ type: 'line' as const, shape: { x1, y1, x2, y2 }, style: stroke })
      const children: object[] = [
        line(lowX, lowY, highX, highY),
        line(lowX - cap, lowY, lowX + cap, lowY),
        line(highX - cap, highY, highX + cap, highY),
      ]
      const label = options.labels?.[params.dataIndex]
      if (label) {
        const [, valueY] = api.coord([api.value(0), label.value]) as [number, number]
        children.push({ type: 'text', x: highX, y: Math.min(highY, valueY) - 4, style: { text: label.text, fill: INK, fontSize: 11, fontFamily: FONT, align: 'center', verticalAlign: 'bottom' } })
      }
      return { type: 'group', children } as CustomSeriesRenderItemReturn
    },
  }]
}
