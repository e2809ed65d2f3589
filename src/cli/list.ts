import pc from 'picocolors'
import type { PreparedRun } from '../runner/prepared-run.ts'
import type { ClusterSpec } from '../model.ts'
import { displayPath } from '../text.ts'
import { formatRate } from '../units.ts'
import { visible } from '../text.ts'
import { describeOrder } from '../results/order.ts'

function describeCluster(cluster: ClusterSpec): string {
  switch (cluster.provider) {
    case 'local': return `local: ${cluster.nodes} nodes, ${cluster.zones} zones, ${cluster.bandwidthBps ? `uplinks ${formatRate(cluster.bandwidthBps)}` : 'unshaped'}`
    case 'kube': {
      const contexts = [...new Set(Object.values(cluster.contexts).map((context) => context ?? 'current-context'))]
      return `kube: context ${contexts.join(', ')}, pods ${cluster.podImage}`
    }
    case 'k3s': return `k3s: ${cluster.nodes} nodes, ${cluster.zones} zones per cluster (${cluster.image})`
  }
}

/** The planned matrix, without touching the machine. */
export function renderPlan(prepared: PreparedRun): string {
  const lines: string[] = []
  for (const plan of prepared.plans) {
    const { cluster } = plan.suite
    lines.push(`${pc.bold(visible(plan.suite.name))}  ${pc.dim(visible(displayPath(plan.suite.file)))}`)
    lines.push(pc.dim(`  ${describeCluster(cluster)}`))
    const order = describeOrder(plan.suite.order, plan.networks.map((network) => network.name))
    if (order) lines.push(pc.dim(`  ${order}`))
    for (const network of plan.networks) {
      for (const point of network.points) {
        const repeat = point.repeat > 1 ? ` ×${point.repeat}` : ''
        lines.push(`  ${network.name} › ${point.label}  ${pc.dim(`${point.durationMs / 1000}s${repeat}, between ${point.between}`)}`)
        for (const check of plan.checks.filter((c) => c.pointId === point.id)) lines.push(`    ${pc.dim('expect')} ${visible(check.label)}`)
      }
    }
    const probeMs = plan.networks.flatMap((n) => n.points).reduce((total, point) => total + point.durationMs * point.repeat, 0)
    lines.push(pc.dim(`  ${plan.networks.reduce((n, net) => n + net.points.length, 0)} points, ${plan.checks.length} expectations, ~${Math.ceil(probeMs / 1000)}s of probes`), '')
  }
  for (const file of prepared.imperativeFiles) {
    lines.push(`${visible(displayPath(file))}  ${pc.dim('(imperative tests: they measure as they ask)')}`)
    for (const lab of prepared.imperativeLabs.filter((l) => l.file === file)) lines.push(pc.dim(`  ${describeCluster(lab.cluster)}`))
  }
  return `${lines.join('\n')}\n`
}
