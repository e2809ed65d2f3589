import { formatMs } from '../../../src/units.ts'
import { decades } from './sweep.ts'
import type { LineSeriesOption } from 'echarts'
import { axisStyle, MUTED, renderChart } from './svg.ts'

/** One network's round-trip times, sorted ascending. */
export interface RttLine {
  network: string
  colour: string
  sorted: readonly number[]
}

const WIDE = { width: 1040, height: 360 }
/** A CDF needs no more points than the chart has pixels across: longer runs are sampled evenly. */
const MAX_POINTS = 400

/** `[rtt, % of replies at or below it]`, sampled to at most MAX_POINTS, always keeping both ends. */
function cdf(sorted: readonly number[]): Array<[number, number]> {
  const n = sorted.length
  const steps = Math.min(n, MAX_POINTS)
  const points: Array<[number, number]> = []
  for (let k = 0; k < steps; k++) {
    const index = steps === 1 ? n - 1 : Math.round((k * (n - 1)) / (steps - 1))
    points.push([sorted[index]!, ((index + 1) / n) * 100])
  }
  return points
}

/**
 * The distribution of every echo reply's round-trip time as a CDF per network: the further left, the
 * faster; a long flat tail to the right is jitter. Log axis when the times span more than a decade.
 */
export function rttCdfChart(lines: readonly RttLine[]): string {
  const all = lines.flatMap((line) => line.sorted.length ? [line.sorted[0]!, line.sorted[line.sorted.length - 1]!] : [])
  const low = Math.min(...all)
  const high = Math.max(...all)
  const log = low > 0 && high / low > 10
  const xAxis = log
    ? { ...axisStyle('round-trip time (log scale)'), type: 'log' as const, logBase: 10, ...decades(all) }
    : { ...axisStyle('round-trip time'), type: 'value' as const, scale: true }
  return renderChart({
    grid: { left: 64, right: 40, top: 20, bottom: 56 },
    xAxis: { ...xAxis, nameGap: 28, axisLabel: { color: MUTED, formatter: (value: number) => formatMs(value) }, splitLine: { show: true, lineStyle: { color: '#eef0f2' } } },
    yAxis: { ...axisStyle('replies at or below (%)'), type: 'value', min: 0, max: 100, interval: 25, nameGap: 42, axisLabel: { color: MUTED, formatter: (value: number) => `${value}%` } },
    series: lines.map((line, index): LineSeriesOption => ({
      name: line.network, type: 'line' as const, step: 'end' as const, symbol: 'none', color: line.colour, lineStyle: { width: 2.2 }, emphasis: { disabled: true },
      data: cdf(line.sorted),
      // The median and p99 read off where each curve crosses these.
      ...index === 0 ? {
        markLine: {
          silent: true, symbol: 'none', lineStyle: { color: '#9aa5b1', type: 'dotted' as const, width: 1.2 },
          label: { position: 'insideStartTop', color: MUTED, fontSize: 11, formatter: (item) => Number(item.value) === 50 ? 'median' : 'p99' },
          data: [{ yAxis: 50 }, { yAxis: 99 }],
        },
      } : {},
    })),
  }, WIDE)
}
