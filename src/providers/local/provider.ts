import { NetbenchError } from '../../errors.ts'
import type { ClusterSpec } from '../../suites/model.ts'
import type { Cluster, Network, Provider, ProviderContext } from '../types.ts'
import { hostNetwork } from './host-network.ts'
import { createLab, type Lab } from './lab.ts'
import { removeLabObjects } from './runs.ts'
import { checkLabEnvironment } from './preflight.ts'

type NetworkFactory = (lab: Lab) => Network | Promise<Network>

const networkFactories: Record<string, NetworkFactory> = {
  host: hostNetwork,
}

/** The default provider: a lab of network namespaces on this machine. */
export const localProvider: Provider = {
  name: 'local',
  networks: Object.keys(networkFactories),
  preflight: (_spec: ClusterSpec) => checkLabEnvironment(),
  async createCluster(spec: ClusterSpec, context: ProviderContext): Promise<Cluster> {
    let lab: Lab
    try {
      lab = await createLab(context.runId, spec)
    } catch (error) {
      await removeLabObjects(context.runId)
      throw error
    }
    return {
      nodes: lab.nodes.map(({ name, zone, ip }) => ({ name, zone, ip })),
      async install(network: string): Promise<Network> {
        const factory = networkFactories[network]
        if (!factory) throw new NetbenchError('SUITE_INVALID', `the local provider has no network '${network}'`, { hint: `use one of ${Object.keys(networkFactories).join(', ')}` })
        return factory(lab)
      },
      async [Symbol.asyncDispose]() {
        await removeLabObjects(context.runId)
      },
    }
  },
}
