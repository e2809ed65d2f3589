import { isSenderLimited } from '../../src/results/attribution.ts'
import { pairFigures } from '../../src/results/pairs.ts'
import type { Metrics } from '../../src/results/metrics.ts'
import { nodeCpuScopeText, type NodeCpuSummary } from '../../src/results/node-cpu.ts'
import { networkWarnings, type ExpectationResult, type PointResult, type RunResult, type ServicePath, type SuiteResult } from '../../src/results/types.ts'
import { policyCells } from '../policy-cells.ts'
import { openTag, xmlText } from './xml.ts'

const seconds = (ms: number) => (ms / 1000).toFixed(3)

/** What each metric is called in a property name, with its unit so CI dashboards can plot it. */
const METRIC_PROPERTIES: Array<[keyof Metrics, string]> = [
  ['throughputBps', 'throughput.bps'], ['senderBps', 'sender.bps'], ['lossPercent', 'loss.percent'], ['jitterMs', 'jitter.ms'],
  ['retransmits', 'retransmits'], ['cpuSenderPercent', 'cpu.sender.percent'], ['cpuReceiverPercent', 'cpu.receiver.percent'],
  ['cpuNodePercent', 'cpu.node.percent'], ['cpuNodePerGbps', 'cpu.node.per-gbps'],
]

interface Group {
  network: string | null
  expectations: ExpectationResult[]
  points: PointResult[]
}

/** One group per network (in the suite's order), plus one for expectations tied to no network. */
function groups(suite: SuiteResult): Group[] {
  const names = [...new Set([...suite.networks.map((network) => network.name), ...suite.points.map((point) => point.network), ...suite.expectations.flatMap((e) => e.network ? [e.network] : [])])]
  const result: Group[] = names.map((network) => ({
    network,
    expectations: suite.expectations.filter((e) => e.network === network),
    points: suite.points.filter((point) => point.network === network),
  }))
  const unbound = suite.expectations.filter((e) => e.network === null)
  if (unbound.length) result.push({ network: null, expectations: unbound, points: [] })
  return result
}

/** The node CPU split and whose it is: in the lab, the machine's, not a node's. */
function nodeCpuProperties(label: string, cpu: NodeCpuSummary): Array<[string, string | number]> {
  const round = (value: number) => Number(value.toPrecision(6))
  return [
    [`${label}.cpu.node.user.percent`, round(cpu.userPercent)], [`${label}.cpu.node.system.percent`, round(cpu.systemPercent)],
    [`${label}.cpu.node.softirq.percent`, round(cpu.softirqPercent)], [`${label}.cpu.node.scope`, cpu.scope], [`${label}.cpu.node.of`, nodeCpuScopeText(cpu)],
  ]
}

/** A request/response latency point: its round-trip percentiles and transactions per second. */
function roundTripProperties(point: PointResult): Array<[string, number]> {
  const figures = point.roundTrips
  if (!figures) return []
  const rtts = (['p50', 'p90', 'p99', 'p99.9'] as const).map((key): [string, number] => [`${point.label}.rtt.${key}.ms`, Number(figures.rttMs[key].toPrecision(10))])
  return [...rtts, [`${point.label}.tps`, Number(figures.transactionsPerSecond.toPrecision(10))]]
}

/** `pairs: N`: the count, the fairness index and each pair's median throughput (`<label>.pair2.throughput.bps`). */
function pairProperties(point: PointResult): Array<[string, string | number]> {
  if (!point.pairs) return []
  const lines: Array<[string, string | number]> = [[`${point.label}.pairs`, point.pairs]]
  if (typeof point.fairness === 'number') lines.push([`${point.label}.fairness`, Number(point.fairness.toPrecision(10))])
  pairFigures(point).forEach((pair, index) => {
    lines.push([`${point.label}.pair${index + 1}.ends`, `${pair.from} → ${pair.to}`])
    if (pair.throughputBps !== null) lines.push([`${point.label}.pair${index + 1}.throughput.bps`, Number(pair.throughputBps.toPrecision(10))])
  })
  return lines
}

/** A Service path: its route and the packets its DNAT translated, so CI can see the Service carried the traffic. */
function serviceProperties(label: string, service: ServicePath): Array<[string, string | number]> {
  return [[`${label}.service.route`, service.route], ...service.translatedPackets === null ? [] : [[`${label}.service.translated.packets`, service.translatedPackets] as [string, number]]]
}

function properties(suite: SuiteResult, group: Group): string[] {
  const lines: Array<[string, string | number]> = [['suite.file', suite.file]]
  if (group.network) lines.push(['network', group.network])
  const network = suite.networks.find((candidate) => candidate.name === group.network)
  if (network?.setupMs !== null && network?.setupMs !== undefined) lines.push(['setup.ms', network.setupMs])
  for (const [key, value] of Object.entries(network?.info ?? {})) lines.push([`info.${key}`, typeof value === 'object' ? JSON.stringify(value) : String(value)])
  for (const point of group.points) {
    if (point.status === 'error') lines.push([`${point.label}.error`, point.error ?? 'failed'])
    for (const [key, name] of METRIC_PROPERTIES) {
      const value = point.metrics[key]
      if (value != null && Number.isFinite(value)) lines.push([`${point.label}.${name}`, Number(value.toPrecision(10))])
    }
    if (point.nodeCpu) lines.push(...nodeCpuProperties(point.label, point.nodeCpu))
    if (isSenderLimited(point)) lines.push([`${point.label}.sender-limited`, 'true'])
    lines.push(...roundTripProperties(point), ...pairProperties(point))
    if (point.service) lines.push(...serviceProperties(point.label, point.service))
  }
  for (const policy of (suite.policies ?? []).filter((entry) => entry.network === group.network)) {
    const cells = policyCells(policy)
    const key = `policy.step${policy.stepIndex}`
    lines.push([`${key}.verdict`, policy.status], [`${key}.cells-as-expected`, `${cells.matched}/${cells.total}`])
    // Left to the CNI, so no failure: a property a CI dashboard can show.
    if (cells.implementationDefined) lines.push([`${key}.implementation-defined`, cells.implementationDefined], [`${key}.implementation-defined.reason`, cells.notes.join('; ')])
  }
  return lines.map(([name, value]) => `      ${openTag('property', { name, value }, true)}`)
}

function testcase(suite: SuiteResult, network: string | null, expectation: ExpectationResult, points: readonly PointResult[]): string {
  const point = points.find((candidate) => candidate.id === expectation.point)
  const step = point?.label ?? expectation.pointLabel ?? 'run'
  const classname = [suite.name, network, step].filter(Boolean).join(' › ')
  const time = point ? seconds(point.samples.reduce((total, sample) => total + sample.durationMs, 0)) : '0.000'
  const open = `    ${openTag('testcase', { name: expectation.text, classname, time })}`
  const message = expectation.message ?? ''
  switch (expectation.status) {
    case 'passed':
      return `${open}</testcase>`
    case 'failed':
      return `${open}\n      ${openTag('failure', { message, type: 'expectation' })}${xmlText(`${expectation.name}\n${message}`)}</failure>\n    </testcase>`
    case 'error':
      return `${open}\n      ${openTag('error', { message, type: 'measurement' })}${xmlText(`${expectation.name}\n${message}`)}</error>\n    </testcase>`
    case 'skipped':
      return `${open}\n      ${openTag('skipped', { message }, true)}\n    </testcase>`
  }
}

function testsuite(result: RunResult, suite: SuiteResult, group: Group, id: number): string {
  const count = (status: ExpectationResult['status']) => group.expectations.filter((e) => e.status === status).length
  const network = suite.networks.find((candidate) => candidate.name === group.network)
  const measuredMs = group.points.reduce((total, point) => total + point.samples.reduce((sum, sample) => sum + sample.durationMs, 0), 0) + (network?.setupMs ?? 0)
  const warnings = network ? networkWarnings(network).map((warning) => `warning: ${warning}`) : []
  const summary = group.points.map((point) => `${point.label}: ${point.status === 'error' ? `error: ${point.error}` : `${point.metrics.throughputBps ?? '—'} bit/s received${point.metrics.lossPercent === null ? '' : `, ${point.metrics.lossPercent}% loss`}`}`)
  return [
    `  ${openTag('testsuite', {
      name: [suite.name, group.network].filter(Boolean).join(' › '), package: 'netbench', id,
      timestamp: result.startedAt.slice(0, 19), hostname: 'localhost',
      tests: group.expectations.length, failures: count('failed'), errors: count('error'), skipped: count('skipped'), time: seconds(measuredMs),
    })}`,
    '    <properties>',
    ...properties(suite, group),
    '    </properties>',
    ...group.expectations.map((expectation) => testcase(suite, group.network, expectation, group.points)),
    `    <system-out>${xmlText([...summary, ...warnings].join('\n'))}</system-out>`,
    `    <system-err>${xmlText(network?.status === 'error' ? `network ${network.name} failed: ${network.error}` : '')}</system-err>`,
    '  </testsuite>',
  ].join('\n')
}

/**
 * JUnit XML for CI gates: one <testsuite> per suite and network, one <testcase> per expectation,
 * the measured metrics as <properties>. The layout is Ant's, which every CI server reads.
 */
export function renderJunit(result: RunResult): string {
  const all = result.suites.flatMap((suite) => suite.expectations)
  const count = (status: ExpectationResult['status']) => all.filter((e) => e.status === status).length
  let id = 0
  const suites = result.suites.flatMap((suite) => groups(suite).map((group) => testsuite(result, suite, group, id++)))
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    openTag('testsuites', { name: 'netbench', tests: all.length, failures: count('failed'), errors: count('error'), skipped: count('skipped'), time: seconds(result.durationMs) }),
    ...suites,
    '</testsuites>',
    '',
  ].join('\n')
}
