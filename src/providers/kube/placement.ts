/**
 * Where a network's endpoint pods go. Nodes come from the cluster with their
 * `topology.kubernetes.io/zone` labels; netbench pins pods with `nodeName`, so it must itself skip
 * nodes that cannot run them (NotReady, cordoned, tainted NoSchedule/NoExecute) and say so.
 */
import type { V1Node } from '@kubernetes/client-node'
import { NetbenchError } from '../../errors.ts'
import type { Between, EndpointKind, Placement } from '../../model.ts'
import { disjointNodePairs, pairsNeed } from '../../node-pairs.ts'

export const ZONE_LABEL = 'topology.kubernetes.io/zone'
const LEGACY_ZONE_LABEL = 'failure-domain.beta.kubernetes.io/zone'
export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type'
const LEGACY_INSTANCE_TYPE_LABEL = 'beta.kubernetes.io/instance-type'
const OS_LABEL = 'kubernetes.io/os'
/**
 * AKS without availability zones puts the node's fault domain (`0`, `1`, …) in the zone label;
 * real zones are `<region>-<n>` there and names elsewhere. A bare number is not a zone.
 */
const FAULT_DOMAIN = /^\d+$/

export interface KubeNode {
  name: string
  zone: string | null
  /** InternalIP (hostNetwork pods have it as their pod IP). */
  ip: string
  instanceType: string | null
  /** A fault domain found in the zone label (AKS without zones); zone is then null. */
  faultDomain: string | null
  /** Why no endpoint may be placed here; null when it can take one. */
  unusable: string | null
}

export function toKubeNode(node: V1Node): KubeNode {
  const labels = node.metadata?.labels ?? {}
  const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready')
  const taint = node.spec?.taints?.find((entry) => entry.effect === 'NoSchedule' || entry.effect === 'NoExecute')
  let unusable: string | null = null
  const os = labels[OS_LABEL] ?? node.status?.nodeInfo?.operatingSystem ?? 'linux'
  // The test pods are Linux pods (the default image is multi-arch: amd64 and arm64 both work).
  if (os !== 'linux') unusable = `os ${os}`
  else if (ready?.status !== 'True') unusable = 'NotReady'
  else if (node.spec?.unschedulable) unusable = 'cordoned'
  else if (taint) unusable = `tainted ${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`
  const zone = labels[ZONE_LABEL] ?? labels[LEGACY_ZONE_LABEL] ?? null
  const faultDomain = zone !== null && FAULT_DOMAIN.test(zone)
  return {
    name: node.metadata?.name ?? '?',
    zone: faultDomain ? null : zone,
    faultDomain: faultDomain ? zone : null,
    ip: node.status?.addresses?.find((address) => address.type === 'InternalIP')?.address ?? '',
    instanceType: labels[INSTANCE_TYPE_LABEL] ?? labels[LEGACY_INSTANCE_TYPE_LABEL] ?? null,
    unusable,
  }
}

export interface PlannedPod {
  /** Pod name: `<network>-p1` (pod network) or `<network>-h1` (hostNetwork). */
  name: string
  node: KubeNode
  hostNetwork: boolean
}

export interface PodPlan {
  pods: PlannedPod[]
  /** Key `between/endpoint` → the client and server pod names. */
  pairs: Map<string, { client: string; server: string }>
  /** Key `between/endpoint` → every pair of a placement with `pairs` above 1, the first being `pairs`'s. */
  pairLists: Map<string, Array<{ client: string; server: string }>>
  /** Placements this network cannot measure (host endpoints on one node): the error for pair(). */
  impossible: Map<string, NetbenchError>
  /** What a reader of the result should know about the placement (different instance types). */
  warnings: string[]
}

export function placementKey(between: Between, endpoint: EndpointKind): string {
  return `${between}/${endpoint}`
}

function byZoneThenName(a: KubeNode, b: KubeNode): number {
  return (a.zone ?? '').localeCompare(b.zone ?? '') || a.name.localeCompare(b.name)
}

function describeNodes(nodes: readonly KubeNode[]): string {
  return nodes.map((node) => `${node.name}${node.zone ? ` (zone ${node.zone})` : ''}${node.unusable ? ` ${node.unusable}` : ''}`).join(', ')
}

/** The two nodes a placement measures between (same node twice for same-node). */
export function pickNodes(nodes: readonly KubeNode[], between: Between, context: string): [KubeNode, KubeNode] {
  const usable = nodes.filter((node) => node.unusable === null).sort(byZoneThenName)
  const where = `context '${context}'`
  if (!usable.length) {
    throw new NetbenchError('PROVIDER', `${where} has no node that can run the test pods: ${describeNodes(nodes) || 'no nodes'}`, {
      hint: 'uncordon a node or wait until nodes are Ready (kubectl get nodes)',
    })
  }
  if (between === 'same-node') return [usable[0]!, usable[0]!]
  if (between === 'zones') {
    if (!nodes.some((node) => node.zone !== null)) {
      const domains = [...new Set(nodes.map((node) => node.faultDomain).filter((domain) => domain !== null))].sort()
      if (domains.length) {
        throw new NetbenchError('PROVIDER', `between: zones needs zones, but the ${ZONE_LABEL} labels of ${where} hold fault domains (${domains.join(', ')}), which AKS sets when the cluster has no availability zones: all nodes are in one datacenter`, {
          hint: 'create the node pool with availability zones (az aks nodepool add --zones 1 2 3), or use between: nodes',
        })
      }
      throw new NetbenchError('PROVIDER', `between: zones needs zone labels, but no node of ${where} has the ${ZONE_LABEL} label (nodes: ${describeNodes(nodes)})`, {
        hint: `label the nodes (kubectl label node <node> ${ZONE_LABEL}=<zone>) or use between: nodes`,
      })
    }
    const zones = [...new Set(usable.map((node) => node.zone).filter((zone): zone is string => zone !== null))]
    if (zones.length < 2) {
      const allZones = [...new Set(nodes.map((node) => node.zone).filter((zone): zone is string => zone !== null))].sort()
      const perZone = allZones.map((zone) => {
        const inZone = nodes.filter((node) => node.zone === zone)
        const ok = inZone.filter((node) => node.unusable === null)
        return ok.length ? `zone ${zone}: ${ok.map((node) => node.name).join(', ')}` : `zone ${zone}: no schedulable node (${describeNodes(inZone)})`
      })
      throw new NetbenchError('PROVIDER', `between: zones needs schedulable nodes in 2 zones; ${where} has ${perZone.join('; ') || 'none'}`, {
        hint: allZones.length < 2 ? 'add nodes in a second zone, or use between: nodes' : 'make a node of the other zone schedulable (Ready, uncordoned, untainted), or use between: nodes',
      })
    }
    const first = usable.find((node) => node.zone === zones[0])!
    const second = usable.find((node) => node.zone === zones[1])!
    return [first, second]
  }
  // nodes: two nodes of one zone when a zone has two (so it differs from zones), else any two.
  for (const [index, node] of usable.entries()) {
    const sameZone = usable.slice(index + 1).find((other) => other.zone === node.zone)
    if (sameZone) return [node, sameZone]
  }
  if (usable.length < 2) {
    throw new NetbenchError('PROVIDER', `between: nodes needs 2 schedulable nodes; ${where} has ${usable.length} (${describeNodes(nodes)})`, {
      hint: 'use between: same-node on a one-node cluster, or make another node schedulable',
    })
  }
  return [usable[0]!, usable[1]!]
}

/**
 * `count` pairs over distinct schedulable nodes (`pairs: N`); exit 2 naming what is needed when
 * the cluster has too few. Zones need zone labels, as for one pair (pickNodes says why).
 */
export function pickNodePairs(nodes: readonly KubeNode[], between: Between, count: number, context: string): Array<[KubeNode, KubeNode]> {
  if (between === 'zones') pickNodes(nodes, between, context)
  const usable = nodes.filter((node) => node.unusable === null && (between !== 'zones' || node.zone !== null)).sort(byZoneThenName)
  const picked = disjointNodePairs(usable, between, count)
  if (picked.length < count) {
    throw new NetbenchError('SUITE_INVALID', `${pairsNeed(between, count, 'schedulable nodes')}; context '${context}' has ${usable.length}${between === 'zones' ? ' with zone labels' : ''} (${describeNodes(nodes)})`, {
      hint: `add schedulable nodes, or set pairs: ${picked.length}`,
    })
  }
  return picked
}

/**
 * The pods a network needs for its placements: one per node and endpoint kind, plus a second
 * pod on the same node for same-node. Pods are shared between placements where possible.
 */
export function planPods(network: string, nodes: readonly KubeNode[], placements: readonly Placement[], context: string): PodPlan {
  const pods: PlannedPod[] = []
  const pairs = new Map<string, { client: string; server: string }>()
  const pairLists = new Map<string, Array<{ client: string; server: string }>>()
  const impossible = new Map<string, NetbenchError>()
  const warnings: string[] = []
  const podOn = (node: KubeNode, hostNetwork: boolean, slot: number): string => {
    const kind = hostNetwork ? 'h' : 'p'
    const onNode = pods.filter((pod) => pod.node.name === node.name && pod.hostNetwork === hostNetwork)
    if (onNode[slot]) return onNode[slot].name
    // The pod's name becomes its hostname, a DNS label: version dots (`calico-3.29`) become dashes.
    const name = `${network.replaceAll('.', '-')}-${kind}${pods.filter((pod) => pod.hostNetwork === hostNetwork).length + 1}`
    pods.push({ name, node, hostNetwork })
    return name
  }
  for (const placement of placements) {
    const host = placement.endpoint === 'host' || network === 'host'
    if (host && placement.between === 'same-node') {
      // Only these points fail (as the local lab's host network does), not the whole network.
      impossible.set(placementKey(placement.between, placement.endpoint), new NetbenchError('SUITE_INVALID', `${network === 'host' ? 'the host network has' : 'host endpoints have'} one endpoint per node, so between: same-node has nothing to measure`, { hint: 'use between: nodes or zones for host endpoints' }))
      continue
    }
    const nodePairs = (placement.pairs ?? 1) > 1 ? pickNodePairs(nodes, placement.between, placement.pairs!, context) : [pickNodes(nodes, placement.between, context)]
    const placed = nodePairs.map(([clientNode, serverNode]) => {
      if (clientNode.instanceType && serverNode.instanceType && clientNode.instanceType !== serverNode.instanceType) {
        warnings.push(`between: ${placement.between} pairs ${clientNode.name} (${clientNode.instanceType}) with ${serverNode.name} (${serverNode.instanceType}): different instance types, whose network bandwidth may differ`)
      }
      return { client: podOn(clientNode, host, 0), server: podOn(serverNode, host, placement.between === 'same-node' ? 1 : 0) }
    })
    pairs.set(placementKey(placement.between, placement.endpoint), placed[0]!)
    if (placed.length > 1) pairLists.set(placementKey(placement.between, placement.endpoint), placed)
  }
  return { pods, pairs, pairLists, impossible, warnings: [...new Set(warnings)] }
}

/** Every pair the plan measures, once each: what the MTU reads and the reachability check cover. */
export function allPairs(plan: Pick<PodPlan, 'pairs' | 'pairLists'>): Array<{ client: string; server: string }> {
  const seen = new Set<string>()
  return [...plan.pairs.values(), ...[...plan.pairLists.values()].flat()].filter(({ client, server }) => {
    const key = `${client}>${server}`
    return !seen.has(key) && Boolean(seen.add(key))
  })
}
