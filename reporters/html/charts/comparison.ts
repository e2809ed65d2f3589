import { describeDelta } from '../../../src/results/compare.ts'
import type { ChangeVerdict, Comparison } from '../../../src/results/types.ts'
import { axisStyle, INK, MUTED, renderChart } from './svg.ts'

const COLOURS: Record<ChangeVerdict, string> = { regression: '#b42318', improvement: '#1a7f37', unchanged: '#9aa5b1', noise: '#9aa5b1', missing: '#d0d7de' }

/** Horizontal bars of the throughput change per point, coloured by verdict; empty when nothing compares. */
export function comparisonChart(comparison: Comparison): string {
  const rows = comparison.points.flatMap((point) => {
    const throughput = point.metrics.find((metric) => metric.metric === 'throughput')
    // Coloured by the throughput verdict, not the point's: the bar shows throughput only.
    return throughput?.deltaPercent !== null && throughput?.deltaPercent !== undefined
      ? [{ label: `${point.network} › ${point.label}`, value: throughput.deltaPercent, text: describeDelta(throughput), colour: COLOURS[throughput.verdict] }]
      : []
  })
  if (!rows.length) return ''
  // Symmetric, in steps of 5%, and never narrower than twice the tolerance, so small noise looks small.
  const reach = Math.ceil(Math.max(comparison.tolerance.percent * 2, ...rows.map((row) => Math.abs(row.value))) / 5) * 5
  return renderChart({
    grid: { left: 170, right: 60, top: 16, bottom: 44 },
    xAxis: { ...axisStyle('throughput change (%)'), type: 'value', min: -reach, max: reach, interval: reach / 4, nameGap: 28, axisLabel: { color: MUTED, formatter: (value: number) => `${value > 0 ? '+' : ''}${value}%` } },
    yAxis: { ...axisStyle(''), type: 'category', inverse: true, data: rows.map((row) => row.label), axisTick: { show: false }, axisLabel: { color: INK, fontSize: 11 } },
    series: [{
      type: 'bar', barMaxWidth: 16, emphasis: { disabled: true },
      label: { show: true, position: 'right', color: INK, fontSize: 11, formatter: (item: { dataIndex: number }) => rows[item.dataIndex]!.text },
      markLine: { silent: true, symbol: 'none', label: { show: false }, lineStyle: { color: '#b42318', type: 'dashed' }, data: [{ xAxis: -comparison.tolerance.percent }] },
      data: rows.map((row) => ({ value: row.value, itemStyle: { color: row.colour } })),
    }],
  }, { width: 1040, height: Math.max(160, 60 + rows.length * 22) })
}
