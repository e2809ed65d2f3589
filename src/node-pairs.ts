/**
 * Disjoint node pairs for a step with `pairs: N`: N client/server pairs that share no node, so
 * that they contend only where the network itself makes them (the lab's, k3s's and kube's nodes).
 */
import type { Between } from './model.ts'

/** Nodes N disjoint pairs take: one per pair on a node, two otherwise. */
export function nodesForPairs(between: Between, count: number): number {
  return between === 'same-node' ? count : 2 * count
}

/**
 * Up to `count` pairs over distinct nodes, fewer when the nodes allow no more. `same-node`: one
 * node per pair ([n, n]); `nodes`: two nodes of one zone where a zone has two left, else any two;
 * `zones`: two zones per pair, always the two with the most nodes left, which pairs as many as
 * the zones allow.
 */
export function disjointNodePairs<T extends { zone: string | null }>(nodes: readonly T[], between: Between, count: number): Array<[T, T]> {
  if (between === 'same-node') return nodes.slice(0, count).map((node) => [node, node])
  const left = [...nodes]
  const pairs: Array<[T, T]> = []
  const take = (a: T, b: T) => {
    left.splice(left.indexOf(a), 1)
    left.splice(left.indexOf(b), 1)
    pairs.push([a, b])
  }
  while (pairs.length < count && left.length >= 2) {
    const next = between === 'zones' ? crossZonePair(left) : sameZonePair(left) ?? [left[0]!, left[1]!]
    if (!next) break
    take(...next)
  }
  return pairs
}

function sameZonePair<T extends { zone: string | null }>(nodes: readonly T[]): [T, T] | undefined {
  for (const [index, node] of nodes.entries()) {
    const other = nodes.slice(index + 1).find((candidate) => candidate.zone === node.zone)
    if (other) return [node, other]
  }
  return undefined
}

function crossZonePair<T extends { zone: string | null }>(nodes: readonly T[]): [T, T] | undefined {
  const zones = new Map<string | null, T[]>()
  for (const node of nodes) zones.set(node.zone, [...zones.get(node.zone) ?? [], node])
  // Largest zones first; on a tie the zone whose first node comes first (stable sort keeps it).
  const [first, second] = [...zones.values()].sort((a, b) => b.length - a.length)
  return first && second ? [first[0]!, second[0]!] : undefined
}

/** `3 pairs between nodes need 6 nodes`: the start of every too-few-nodes message. */
export function pairsNeed(between: Between, count: number, what = 'nodes'): string {
  return `${count} pairs ${between === 'same-node' ? 'on one node each' : `between ${between}`} need ${nodesForPairs(between, count)} ${what}`
}
