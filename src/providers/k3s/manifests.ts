/**
 * What the k3s provider asks of Docker and of the cluster, as pure functions: the server and agent
 * command lines, and the objects of a CNI manifest (applied with server-side apply).
 */
import { parseAllDocuments } from 'yaml'
import { ZONE_LABEL } from '../kube/placement.ts'

/** Pinned default: a k3s release whose flannel can be disabled for other CNIs. */
export const DEFAULT_K3S_IMAGE = 'rancher/k3s:v1.31.4-k3s1'
export const SERVER_ALIAS = 'k3s-server'
export const API_PORT = 6443

export function zoneOf(index: number, zones: number): string {
  return `zone-${String.fromCharCode(97 + (index % zones))}`
}

export function nodeNameOf(index: number): string {
  return index === 0 ? SERVER_ALIAS : `k3s-agent-${index}`
}

/**
 * The server: traefik and metrics-server off (not needed, they cost minutes on a small CI
 * runner); with a CNI manifest, flannel and k3s's network policy controller off too, so the
 * manifest's CNI is the only one.
 */
export function serverArgs(options: { withFlannel: boolean; zone: string }): string[] {
  const args = ['server', '--disable=traefik', '--disable=metrics-server', `--node-name=${SERVER_ALIAS}`, `--node-label=${ZONE_LABEL}=${options.zone}`]
  if (!options.withFlannel) args.push('--flannel-backend=none', '--disable-network-policy')
  return args
}

export function agentArgs(options: { index: number; zone: string }): string[] {
  return ['agent', `--node-name=${nodeNameOf(options.index)}`, `--node-label=${ZONE_LABEL}=${options.zone}`]
}

export function agentEnvironment(token: string): Record<string, string> {
  return { K3S_URL: `https://${SERVER_ALIAS}:${API_PORT}`, K3S_TOKEN: token }
}

export interface ManifestObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string }
  [key: string]: unknown
}

/** The objects of a (multi-document) manifest, `kind: List` flattened, empty documents dropped. */
export function manifestObjects(text: string, source: string): ManifestObject[] {
  const objects: ManifestObject[] = []
  for (const [index, document] of parseAllDocuments(text).entries()) {
    if (document.errors.length) throw new Error(`${source}: document ${index + 1}: ${document.errors[0]!.message.split('\n')[0]}`)
    const value = document.toJS() as unknown
    if (value === null || value === undefined) continue
    const items = (value as { kind?: string }).kind === 'List' ? (value as { items?: unknown[] }).items ?? [] : [value]
    for (const item of items) {
      const object = item as Partial<ManifestObject>
      if (!object.apiVersion || !object.kind || !object.metadata?.name) throw new Error(`${source}: document ${index + 1} is not a Kubernetes object (apiVersion, kind and metadata.name are required)`)
      objects.push(object as ManifestObject)
    }
  }
  return objects
}

/** CRDs first (their custom resources need them), then the rest in file order. */
export function applyOrder(objects: readonly ManifestObject[]): ManifestObject[] {
  const crds = objects.filter((object) => object.kind === 'CustomResourceDefinition')
  const namespaces = objects.filter((object) => object.kind === 'Namespace')
  return [...crds, ...namespaces, ...objects.filter((object) => object.kind !== 'CustomResourceDefinition' && object.kind !== 'Namespace')]
}

/** The DaemonSets a manifest runs (the CNI agents): the cluster is ready when they all are. */
export function daemonSetsOf(objects: readonly ManifestObject[]): Array<{ namespace: string; name: string }> {
  return objects.filter((object) => object.kind === 'DaemonSet').map((object) => ({ namespace: object.metadata.namespace ?? 'default', name: object.metadata.name }))
}

/** k3s's default Service range: a CNI's pod pool must not overlap it. */
export const K3S_SERVICE_CIDR = '10.43.0.0/16'
export const CILIUM_POOL_HINT = 'render Cilium with --set ipam.operator.clusterPoolIPv4PodCIDRList=10.42.0.0/16 (k3s\'s pod range), or set cluster-pool-ipv4-cidr in cilium-config'

/** An IPv4 CIDR as its first and last address (numbers), or null when it is not one. */
function cidrRange(text: string): [number, number] | null {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text.trim())
  if (!match || Number(match[5]) > 32 || match.slice(1, 5).some((octet) => Number(octet) > 255)) return null
  const size = 2 ** (32 - Number(match[5]))
  const start = Math.floor(match.slice(1, 5).reduce((sum, octet) => sum * 256 + Number(octet), 0) / size) * size
  return [start, start + size - 1]
}

/**
 * Cilium's cluster-pool default, 10.0.0.0/8, holds k3s's Service range: pods would get Service
 * addresses. A manifest rendered with the default says so in cilium-config; Cilium's own k3s guide
 * sets the pool to k3s's pod range. The reason, or null.
 */
export function ciliumPoolProblem(objects: readonly ManifestObject[], source: string): string | null {
  const config = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'cilium-config')
  const data = (config?.data ?? {}) as Record<string, unknown>
  if (!config || (data.ipam ?? 'cluster-pool') !== 'cluster-pool' || typeof data['cluster-pool-ipv4-cidr'] !== 'string') return null
  const [serviceStart, serviceEnd] = cidrRange(K3S_SERVICE_CIDR)!
  const clash = data['cluster-pool-ipv4-cidr'].split(/[\s,]+/).find((pool) => {
    const range = cidrRange(pool)
    return range !== null && range[0] <= serviceEnd && serviceStart <= range[1]
  })
  return clash ? `${source}: Cilium's pod pool ${clash} (cilium-config cluster-pool-ipv4-cidr) overlaps k3s's Service range ${K3S_SERVICE_CIDR}` : null
}
