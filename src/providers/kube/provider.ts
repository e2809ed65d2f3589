/**
 * The `kube` provider: existing clusters named by kubeconfig contexts. It creates nothing but a
 * namespace per run and context (`netbench-<run id>`) holding the endpoint pods, and deletes it,
 * waiting until it is gone, when the suite ends — on success, failure and interruption.
 */
import { NetbenchError } from '../../errors.ts'
import type { ClusterSpec, KubeClusterSpec, NetworkSpec } from '../../model.ts'
import type { Cluster, ClusterNode, Network, Provider, ProviderContext } from '../types.ts'
import type { Where } from './errors.ts'
import { configForContext, loadKubeConfig, resolveContextName, whereOf, type LoadedKubeConfig } from './kubeconfig.ts'
import { installKubeNetwork } from './network.ts'
import { currentOwner } from './owner.ts'
import { checkKubeTargets, contextsOf } from './preflight.ts'
import { removeKubeRun } from './runs.ts'
import { KubeTarget } from './cluster-client.ts'

function asKube(spec: ClusterSpec): KubeClusterSpec {
  if (spec.provider !== 'kube') throw new NetbenchError('PROVIDER', `internal: the kube provider got a ${spec.provider} cluster`)
  return spec
}

/** Does any network of the suite run hostNetwork pods (which need a privileged namespace)? */
export function needsHostNetwork(spec: Pick<KubeClusterSpec, 'placements'>, networks: readonly string[]): boolean {
  return networks.includes('host') || spec.placements.some((placement) => placement.endpoint === 'host')
}

/** The per-context state of one suite: a target per context, created on first use. */
export class KubeClusterSession {
  private loaded: LoadedKubeConfig | undefined
  private readonly targets = new Map<string, KubeTarget>()

  constructor(private readonly spec: Pick<KubeClusterSpec, 'context' | 'contexts' | 'deleteTimeoutMs'>, private readonly runId: string) {}

  target(network: string): KubeTarget {
    this.loaded ??= loadKubeConfig()
    const wanted = Object.hasOwn(this.spec.contexts, network) ? this.spec.contexts[network]! : this.spec.context
    const context = resolveContextName(this.loaded, wanted)
    let target = this.targets.get(context)
    if (!target) {
      const config = configForContext(this.loaded, context)
      const where: Where = whereOf(context, config)
      target = new KubeTarget(config, where, { runId: this.runId, owner: currentOwner() })
      this.targets.set(context, target)
    }
    return target
  }

  /** Deletes the run's namespace in every context used and waits; throws the first failure. */
  async dispose(): Promise<void> {
    const errors: unknown[] = []
    for (const target of this.targets.values()) {
      try {
        await target.deleteNamespace(this.spec.deleteTimeoutMs)
      } catch (error) {
        errors.push(error)
      } finally {
        target.stopHeartbeat()
      }
    }
    this.targets.clear()
    if (errors.length) throw errors[0]
  }
}

export const kubeProvider: Provider = {
  name: 'kube',
  // Any name: a kube network is whatever CNI the context's cluster runs; `host` is hostNetwork pods.
  networks: ['host'],
  async preflight(spec: ClusterSpec, networks: readonly (string | NetworkSpec)[]): Promise<void> {
    await checkKubeTargets(asKube(spec), networks.map((network) => typeof network === 'string' ? network : network.name))
  },
  async createCluster(spec: ClusterSpec, context: ProviderContext): Promise<Cluster> {
    const kube = asKube(spec)
    const session = new KubeClusterSession(kube, context.runId)
    const installed = new Set<string>()
    const privileged = needsHostNetwork(kube, Object.keys(kube.contexts))
    return {
      nodes: [] as ClusterNode[],
      async install(network: string | NetworkSpec, signal?: AbortSignal): Promise<Network> {
        const name = typeof network === 'string' ? network : network.name
        installed.add(name)
        return installKubeNetwork({
          target: session.target(name), name, placements: kube.placements, podImage: kube.podImage,
          readyTimeoutMs: kube.readyTimeoutMs, privileged: privileged || name === 'host', signal, ports: kube.ports,
          runId: context.runId, deleteTimeoutMs: kube.deleteTimeoutMs, programs: kube.programs,
        })
      },
      async [Symbol.asyncDispose]() {
        await session.dispose()
      },
    }
  },
  async removeRun(runId: string, specs: readonly ClusterSpec[], options: { wait: boolean }): Promise<string[]> {
    const kubeSpecs = specs.map(asKube)
    const contexts = [...new Set(kubeSpecs.flatMap((spec) => contextsOf(spec, Object.keys(spec.contexts))))]
    const timeoutMs = Math.max(...kubeSpecs.map((spec) => spec.deleteTimeoutMs))
    return removeKubeRun(runId, contexts, { wait: options.wait, timeoutMs })
  },
}
