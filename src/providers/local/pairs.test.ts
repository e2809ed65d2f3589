/**
 * `pairs: N` in the lab: which pods (or nodes) each pair uses. Plain objects stand for the lab's
 * nodes and pods here (only names, zones and endpoints are read); test/e2e/pairs.lab.test.ts
 * measures real pairs.
 */
import { describe, expect, test } from 'vitest'
import type { LocalLab, LabNode } from './lab.ts'
import type { Pod } from './pods.ts'
import { pairsOf } from './pod-network.ts'
import type { NetbenchError } from '../../errors.ts'

function lab(nodes: number, zones: number, podsPerNode: number): { lab: LocalLab; pods: Pod[] } {
  const labNodes = Array.from({ length: nodes }, (_, index) => {
    const name = `n${index + 1}`
    return { name, zone: `z${index % zones}`, namespace: `nb-${name}`, ip: '', shaper: null, endpoint: { name, node: name } } as unknown as LabNode
  })
  const pods = labNodes.flatMap((node, nodeIndex) => Array.from({ length: podsPerNode }, (_, slot) => {
    const name = `${node.name}-p${slot + 1}`
    return { name, node, nodeIndex, index: slot + 1, endpoint: { name, node: node.name } } as unknown as Pod
  }))
  return { lab: { runId: 'test', underlayNamespace: 'nb-test', nodes: labNodes }, pods }
}

const ends = (pairs: ReturnType<typeof pairsOf>) => pairs.map((pair) => `${pair.client.name}>${pair.server.name}`)

describe('pairs in the lab', () => {
  test('pods: the first pod of each node, disjoint nodes, pair i on nodes 2i-1 and 2i', () => {
    const { lab: four, pods } = lab(4, 1, 2)
    expect(ends(pairsOf(four, pods, 'nodes', undefined, 2))).toEqual(['n1-p1>n2-p1', 'n3-p1>n4-p1'])
  })
  test('same-node: two pods of one node per pair, a node each', () => {
    const { lab: three, pods } = lab(3, 1, 2)
    expect(ends(pairsOf(three, pods, 'same-node', undefined, 3))).toEqual(['n1-p1>n1-p2', 'n2-p1>n2-p2', 'n3-p1>n3-p2'])
  })
  test('host endpoints: the nodes themselves; zones cross zones', () => {
    const { lab: four, pods } = lab(4, 2, 2)
    expect(ends(pairsOf(four, pods, 'zones', 'host', 2))).toEqual(['n1>n2', 'n3>n4'])
  })
  test('one pair is the step\'s plain pair; too few nodes is exit 2 naming what is needed', () => {
    const { lab: four, pods } = lab(4, 1, 2)
    expect(ends(pairsOf(four, pods, 'nodes', undefined, 1))).toEqual(['n1-p1>n2-p1'])
    const error = (() => { try { pairsOf(four, pods, 'nodes', undefined, 3) } catch (caught) { return caught as NetbenchError } })()!
    expect(error.exitCode).toBe(2)
    expect(error.oneLine).toBe('3 pairs between nodes need 6 nodes; the lab has 4 that can take them — set cluster.nodes: 6 or pairs: 2')
  })
})
