import { formatValue } from '../../src/results/format.ts'
import { describeOrder } from '../../src/results/order.ts'
import { nodeCpuCaption } from '../../src/results/node-cpu.ts'
import { networkWarnings, type ExpectationResult, type ExpectationStatus, type PointChange, type RunResult, type SuiteResult } from '../../src/results/types.ts'
import { formatMs, formatRate } from '../../src/units.ts'
import { colourOf } from './charts/svg.ts'
import { suiteCharts, type SuiteCharts } from './charts-view.ts'
import { comparisonView, regressionLines, type ComparisonView } from './comparison-view.ts'
import { latencySections, type LatencySection } from './latency-view.ts'
import { roundTripSections, type RoundTripSection } from './round-trip-view.ts'
import { pointRow, type NetworkPoints } from './points-view.ts'
import { policySection, type PolicyRow } from './policy-view.ts'
import { searchSections, type SearchSection } from './search-view.ts'
import { sweepTables, type SweepTable } from './sweep-table.ts'

export interface ExpectationRow {
  status: ExpectationStatus
  name: string
  text: string
  measured: string
  bound: string
  message: string
}

export interface NetworkInfo {
  name: string
  colour: string
  status: 'ok' | 'error'
  error: string | null
  setup: string
  info: string[]
}

export interface SuiteView {
  anchor: string
  name: string
  file: string
  status: SuiteResult['status']
  cluster: string
  /** `repeats interleaved: A, B, A, B …` or `sequential: A, then B`; empty for one network. */
  order: string
  /** `calico: between: zones pairs … different instance types …`: the networks' info.warnings. */
  warnings: string[]
  legend: Array<{ network: string; colour: string }>
  charts: SuiteCharts
  /** Max-rate searches and latency: each a section of its own, with charts and a table. */
  searches: SearchSection[]
  latency: LatencySection[]
  /** Request/response latency (sockperf): percentiles and transactions per second. */
  roundTrips: RoundTripSection[]
  /** Anything to draw: the legend of network colours is shown above it. */
  hasCharts: boolean
  counts: Record<ExpectationStatus, number>
  expectations: ExpectationRow[]
  networks: NetworkInfo[]
  infoColumns: string[]
  sweeps: SweepTable[]
  points: NetworkPoints[]
  senderLimited: number
  policies: { rows: PolicyRow[]; notes: string[] }
}

export interface ReportView {
  title: string
  status: RunResult['status']
  runId: string
  startedAt: string
  duration: string
  counts: Record<ExpectationStatus, number>
  environment: Array<{ label: string; value: string }>
  suites: SuiteView[]
  baseline: ComparisonView | null
  regressions: string[]
  version: string
}

const ORDER: Record<ExpectationStatus, number> = { failed: 0, error: 1, passed: 2, skipped: 3 }

function countOf(expectations: readonly ExpectationResult[]): Record<ExpectationStatus, number> {
  const counts = { passed: 0, failed: 0, error: 0, skipped: 0 }
  for (const expectation of expectations) counts[expectation.status]++
  return counts
}

/** Failures first, then errors, passes, skips; the suite's order within each. */
function expectationRows(expectations: readonly ExpectationResult[]): ExpectationRow[] {
  return [...expectations].sort((a, b) => ORDER[a.status] - ORDER[b.status]).map((expectation) => ({
    status: expectation.status,
    name: expectation.name,
    text: expectation.text,
    measured: formatValue(expectation.actual, expectation.unit),
    bound: formatValue(expectation.expected, expectation.unit),
    // The measured value and the bound have their own columns; keep what explains the bound.
    message: expectation.status === 'passed' || expectation.status === 'failed' ? expectation.needed ?? expectation.message ?? '' : expectation.message ?? '',
  }))
}

/** One line about where the suite ran; providers record different facts, so each part is optional. */
function clusterLine(suite: SuiteResult, provider: string): string {
  const cluster = suite.cluster as { provider?: string; nodes?: number; zones?: number; instance?: string | null; bandwidthBps?: number | null; context?: string | null; image?: string } | null
  if (!cluster) return ''
  const parts = [`${cluster.provider ?? provider} provider`]
  if (typeof cluster.nodes === 'number') parts.push(`${cluster.nodes} nodes${typeof cluster.zones === 'number' ? ` in ${cluster.zones} zones` : ''}`)
  if (cluster.bandwidthBps) parts.push(`uplinks shaped to ${formatRate(cluster.bandwidthBps)}${cluster.instance ? ` (${cluster.instance})` : ''}`)
  else if ('bandwidthBps' in cluster) parts.push('unshaped uplinks')
  if (cluster.context) parts.push(`context ${cluster.context}`)
  if (cluster.image) parts.push(cluster.image)
  return parts.join(' · ')
}

const show = (value: unknown) => value === null || value === undefined ? '—' : typeof value === 'object' ? JSON.stringify(value) : String(value)

function suiteView(suite: SuiteResult, index: number, result: RunResult): SuiteView {
  const names = [...new Set([...suite.networks.map((network) => network.name), ...suite.points.map((point) => point.network)])]
  const legend = names.map((network, position) => ({ network, colour: colourOf(position) }))
  const colour = new Map(legend.map((entry) => [entry.network, entry.colour]))
  const infoColumns = [...new Set(suite.networks.flatMap((network) => Object.keys(network.info)))]
  const changes = new Map<string, PointChange>((result.baseline?.points ?? []).filter((change) => change.suite === suite.name && change.presence !== 'baseline-only').map((change) => [`${change.network}|${change.label}`, change]))
  const points: NetworkPoints[] = names.map((network) => {
    const measured = suite.points.filter((point) => point.network === network)
    const rows = measured.map((point) => pointRow(point, result.baseline ? changes.get(`${point.network}|${point.label}`) : undefined))
    return { network, colour: colour.get(network)!, rows, nodeCpuCaption: nodeCpuCaption(measured) }
  }).filter((group) => group.rows.length)
  const charts = suiteCharts(suite, legend.map((entry) => ({ name: entry.network, colour: entry.colour })))
  const searches = searchSections(suite.points, legend)
  const latency = latencySections(suite.points, legend)
  const roundTrips = roundTripSections(suite.points, legend)
  return {
    anchor: `suite-${index + 1}`,
    name: suite.name,
    file: suite.file,
    status: suite.status,
    cluster: clusterLine(suite, result.environment.provider),
    order: describeOrder(suite.order, suite.networks.map((network) => network.name)) ?? '',
    warnings: suite.networks.flatMap((network) => networkWarnings(network).map((warning) => `${network.name}: ${warning}`)),
    legend,
    charts,
    searches,
    latency,
    roundTrips,
    hasCharts: charts.udp.length + charts.tcp.length + charts.setup.length + searches.length + latency.length + roundTrips.length > 0,
    counts: countOf(suite.expectations),
    expectations: expectationRows(suite.expectations),
    networks: suite.networks.map((network) => ({
      name: network.name, colour: colour.get(network.name)!, status: network.status, error: network.error,
      setup: network.setupMs === null ? '—' : formatMs(network.setupMs), info: infoColumns.map((key) => show(network.info[key])),
    })),
    infoColumns,
    sweeps: sweepTables(suite.points, legend),
    points,
    senderLimited: points.reduce((total, group) => total + group.rows.filter((row) => row.senderLimited).length, 0),
    policies: policySection(suite.policies),
  }
}

/** Everything the report template shows, as display strings: the template only lays it out. */
export function reportView(result: RunResult): ReportView {
  const env = result.environment
  const all = result.suites.flatMap((suite) => suite.expectations)
  const seconds = Math.round(result.durationMs / 1000)
  return {
    title: result.suites.length === 1 ? result.suites[0]!.name : `netbench: ${result.suites.length} suites`,
    status: result.status,
    runId: result.runId,
    startedAt: result.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC'),
    duration: seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`,
    counts: countOf(all),
    environment: [
      { label: 'netbench', value: env.netbenchVersion },
      { label: 'provider', value: env.provider },
      { label: 'kernel', value: env.kernel },
      { label: 'iperf3', value: env.iperf3 ?? 'not found' },
      { label: 'CPU', value: `${env.cpuModel} × ${env.cpuCount}` },
      { label: 'platform', value: `${env.platform}, Node ${env.node}` },
    ],
    suites: result.suites.map((suite, index) => suiteView(suite, index, result)),
    baseline: result.baseline ? comparisonView(result.baseline) : null,
    regressions: result.baseline ? regressionLines(result.baseline) : [],
    version: env.netbenchVersion,
  }
}
