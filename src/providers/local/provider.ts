import { NetbenchError } from '../../errors.ts'
import { missingProgram, runChecked } from '../../exec.ts'
import type { ClusterSpec, LocalClusterSpec, NetworkSpec } from '../../model.ts'
import type { Cluster, Network, Provider, ProviderContext } from '../types.ts'
import { adoptFeatures, probedFeatures, requireCniPlugins, requireFeatures, type Probes } from './features.ts'
import { hostNetwork } from './host-network.ts'
import { createLab, policeFrames, type LocalLab } from './lab.ts'
import { CNIS } from './networks/index.ts'
import { fullFrameBytes, installPodNetwork, installServicePaths, type LocalNetwork } from './pod-network.ts'
import { FULL_FRAME_BYTES } from './shaping.ts'
import { checkLabEnvironment, findProgram, LAB_PROGRAMS } from './preflight.ts'
import { reapDeadRuns, removeLabObjects } from './runs.ts'
import { localLifecycle } from './lifecycle.ts'

export const LOCAL_NETWORKS = ['host', ...Object.keys(CNIS)] as const

export function toNetworkSpec(network: string | NetworkSpec): NetworkSpec {
  return typeof network === 'string' ? { name: network, cni: network, options: {} } : network
}

function unknownNetwork(name: string): NetbenchError {
  return new NetbenchError('SUITE_INVALID', `the local provider has no network '${name}'`, { hint: `use one of ${LOCAL_NETWORKS.join(', ')}` })
}

/**
 * Everything the given networks need from this machine — programs, CNI plugins, kernel features —
 * checked up front so a missing piece fails before anything is provisioned (exit 3).
 */
export async function checkNetworkRequirements(networks: readonly (string | NetworkSpec)[]): Promise<void> {
  const specs = networks.map(toNetworkSpec)
  const features = []
  for (const spec of specs) {
    if (spec.cni === 'host') continue
    const definition = CNIS[spec.cni]
    if (!definition) throw unknownNetwork(spec.cni)
    const needs = definition.requirements(spec)
    for (const program of needs.programs) if (!await findProgram(program)) throw missingProgram(program)
    await requireCniPlugins(needs.plugins, spec.name)
    features.push(...needs.features)
  }
  await requireFeatures(features)
}

/** Underlay conditions: shaped links and loss need nftables (and loss ethtool), latency the netem qdisc. */
export async function checkConditionRequirements(spec: LocalClusterSpec): Promise<void> {
  const shaped = spec.bandwidthBps !== null || spec.nodeBandwidthBps?.some((rate) => rate !== null)
  if (shaped) {
    if (!await findProgram('nft')) throw missingProgram('nft')
    await requireFeatures([{ feature: 'nftables', by: 'shaped uplinks (their UDP policers)' }])
  }
  if (spec.nodeLossPercent?.some((percent) => percent > 0)) {
    for (const program of ['nft', 'ethtool']) if (!await findProgram(program)) throw missingProgram(program)
    await requireFeatures([{ feature: 'nftables', by: 'cluster loss' }])
  }
  if (spec.zoneLatencyMs) await requireFeatures([{ feature: 'netem', by: `cluster.latency (${spec.zoneLatencyMs} ms between zones)` }])
}

/** The default provider: a lab of network namespaces on this machine. */
export const localProvider: Provider = {
  name: 'local',
  networks: LOCAL_NETWORKS,
  // Pod networks share the nodes' devices and pod names (see createLocalCluster); host coexists.
  networksAtOnce: 1,
  lifecycle: localLifecycle,
  // The preflight's kernel-feature probes: a worker adopts them instead of probing again.
  handOff: async () => probedFeatures()?.catch(() => undefined),
  takeOver: (state) => adoptFeatures(state as Probes),
  cleanDeadRuns: async () => ({ removed: await reapDeadRuns(), kept: [] }),
  async preflight(spec: ClusterSpec, networks: readonly (string | NetworkSpec)[]) {
    await checkLabEnvironment([...LAB_PROGRAMS, ...spec.programs ?? []])
    await checkNetworkRequirements(networks)
    if (spec.provider === 'local') await checkConditionRequirements(spec)
  },
  async createCluster(anySpec: ClusterSpec, context: ProviderContext): Promise<LocalCluster> {
    if (anySpec.provider !== 'local') throw new NetbenchError('PROVIDER', `the local provider cannot build a '${anySpec.provider}' cluster`, { hint: 'this is a netbench bug' })
    const spec: LocalClusterSpec = anySpec
    await checkConditionRequirements(spec)
    let lab: LocalLab
    try {
      lab = await createLab(context.runId, spec)
    } catch (error) {
      await removeLabObjects(context.runId)
      throw error
    }
    return createLocalCluster(lab, spec, context)
  },
}

/** A cluster of the local provider: its lab is visible, and so are its networks' pods. */
export interface LocalCluster extends Cluster {
  readonly lab: LocalLab
  readonly spec: LocalClusterSpec
  install(network: string | NetworkSpec, signal?: AbortSignal): Promise<LocalNetwork>
}

/**
 * A cluster over a lab. One pod network is installed at a time (they share the nodes' devices and
 * the pods' names); installing another first uninstalls the current one. `host` always coexists.
 */
export function createLocalCluster(lab: LocalLab, spec: LocalClusterSpec, context: ProviderContext, options: { persistent?: boolean } = {}): LocalCluster {
  let active: LocalNetwork | undefined
  // The policers are rated for full frames of this size; most networks' match the lab's own.
  let policedFrameBytes = FULL_FRAME_BYTES
  const police = async (frameBytes: number) => {
    if (frameBytes === policedFrameBytes) return
    await policeFrames(lab, frameBytes)
    policedFrameBytes = frameBytes
  }
  return {
    lab,
    spec,
    nodes: lab.nodes.map(({ name, zone, ip }) => ({ name, zone, ip })),
    async install(network: string | NetworkSpec, signal?: AbortSignal): Promise<LocalNetwork> {
      const networkSpec = toNetworkSpec(network)
      if (networkSpec.cni === 'host') {
        await police(FULL_FRAME_BYTES)
        return hostNetwork(lab, networkSpec, spec.vias?.length ? await installServicePaths(lab, [], spec.vias) : undefined)
      }
      const definition = CNIS[networkSpec.cni]
      if (!definition) throw unknownNetwork(networkSpec.cni)
      // Cheap after preflight (cached); covers callers that skip it (imperative suites, lab up).
      await checkNetworkRequirements([networkSpec])
      if (active) await active[Symbol.asyncDispose]()
      const installed = await installPodNetwork({ lab, spec: networkSpec, podsPerNode: spec.pods ?? 2, runDir: context.runDir, signal, persistent: options.persistent, vias: spec.vias }, definition.build)
      active = installed
      await police(fullFrameBytes(installed))
      const dispose = installed[Symbol.asyncDispose]
      return Object.assign(installed, {
        [Symbol.asyncDispose]: async () => {
          if (active === installed) active = undefined
          await dispose()
        },
      })
    },
    async setUplink(node: string, up: boolean): Promise<void> {
      if (!lab.nodes.some((candidate) => candidate.name === node)) throw new NetbenchError('SUITE_INVALID', `no node '${node}' in this lab`, { hint: `use n1 to n${lab.nodes.length}` })
      await runChecked('ip', ['-n', lab.underlayNamespace, 'link', 'set', `p${node}`, up ? 'up' : 'down'], { what: `taking the uplink of ${node} ${up ? 'up' : 'down'}` })
    },
    // Removing the lab deletes every pod and node namespace: the network still installed only
    // needs its daemons stopped first.
    removesNetworks: true,
    async [Symbol.asyncDispose]() {
      if (active) await active.abandon().catch(() => undefined)
      await removeLabObjects(context.runId)
    },
  }
}

export type { Network }
