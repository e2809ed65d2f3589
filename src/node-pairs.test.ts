import { describe, expect, test } from 'vitest'
import { disjointNodePairs, nodesForPairs, pairsNeed } from './node-pairs.ts'

// The lab's nodes: n1… spread round-robin over the zones.
const lab = (nodes: number, zones: number) => Array.from({ length: nodes }, (_, index) => ({ name: `n${index + 1}`, zone: `z${index % zones}` }))
const names = (pairs: Array<[{ name: string }, { name: string }]>) => pairs.map(([a, b]) => `${a.name}>${b.name}`)

describe('disjoint node pairs', () => {
  test('between nodes: client on node 2i-1, server on node 2i, in one zone', () => {
    expect(names(disjointNodePairs(lab(4, 1), 'nodes', 2))).toEqual(['n1>n2', 'n3>n4'])
  })
  test('between nodes prefers two nodes of a zone, as one pair does', () => {
    expect(names(disjointNodePairs(lab(4, 2), 'nodes', 2))).toEqual(['n1>n3', 'n2>n4'])
  })
  test('between zones: every pair crosses zones, as many as the zones allow', () => {
    expect(names(disjointNodePairs(lab(4, 3), 'zones', 2))).toEqual(['n1>n2', 'n3>n4'])
    const six = disjointNodePairs(lab(6, 3), 'zones', 3)
    expect(six.every(([a, b]) => a.zone !== b.zone)).toBe(true)
    expect(new Set(six.flat().map((node) => node.name)).size).toBe(6)
    // Zone a holds 3 of 4 nodes: only one pair can cross zones.
    expect(disjointNodePairs([{ zone: 'a' }, { zone: 'a' }, { zone: 'a' }, { zone: 'b' }], 'zones', 2)).toHaveLength(1)
  })
  test('same-node: one node per pair', () => {
    expect(names(disjointNodePairs(lab(3, 1), 'same-node', 2))).toEqual(['n1>n1', 'n2>n2'])
  })
  test('too few nodes: fewer pairs, and the words that say what is needed', () => {
    expect(disjointNodePairs(lab(4, 1), 'nodes', 3)).toHaveLength(2)
    expect(nodesForPairs('nodes', 3)).toBe(6)
    expect(nodesForPairs('same-node', 3)).toBe(3)
    expect(pairsNeed('nodes', 3)).toBe('3 pairs between nodes need 6 nodes')
  })
})
