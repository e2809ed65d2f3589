/**
 * The `k3s` provider: a throw-away multi-node k3s in Docker per CNI, for CI without a cluster.
 * Each network with a manifest gets its own cluster (flannel off, the manifest's CNI applied);
 * `flannel` and `host` share one cluster running k3s's own flannel. Measuring then works exactly
 * as on an existing cluster (the kube provider's pods, exec and cleanup).
 */
import { readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { KubeConfig } from '@kubernetes/client-node'
import { NetbenchError } from '../../errors.ts'
import type { ClusterSpec, K3sClusterSpec, NetworkSpec } from '../../model.ts'
import { MANAGED_BY, MANAGED_BY_LABEL, OWNER_HOST_ANNOTATION, OWNER_PID_ANNOTATION, OWNER_START_ANNOTATION, RUN_LABEL } from '../kube/labels.ts'
import { installKubeNetwork } from '../kube/network.ts'
import { currentOwner } from '../kube/owner.ts'
import { processStartTicks as processStart } from '../../process.ts'
import { needsHostNetwork } from '../kube/provider.ts'
import { KubeTarget } from '../kube/cluster-client.ts'
import type { Cluster, ClusterNode, Network, Provider, ProviderContext } from '../types.ts'
import { startK3s, type StartedK3s } from './cluster.ts'
import { dockerEngine, ensureImage } from './docker.ts'
import { CILIUM_POOL_HINT, ciliumPoolProblem, manifestObjects, type ManifestObject } from './manifests.ts'

function asK3s(spec: ClusterSpec): K3sClusterSpec {
  if (spec.provider !== 'k3s') throw new NetbenchError('PROVIDER', `internal: the k3s provider got a ${spec.provider} cluster`)
  return spec
}

/** Which k3s cluster a network runs on: its own when it has a manifest, else the flannel one. */
export function clusterKey(spec: Pick<K3sClusterSpec, 'manifests'>, network: string): string {
  return manifestOf(spec, network) ? network : 'flannel'
}

export function manifestOf(spec: Pick<K3sClusterSpec, 'manifests'>, network: string): string | null {
  return Object.hasOwn(spec.manifests, network) ? spec.manifests[network] ?? null : null
}

export async function checkManifests(spec: K3sClusterSpec, networks: readonly string[]): Promise<void> {
  for (const network of networks) {
    const manifest = manifestOf(spec, network)
    if (!manifest || /^https?:\/\//.test(manifest)) continue
    let text: string
    try {
      text = await readFile(manifest, 'utf8')
    } catch {
      throw new NetbenchError('SUITE_INVALID', `network ${network}: CNI manifest ${manifest}: no such file`, { hint: 'the path is relative to the suite file; or give an https:// URL' })
    }
    // Checked again when a URL's manifest is fetched, before its cluster starts.
    let objects: ManifestObject[] = []
    try {
      objects = manifestObjects(text, manifest)
    } catch { /* a manifest that does not parse fails where it is applied, with the place */ }
    const problem = ciliumPoolProblem(objects, manifest)
    if (problem) throw new NetbenchError('SUITE_INVALID', `network ${network}: CNI manifest ${problem}`, { hint: CILIUM_POOL_HINT })
  }
}

export const k3sProvider: Provider = {
  name: 'k3s',
  networks: ['host', 'flannel'],
  async preflight(spec: ClusterSpec, networks: readonly (string | NetworkSpec)[]): Promise<void> {
    const names = networks.map((network) => typeof network === 'string' ? network : network.name)
    const k3s = asK3s(spec)
    await checkManifests(k3s, names)
    await ensureImage(await dockerEngine(), k3s.image)
  },
  async createCluster(spec: ClusterSpec, context: ProviderContext): Promise<Cluster> {
    const k3s = asK3s(spec)
    const networks = Object.keys(k3s.manifests)
    const clusters = new Map<string, Promise<StartedK3s>>()
    const targets = new Map<string, KubeTarget>()
    const pending = new Map<string, Set<string>>()
    for (const network of networks) {
      const key = clusterKey(k3s, network)
      pending.set(key, new Set([...pending.get(key) ?? [], network]))
    }
    const privileged = needsHostNetwork(k3s, networks)
    const stopCluster = async (key: string) => {
      const cluster = clusters.get(key)
      clusters.delete(key)
      targets.get(key)?.stopHeartbeat()
      targets.delete(key)
      if (cluster) await cluster.then((started) => started.stop(), () => undefined)
    }
    return {
      nodes: [] as ClusterNode[],
      async install(network: string | NetworkSpec, signal?: AbortSignal): Promise<Network> {
        const name = typeof network === 'string' ? network : network.name
        const key = clusterKey(k3s, name)
        let cluster = clusters.get(key)
        if (!cluster) {
          cluster = startK3s({ runId: context.runId, key, manifest: manifestOf(k3s, name), nodes: k3s.nodes, zones: k3s.zones, image: k3s.image, readyTimeoutMs: k3s.readyTimeoutMs }, signal)
          clusters.set(key, cluster)
        }
        const started = await cluster
        let target = targets.get(key)
        if (!target) {
          const config = new KubeConfig()
          config.loadFromString(started.kubeconfig)
          target = new KubeTarget(config, started.where, { runId: context.runId, owner: currentOwner() })
          targets.set(key, target)
        }
        const installed = await installKubeNetwork({
          target, name, placements: k3s.placements, podImage: k3s.podImage, readyTimeoutMs: k3s.readyTimeoutMs,
          privileged: privileged || name === 'host', signal, runId: context.runId, deleteTimeoutMs: k3s.deleteTimeoutMs, programs: k3s.programs,
          facts: { provider: 'k3s', k3sImage: k3s.image, manifest: manifestOf(k3s, name), nodesPerCluster: k3s.nodes, zones: k3s.zones },
        })
        return {
          name: installed.name,
          setupMs: installed.setupMs,
          pair: installed.pair.bind(installed),
          describe: installed.describe.bind(installed),
          async [Symbol.asyncDispose]() {
            try {
              await installed[Symbol.asyncDispose]()
            } catch { /* the cluster goes anyway */ }
            // The cluster goes with the last network of the suite that runs on it.
            const users = pending.get(key)
            users?.delete(name)
            if (!users?.size) await stopCluster(key)
          },
        }
      },
      async [Symbol.asyncDispose]() {
        for (const key of [...clusters.keys()]) await stopCluster(key)
      },
    }
  },
  async removeRun(runId: string): Promise<string[]> {
    return removeK3sContainers((labels) => labels[RUN_LABEL] === runId)
  },
}

/** Docker containers and networks of runs matching `select` (by their labels), removed; [] without an engine. */
export async function removeK3sContainers(select: (labels: Record<string, string>) => boolean): Promise<string[]> {
  let engine: Awaited<ReturnType<typeof dockerEngine>>
  try {
    engine = await dockerEngine(5000)
  } catch {
    return []
  }
  const docker = engine.container.dockerode
  const removed: string[] = []
  const ours = { label: [`${MANAGED_BY_LABEL}=${MANAGED_BY}`] }
  for (const info of await docker.listContainers({ all: true, filters: ours })) {
    if (!select(info.Labels)) continue
    await docker.getContainer(info.Id).remove({ force: true, v: true }).catch(() => undefined)
    removed.push(`container ${info.Names[0]?.replace(/^\//, '') ?? info.Id.slice(0, 12)}`)
  }
  // Networks carry the same labels: one whose run died before any container started goes too.
  for (const network of await docker.listNetworks({ filters: ours })) {
    if (!select(network.Labels ?? {})) continue
    await docker.getNetwork(network.Id).remove().catch(() => undefined)
    removed.push(`docker network ${network.Name}`)
  }
  return removed
}

/** `netbench clean`: k3s containers whose owner process (on this host) is gone. */
export function isDeadK3sOwner(labels: Record<string, string>, host = hostname(), startOf: (pid: number) => string | undefined = processStart): boolean {
  if (labels[OWNER_HOST_ANNOTATION] !== host) return false
  const pid = Number(labels[OWNER_PID_ANNOTATION])
  return !(Number.isInteger(pid) && pid > 0 && startOf(pid) === labels[OWNER_START_ANNOTATION])
}

export function cleanK3sRuns(): Promise<string[]> {
  return removeK3sContainers((labels) => isDeadK3sOwner(labels))
}

