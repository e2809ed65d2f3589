import { NetbenchError } from '../errors.ts'
import { k3sProvider } from './k3s/index.ts'
import { kubeProvider } from './kube/index.ts'
import { localProvider } from './local/provider.ts'
import type { ClusterSpec } from '../model.ts'
import type { CleanOptions, CleanReport, Provider, RunLifecycle } from './types.ts'

const providers: Record<string, Provider> = {
  local: localProvider,
  kube: kubeProvider,
  k3s: k3sProvider,
}

export function providerFor(name: string): Provider {
  const provider = providers[name]
  if (!provider) throw new NetbenchError('SUITE_INVALID', `unknown provider '${name}'`, { hint: `use one of ${Object.keys(providers).join(', ')}` })
  return provider
}

/**
 * Removes what a run made with providers that create objects outside this machine (kube
 * namespaces, k3s containers), grouped by provider; collects errors instead of stopping.
 */
export async function removeRemoteRuns(runId: string, specs: readonly ClusterSpec[], options: { wait: boolean }): Promise<{ removed: string[]; errors: unknown[] }> {
  const removed: string[] = []
  const errors: unknown[] = []
  for (const name of new Set(specs.map((spec) => spec.provider))) {
    const provider = providerFor(name)
    if (!provider.removeRun) continue
    try {
      removed.push(...await provider.removeRun(runId, specs.filter((spec) => spec.provider === name), options))
    } catch (error) {
      errors.push(error)
    }
  }
  return { removed, errors }
}

/** Every provider's `handOff`, by provider name, for the run's workers. */
export async function handOffProviderStates(): Promise<Record<string, unknown>> {
  const states = await Promise.all(Object.values(providers).map(async (provider) => [provider.name, await provider.handOff?.()] as const))
  return Object.fromEntries(states.filter(([, state]) => state !== undefined))
}

/** In a worker: gives each provider what its `handOff` gave in the CLI. */
export function takeOverProviderStates(states: Record<string, unknown>): void {
  for (const [name, state] of Object.entries(states)) providerFor(name).takeOver?.(state)
}

/** The lifecycles of the named providers that keep things of a run on this machine. */
export function lifecyclesOf(names: Iterable<string>): RunLifecycle[] {
  return [...new Set(names)].flatMap((name) => providerFor(name).lifecycle ?? [])
}

/**
 * `netbench clean`: every provider's cleaner, in registry order, or only `named` ones (those that
 * need a cluster's credentials run only when named).
 */
export async function cleanDeadRuns(named: readonly string[], options: CleanOptions): Promise<CleanReport> {
  const report: CleanReport = { removed: [], kept: [] }
  const chosen = named.length ? named.map(providerFor) : Object.values(providers).filter((provider) => !provider.cleanWhenNamed)
  for (const provider of chosen) {
    const cleaned = await provider.cleanDeadRuns?.(options)
    report.removed.push(...cleaned?.removed ?? [])
    report.kept.push(...cleaned?.kept ?? [])
  }
  return report
}
