import { describe, expect, test } from 'vitest'
import type { V1Node } from '@kubernetes/client-node'
import { allPairs, pickNodePairs, pickNodes, planPods, toKubeNode, type KubeNode } from './placement.ts'
import type { NetbenchError } from '../../errors.ts'

const node = (name: string, zone: string | null, unusable: string | null = null): KubeNode => ({ name, zone, ip: '10.0.0.1', instanceType: null, faultDomain: null, unusable })

describe('toKubeNode', () => {
  const base = (extra: Partial<V1Node> = {}): V1Node => ({
    metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'us-east-1a', 'node.kubernetes.io/instance-type': 'm5.large' } },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.7' }] },
    ...extra,
  })
  test('reads zone, instance type and InternalIP', () => {
    expect(toKubeNode(base())).toEqual({ name: 'n1', zone: 'us-east-1a', ip: '10.0.0.7', instanceType: 'm5.large', faultDomain: null, unusable: null })
  })
  test('Windows nodes are not used; arm64 ones are (the default image is multi-arch)', () => {
    expect(toKubeNode(base({ metadata: { name: 'w', labels: { 'kubernetes.io/os': 'windows' } } })).unusable).toBe('os windows')
    expect(toKubeNode(base({ metadata: { name: 'a', labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64' } } })).unusable).toBeNull()
  })
  test('AKS fault domains in the zone label are not zones', () => {
    const aks = toKubeNode(base({ metadata: { name: 'aks-1', labels: { 'topology.kubernetes.io/zone': '0' } } }))
    expect([aks.zone, aks.faultDomain]).toEqual([null, '0'])
    expect(toKubeNode(base({ metadata: { name: 'aks-2', labels: { 'topology.kubernetes.io/zone': 'westeurope-1' } } })).zone).toBe('westeurope-1')
    const domains = [{ ...node('aks-1', null), faultDomain: '0' }, { ...node('aks-2', null), faultDomain: '1' }]
    expect(() => pickNodes(domains, 'zones', 'aks')).toThrow("between: zones needs zones, but the topology.kubernetes.io/zone labels of context 'aks' hold fault domains (0, 1), which AKS sets when the cluster has no availability zones: all nodes are in one datacenter")
  })
  test('the legacy zone label still counts', () => {
    expect(toKubeNode(base({ metadata: { name: 'n1', labels: { 'failure-domain.beta.kubernetes.io/zone': 'z' } } })).zone).toBe('z')
  })
  test('NotReady, cordoned and NoSchedule-tainted nodes are not used, with the reason', () => {
    expect(toKubeNode(base({ status: { conditions: [{ type: 'Ready', status: 'False' }] } })).unusable).toBe('NotReady')
    expect(toKubeNode(base({ spec: { unschedulable: true } })).unusable).toBe('cordoned')
    expect(toKubeNode(base({ spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } })).unusable).toBe('tainted node-role.kubernetes.io/control-plane:NoSchedule')
    expect(toKubeNode(base({ spec: { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] } })).unusable).toBeNull()
  })
})

describe('pickNodes', () => {
  const threeZones = [node('c1', 'c'), node('a2', 'a'), node('a1', 'a'), node('b1', 'b')]
  test('zones: the first node of two different zones', () => {
    expect(pickNodes(threeZones, 'zones', 'ctx').map((n) => n.name)).toEqual(['a1', 'b1'])
  })
  test('nodes: two nodes of one zone when a zone has two (so it differs from zones)', () => {
    expect(pickNodes(threeZones, 'nodes', 'ctx').map((n) => n.name)).toEqual(['a1', 'a2'])
    expect(pickNodes([node('x', 'a'), node('y', 'b')], 'nodes', 'ctx').map((n) => n.name)).toEqual(['x', 'y'])
  })
  test('same-node: one node twice', () => {
    expect(pickNodes(threeZones, 'same-node', 'ctx').map((n) => n.name)).toEqual(['a1', 'a1'])
  })
  test('between: zones without zone labels says so and how to fix it', () => {
    expect(() => pickNodes([node('n1', null), node('n2', null)], 'zones', 'prod')).toThrow(/between: zones needs zone labels, but no node of context 'prod' has the topology\.kubernetes\.io\/zone label/)
  })
  test('a zone whose nodes are all unusable: no schedulable node in that zone, and why', () => {
    let message = ''
    try {
      pickNodes([node('a1', 'a'), node('b1', 'b', 'cordoned'), node('b2', 'b', 'NotReady')], 'zones', 'prod')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('zone a: a1')
    expect(message).toContain('zone b: no schedulable node (b1 (zone b) cordoned, b2 (zone b) NotReady)')
  })
  test('a one-node cluster: between: nodes points at same-node', () => {
    expect(() => pickNodes([node('solo', null)], 'nodes', 'kind')).toThrow(/needs 2 schedulable nodes; context 'kind' has 1/)
  })
  test('no usable node at all', () => {
    expect(() => pickNodes([node('n1', 'a', 'NotReady')], 'same-node', 'x')).toThrow(/has no node that can run the test pods: n1 \(zone a\) NotReady/)
  })
})

describe('planPods', () => {
  const nodes = [node('a1', 'a'), node('a2', 'a'), node('b1', 'b')]
  test('shares pods between placements and adds a second pod for same-node', () => {
    const plan = planPods('calico', nodes, [
      { between: 'zones', endpoint: 'pod' }, { between: 'nodes', endpoint: 'pod' }, { between: 'same-node', endpoint: 'pod' }, { between: 'zones', endpoint: 'host' },
    ], 'ctx')
    expect(plan.pods.map((pod) => `${pod.name}@${pod.node.name}${pod.hostNetwork ? ' host' : ''}`)).toEqual([
      'calico-p1@a1', 'calico-p2@b1', 'calico-p3@a2', 'calico-p4@a1', 'calico-h1@a1 host', 'calico-h2@b1 host',
    ])
    expect(plan.pairs.get('zones/pod')).toEqual({ client: 'calico-p1', server: 'calico-p2' })
    expect(plan.pairs.get('nodes/pod')).toEqual({ client: 'calico-p1', server: 'calico-p3' })
    expect(plan.pairs.get('same-node/pod')).toEqual({ client: 'calico-p1', server: 'calico-p4' })
    expect(plan.pairs.get('zones/host')).toEqual({ client: 'calico-h1', server: 'calico-h2' })
  })
  test('the host network is hostNetwork pods whatever the endpoint says', () => {
    const plan = planPods('host', nodes, [{ between: 'zones', endpoint: 'pod' }], 'ctx')
    expect(plan.pods.every((pod) => pod.hostNetwork)).toBe(true)
  })
  test('host endpoints cannot measure same-node: only that placement fails, when asked for', () => {
    const plan = planPods('host', nodes, [{ between: 'same-node', endpoint: 'pod' }, { between: 'zones', endpoint: 'pod' }], 'ctx')
    expect(plan.impossible.get('same-node/pod')?.message).toBe('the host network has one endpoint per node, so between: same-node has nothing to measure')
    expect(plan.pairs.get('zones/pod')).toEqual({ client: 'host-h1', server: 'host-h2' })
  })
})

describe('pairs: N', () => {
  const four = [node('a1', 'a'), node('a2', 'a'), node('b1', 'b'), node('b2', 'b')]
  test('a pod per pair end on distinct nodes; pair() keeps the first', () => {
    const plan = planPods('calico', four, [{ between: 'nodes', endpoint: 'pod', pairs: 2 }], 'ctx')
    const pairs = plan.pairLists.get('nodes/pod')!
    const nodeOf = (pod: string) => plan.pods.find((planned) => planned.name === pod)!.node.name
    expect(pairs.map((pair) => `${nodeOf(pair.client)}>${nodeOf(pair.server)}`)).toEqual(['a1>a2', 'b1>b2'])
    expect(plan.pairs.get('nodes/pod')).toEqual(pairs[0])
    expect(allPairs(plan)).toHaveLength(2)
  })
  test('zones: each pair crosses zones', () => {
    const plan = planPods('calico', four, [{ between: 'zones', endpoint: 'pod', pairs: 2 }], 'ctx')
    const zoneOf = (pod: string) => plan.pods.find((planned) => planned.name === pod)!.node.zone
    expect(plan.pairLists.get('zones/pod')!.every((pair) => zoneOf(pair.client) !== zoneOf(pair.server))).toBe(true)
  })
  test('too few schedulable nodes: exit 2 naming what is needed, cordoned nodes not counted', () => {
    const nodes = [...four.slice(0, 3), node('b2', 'b', 'cordoned')]
    const error = (() => { try { pickNodePairs(nodes, 'nodes', 2, 'kind') } catch (caught) { return caught as NetbenchError } })()!
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(/^2 pairs between nodes need 4 schedulable nodes; context 'kind' has 3 \(/)
    expect(error.hint).toBe('add schedulable nodes, or set pairs: 1')
  })
})
