import { createRequire } from 'node:module'
import type * as Echarts from 'echarts'

// The single-file CommonJS build loads in a third of the time the ESM tree of modules takes.
const echarts = createRequire(import.meta.url)('echarts') as typeof Echarts

export type ChartOption = Echarts.EChartsOption

/** The report's font stack: the reader's system fonts, nothing fetched. */
export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
export const INK = '#1f2933'
export const MUTED = '#52606d'
export const GRID_LINE = '#e4e7eb'

/**
 * Colour-blind-safe (Okabe–Ito, without its yellow, which vanishes on white), then two darker
 * extras. A network keeps its colour in every chart of a report.
 */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#6B4C9A', '#7F7F7F']

export function colourOf(index: number): string {
  return PALETTE[index % PALETTE.length]!
}

export interface ChartSize {
  width: number
  height: number
}

/**
 * Renders an ECharts option to an SVG string on the server (no DOM). Animation and hover effects
 * are off: the picture is static, and a hover colour would only suggest a tooltip that is not there.
 */
export function renderChart(option: ChartOption, size: ChartSize): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height })
  try {
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: FONT, color: INK },
      ...option,
    })
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}

/** Axis styling shared by every chart: quiet lines, readable labels, the unit in the name. */
export function axisStyle(name: string): Record<string, unknown> {
  return {
    name,
    nameLocation: 'middle',
    nameTextStyle: { color: MUTED, fontSize: 12 },
    axisLine: { lineStyle: { color: '#9aa5b1' } },
    axisLabel: { color: MUTED, fontSize: 11 },
    splitLine: { lineStyle: { color: GRID_LINE } },
  }
}

export const legendStyle = { top: 0, left: 'center', itemGap: 14, textStyle: { color: INK, fontSize: 12 } } as const
