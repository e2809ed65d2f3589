import type { SearchSummary } from '../../../src/results/types.ts'
import { formatBitrate } from '../../../src/units.ts'
import { decades } from './sweep.ts'
import { axisStyle, legendStyle, MUTED, renderChart, type ChartOption } from './svg.ts'

/** One network's max-rate search. */
export interface SearchLine {
  network: string
  colour: string
  search: SearchSummary
}

const HALF = { width: 510, height: 340 }
const HOLLOW = 'rgba(0,0,0,0)'

/** The three kinds of probe, each a marker a reader can tell apart without colour. */
const KINDS = [
  { name: 'passed', symbol: 'circle', size: 8, hollow: false, test: (probe: SearchSummary['probes'][number]) => probe.passed },
  { name: 'failed: loss', symbol: 'circle', size: 10, hollow: true, test: (probe: SearchSummary['probes'][number]) => !probe.passed && probe.reason !== 'sender' },
  { name: 'failed: sender short', symbol: 'triangle', size: 12, hollow: true, test: (probe: SearchSummary['probes'][number]) => !probe.passed && probe.reason === 'sender' },
] as const

/**
 * Every probe of every search, received against offered on log–log axes: passing probes sit on
 * the diagonal, failing ones bend away from it, and a dashed line marks the rate each search found.
 */
export function probesChart(lines: readonly SearchLine[]): string {
  const probes = lines.flatMap((line) => line.search.probes)
  const x = decades(probes.map((probe) => probe.offeredBps))
  const y = decades([...probes.map((probe) => probe.receivedBps ?? 0), x.min])
  const end = Math.min(x.max, y.max)
  // The diagonal, unlabelled (the caption names it): the chart is too narrow for a label at its end.
  const series: NonNullable<ChartOption['series']> = [{ type: 'line', symbol: 'none', silent: true, color: '#7b8794', z: 1, lineStyle: { type: 'dashed', width: 1.5 }, data: [[x.min, x.min], [end, end]] }]
  const present = new Set<string>()
  for (const line of lines) {
    for (const kind of KINDS) {
      const data = line.search.probes.filter((probe) => kind.test(probe) && probe.receivedBps !== null && probe.receivedBps > 0).map((probe) => [probe.offeredBps, probe.receivedBps])
      if (!data.length) continue
      present.add(kind.name)
      const found = kind.name === 'passed' && line.search.maxRateBps !== null
      series.push({
        name: kind.name, type: 'scatter', symbol: kind.symbol, symbolSize: kind.size, z: 4, emphasis: { disabled: true },
        itemStyle: kind.hollow ? { color: HOLLOW, borderColor: line.colour, borderWidth: 1.8 } : { color: line.colour },
        data,
        ...found ? { markLine: { silent: true, symbol: 'none', label: { show: false }, lineStyle: { color: line.colour, type: 'dashed', width: 1.2 }, data: [{ xAxis: line.search.maxRateBps! }] } } : {},
      })
    }
  }
  const legend = KINDS.filter((kind) => present.has(kind.name)).map((kind) => ({
    name: kind.name, icon: kind.symbol, itemStyle: kind.hollow ? { color: HOLLOW, borderColor: MUTED, borderWidth: 1.6 } : { color: MUTED },
  }))
  return renderChart({
    legend: { ...legendStyle, itemWidth: 12, itemHeight: 12, textStyle: { ...legendStyle.textStyle, fontSize: 11 }, data: legend },
    grid: { left: 64, right: 28, top: 52, bottom: 56 },
    xAxis: { ...axisStyle('offered (bit/s, log scale)'), type: 'log', logBase: 10, ...x, nameGap: 28, axisLabel: { color: MUTED, formatter: (value: number) => formatBitrate(value) }, splitLine: { show: true, lineStyle: { color: '#eef0f2' } } },
    yAxis: { ...axisStyle('received (bit/s, log scale)'), type: 'log', logBase: 10, ...y, nameGap: 44, axisLabel: { color: MUTED, formatter: (value: number) => formatBitrate(value) } },
    series,
  }, HALF)
}
