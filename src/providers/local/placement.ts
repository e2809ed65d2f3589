import { NetbenchError } from '../../errors.ts'
import type { Between } from '../../model.ts'

/**
 * Chooses which two nodes a step measures between: `zones` takes the first nodes of two
 * different zones; `nodes` prefers two nodes in the same zone (so it differs from `zones`) and
 * falls back to any two nodes.
 */
export function pickNodePair<T extends { zone: string }>(nodes: readonly T[], between: Exclude<Between, 'same-node'>): [T, T] {
  const first = nodes[0]
  if (!first) throw new NetbenchError('PROVIDER', 'the cluster has no nodes')
  if (between === 'zones') {
    const other = nodes.find((node) => node.zone !== first.zone)
    if (!other) throw new NetbenchError('SUITE_INVALID', 'between: zones needs nodes in two zones', { hint: 'set cluster.zones: 2 or more' })
    return [first, other]
  }
  for (const [index, node] of nodes.entries()) {
    const sameZone = nodes.slice(index + 1).find((other) => other.zone === node.zone)
    if (sameZone) return [node, sameZone]
  }
  const second = nodes[1]
  if (!second) throw new NetbenchError('SUITE_INVALID', 'between: nodes needs at least 2 nodes', { hint: 'set cluster.nodes: 2 or more' })
  return [first, second]
}
