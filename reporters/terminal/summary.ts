import pc from 'picocolors'
import { formatValue } from '../../src/results/format.ts'
import { networkWarnings, type ExpectationResult, type RunResult, type SuiteResult } from '../../src/results/types.ts'
import { describeOrder } from '../../src/results/order.ts'
import { formatRate, trimNumber } from '../../src/units.ts'
import { latencyTable, policyTable, roundTripTable, searchTable, tcpTable, udpTable } from './tables.ts'

const marks: Record<ExpectationResult['status'], string> = {
  passed: pc.green('✓'), failed: pc.red('✗'), error: pc.magenta('!'), skipped: pc.dim('-'),
}

function expectationLine(expectation: ExpectationResult): string {
  const detail = expectation.status === 'skipped' ? pc.dim('skipped')
    : expectation.status === 'error' ? pc.magenta(`error: ${expectation.message ?? ''}`)
    : expectation.actual !== null
      ? `${formatValue(expectation.actual, expectation.unit)}  ${pc.dim(expectation.needed ?? expectation.message ?? '')}`
      : expectation.message ?? ''
  return `  ${marks[expectation.status]} ${expectation.name}  ${detail}`
}

/** kube/k3s: which context (server version) and which CNI each network ran on. */
function kubeClusterLine(suite: SuiteResult, cluster: { provider?: string; nodes?: number; zones?: number; image?: string }): string {
  const info = (network: SuiteResult['networks'][number]) => network.info as { context?: string; server?: string | null; cni?: string; cniVersion?: string | null; mtu?: number }
  const ok = suite.networks.filter((network) => network.status === 'ok')
  const where = cluster.provider === 'k3s'
    ? `k3s: ${cluster.nodes} nodes in ${cluster.zones} zones per cluster (${cluster.image})`
    : `kube: ${[...new Set(ok.map((network) => `context ${info(network).context}${info(network).server ? ` (${info(network).server})` : ''}`))].join(', ') || 'no network came up'}`
  const networks = ok.map((network) => `${network.name}: ${info(network).cni ?? '?'}${info(network).cniVersion ? ` ${info(network).cniVersion}` : ''}, MTU ${info(network).mtu ?? '?'}`)
  return [where, ...networks].join('; ')
}

function suiteSection(suite: SuiteResult): string {
  // A file titled by its path (an imperative file without one describe) shows the path once.
  const lines = [``, suite.file.endsWith(suite.name) ? pc.bold(suite.name) : `${pc.bold(suite.name)}  ${pc.dim(suite.file)}`]
  const cluster = suite.cluster as { provider?: string; nodes?: number; zones?: number; instance?: string | null; bandwidthBps?: number | null; image?: string } | null
  if (cluster?.provider === 'kube' || cluster?.provider === 'k3s') {
    lines.push(pc.dim(kubeClusterLine(suite, cluster)))
  } else if (cluster) {
    const shaping = cluster.bandwidthBps ? `uplinks ${formatRate(cluster.bandwidthBps)}${cluster.instance ? ` (${cluster.instance})` : ''}` : 'unshaped uplinks'
    lines.push(pc.dim(`local lab: ${cluster.nodes} nodes in ${cluster.zones} zones, ${shaping}`))
  }
  const order = describeOrder(suite.order, suite.networks.map((network) => network.name))
  if (order) lines.push(pc.dim(order))
  for (const network of suite.networks.filter((n) => n.status === 'error')) lines.push(pc.red(`  network ${network.name} failed: ${network.error}`))
  for (const network of suite.networks) lines.push(...networkWarnings(network).map((warning) => pc.yellow(`  warning: ${network.name}: ${warning}`)))
  const udp = suite.points.filter((point) => point.step === 'udp' && !point.search)
  const searches = suite.points.filter((point) => point.search)
  const tcp = suite.points.filter((point) => point.step === 'tcp')
  const latency = suite.points.filter((point) => point.step === 'latency' && !point.protocol)
  const roundTrips = suite.points.filter((point) => point.step === 'latency' && point.protocol)
  if (udp.length) lines.push('', udpTable(udp))
  if (searches.length) lines.push('', searchTable(searches))
  if (tcp.length) lines.push('', tcpTable(tcp))
  if (latency.length) lines.push('', latencyTable(latency))
  if (roundTrips.length) lines.push('', roundTripTable(roundTrips))
  if (suite.policies?.length) lines.push('', policyTable(suite.policies))
  if (suite.expectations.length) {
    lines.push('')
    const order: Record<ExpectationResult['status'], number> = { failed: 0, error: 1, passed: 2, skipped: 3 }
    const sorted = [...suite.expectations].sort((a, b) => order[a.status] - order[b.status])
    lines.push(...sorted.map(expectationLine))
  }
  return lines.join('\n')
}

/** The end-of-run summary, in the spirit of k6's: tables per step, then one line per expectation. */
export function renderSummary(result: RunResult): string {
  const all = result.suites.flatMap((suite) => suite.expectations)
  const count = (status: ExpectationResult['status']) => all.filter((e) => e.status === status).length
  const points = result.suites.reduce((total, suite) => total + suite.points.length, 0)
  const totals = [
    pc.green(`${count('passed')} passed`),
    count('failed') ? pc.red(`${count('failed')} failed`) : `${count('failed')} failed`,
    count('error') ? pc.magenta(`${count('error')} errors`) : '',
    count('skipped') ? pc.dim(`${count('skipped')} skipped`) : '',
  ].filter(Boolean).join(pc.dim(' | '))
  const status = result.status === 'interrupted' ? pc.yellow(' (interrupted)') : ''
  return [
    ...result.suites.map(suiteSection),
    '',
    ` Expectations  ${totals}${status}`,
    ` Measured      ${points} point(s) in ${trimNumber(result.durationMs / 1000, 1)}s ${pc.dim(`(run ${result.runId})`)}`,
    '',
  ].join('\n')
}
