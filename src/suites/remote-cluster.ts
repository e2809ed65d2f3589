/**
 * Normalizes `cluster` for the providers that measure real Kubernetes (kube, k3s): contexts and
 * manifests per network, timeouts, and the placements their pods must provide.
 */
import { dirname, resolve } from 'node:path'
import { checkedDuration } from './quantities.ts'
import type { K3sClusterInput, KubeClusterInput, NetworkInput } from './schema.ts'
import { NETWORK_OPTIONS, type NetworkOptionName } from './presets.ts'
import type { K3sClusterSpec, KubeClusterSpec, Placement, Step } from '../model.ts'
import type { PathSegment } from './validate.ts'

type Fail = (path: PathSegment[], message: string, hint: string) => never

export const DEFAULT_POD_IMAGE = 'nicolaka/netshoot:v0.13'
export const DEFAULT_K3S_IMAGE = 'rancher/k3s:v1.31.4-k3s1'
const DEFAULT_TIMEOUT_MS = 120_000

function timeout(value: string | number | undefined, path: PathSegment[], fail: Fail): number {
  return value === undefined ? DEFAULT_TIMEOUT_MS : checkedDuration(value, path, fail)
}

function nameOf(entry: NetworkInput): string {
  return typeof entry === 'string' ? entry : entry.name
}

/** Lab options (backend, encapsulation…) configure the local lab's datapaths, not a real cluster's CNI. */
function rejectLabOptions(entries: readonly NetworkInput[], provider: string, fail: Fail): void {
  entries.forEach((entry, index) => {
    if (typeof entry === 'string') return
    for (const option of Object.keys(NETWORK_OPTIONS) as NetworkOptionName[]) {
      if (entry[option] !== undefined) {
        fail(['networks', index, option], `'${option}' configures the local lab's ${NETWORK_OPTIONS[option].cnis.join('/')} datapath; with provider: ${provider} the cluster's own CNI configuration applies`, provider === 'k3s' ? 'put the setting in the CNI manifest' : 'configure the CNI of that cluster instead')
      }
    }
  })
}

/** Rejects a provider-specific network field used with another provider. */
export function checkNetworkFields(entries: readonly NetworkInput[], provider: string, fail: Fail): void {
  entries.forEach((entry, index) => {
    if (typeof entry === 'string') return
    if (entry.context !== undefined && provider !== 'kube') fail(['networks', index, 'context'], `'context' names a kubeconfig context: it needs cluster.provider: kube (this suite uses ${provider})`, "remove it, or set cluster: { provider: 'kube' }")
    if (entry.manifest !== undefined && provider !== 'k3s') fail(['networks', index, 'manifest'], `'manifest' is a CNI manifest for k3s: it needs cluster.provider: k3s (this suite uses ${provider})`, "remove it, or set cluster: { provider: 'k3s' }")
  })
}

export function placementsOf(steps: readonly Step[]): Placement[] {
  const placements: Placement[] = []
  for (const step of steps) {
    const endpoint = step.endpoint ?? 'pod'
    const via = step.via ?? 'pod'
    const samePlacement = (known: Placement) => known.between === step.between && known.endpoint === endpoint && (known.via ?? 'pod') === via
    if (!placements.some(samePlacement)) placements.push({ between: step.between, endpoint, ...via === 'pod' ? {} : { via } })
    // The placement's pods must hold the most pairs any of its steps measures at once.
    const pairs = step.kind === 'latency' ? undefined : step.pairs
    const known = placements.find(samePlacement)!
    if (pairs && pairs > (known.pairs ?? 1)) known.pairs = pairs
  }
  return placements
}

export function normalizeKubeCluster(input: KubeClusterInput, entries: readonly NetworkInput[], fail: Fail): KubeClusterSpec {
  rejectLabOptions(entries, 'kube', fail)
  const context = input.context ?? null
  const contexts: Record<string, string | null> = {}
  for (const entry of entries) contexts[nameOf(entry)] = typeof entry === 'string' ? context : entry.context ?? context
  return {
    provider: 'kube', context, contexts,
    podImage: input.podImage ?? DEFAULT_POD_IMAGE,
    readyTimeoutMs: timeout(input.readyTimeout, ['cluster', 'readyTimeout'], fail),
    deleteTimeoutMs: timeout(input.deleteTimeout, ['cluster', 'deleteTimeout'], fail),
    placements: [],
    ...input.ports === undefined ? {} : { ports: portRange(input.ports, fail) },
  }
}

/** `5201-5250`: unprivileged ports (the pods run without NET_BIND_SERVICE), first ≤ last. */
function portRange(text: string, fail: Fail): { first: number; last: number } {
  const [first, last] = text.split('-').map(Number) as [number, number]
  if (first < 1024 || last > 65535 || first > last) {
    fail(['cluster', 'ports'], `'${text}' is not a usable port range`, 'give first-last with 1024 <= first <= last <= 65535, e.g. 5201-5250')
  }
  return { first, last }
}

/**
 * k3s networks: `host` (hostNetwork pods) and `flannel` (k3s's own) need nothing; any other
 * network names the CNI manifest k3s applies, resolved against the suite file's directory.
 */
export function normalizeK3sCluster(input: K3sClusterInput, entries: readonly NetworkInput[], file: string, fail: Fail): K3sClusterSpec {
  rejectLabOptions(entries, 'k3s', fail)
  const nodes = input.nodes ?? 3
  const zones = input.zones ?? Math.min(3, nodes)
  if (zones > nodes) fail(['cluster', 'zones'], `${zones} zones need at least ${zones} nodes, the suite has ${nodes}`, `set nodes: ${zones} or zones: ${nodes}`)
  const manifests: Record<string, string | null> = {}
  entries.forEach((entry, index) => {
    const name = nameOf(entry)
    const manifest = typeof entry === 'string' ? undefined : entry.manifest
    if (manifest === undefined) {
      if (name !== 'host' && name !== 'flannel') {
        fail(['networks', index], `network '${name}' needs a CNI manifest on k3s (only host and flannel come with k3s)`, `write { name: '${name}', manifest: './cni/${name}.yaml' } (a file or an https:// URL)`)
      }
      manifests[name] = null
      return
    }
    if (name === 'host') fail(['networks', index, 'manifest'], 'the host network measures hostNetwork pods: it takes no manifest', 'remove manifest, or give the network another name')
    manifests[name] = /^https?:\/\//.test(manifest) ? manifest : resolve(dirname(resolve(file)), manifest)
  })
  return {
    provider: 'k3s', nodes, zones,
    image: input.image ?? DEFAULT_K3S_IMAGE,
    podImage: input.podImage ?? DEFAULT_POD_IMAGE,
    manifests,
    // Starting a k3s cluster and its CNI takes minutes on a small CI runner.
    readyTimeoutMs: input.readyTimeout === undefined ? 300_000 : timeout(input.readyTimeout, ['cluster', 'readyTimeout'], fail),
    deleteTimeoutMs: timeout(input.deleteTimeout, ['cluster', 'deleteTimeout'], fail),
    placements: [],
  }
}
