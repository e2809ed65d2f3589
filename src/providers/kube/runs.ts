/**
 * A run's namespaces after the fact: the CLI removes them when a run ends or is interrupted
 * (even if the worker that made them died), and `netbench clean --kube` removes those of runs that
 * are no longer alive.
 */
import { CoreV1Api, type V1Namespace } from '@kubernetes/client-node'
import { kubeError, type Where } from './errors.ts'
import { configForContext, loadKubeConfig, resolveContextName, whereOf, type LoadedKubeConfig } from './kubeconfig.ts'
import { MANAGED_SELECTOR, RUN_LABEL, runSelector } from './labels.ts'
import { ownerLiveness } from './owner.ts'
import { deleteNamespace, waitNamespaceGone } from './cluster-client.ts'
import type { CleanReport } from '../types.ts'

interface ContextClient {
  core: CoreV1Api
  where: Where
}

function clientFor(loaded: LoadedKubeConfig, context: string | null): ContextClient {
  const name = resolveContextName(loaded, context)
  const config = configForContext(loaded, name)
  return { core: config.makeApiClient(CoreV1Api), where: whereOf(name, config) }
}

async function listManaged(client: ContextClient, selector: string): Promise<V1Namespace[]> {
  try {
    return (await client.core.listNamespace({ labelSelector: selector })).items
  } catch (error) {
    throw kubeError(error, 'listing netbench namespaces', client.where)
  }
}

export interface RemoveOptions {
  /** Wait until the namespaces are gone (false: only ask, e.g. from a signal handler). */
  wait: boolean
  timeoutMs: number
}

/**
 * Deletes every namespace of a run in the given contexts; returns what it deleted. Errors of one
 * context do not stop the others; the first is rethrown at the end.
 */
export async function removeKubeRun(runId: string, contexts: ReadonlyArray<string | null>, options: RemoveOptions): Promise<string[]> {
  const loaded = loadKubeConfig()
  const removed: string[] = []
  const errors: unknown[] = []
  const seen = new Set<string>()
  for (const context of contexts) {
    try {
      const client = clientFor(loaded, context)
      if (seen.has(client.where.context)) continue
      seen.add(client.where.context)
      for (const namespace of await listManaged(client, runSelector(runId))) {
        const name = namespace.metadata!.name!
        if (!namespace.metadata?.deletionTimestamp) await deleteNamespace(client.core, name, client.where)
        if (options.wait) await waitNamespaceGone(client.core, name, client.where, options.timeoutMs)
        removed.push(`namespace ${name} (context ${client.where.context})`)
      }
    } catch (error) {
      errors.push(error)
    }
  }
  if (errors.length) throw errors[0]
  return removed
}

/** `netbench clean --kube`: deletes the namespaces of dead runs, leaves live runs alone. */
export async function cleanKubeRuns(contexts: ReadonlyArray<string | null>, timeoutMs = 120_000): Promise<CleanReport> {
  const loaded = loadKubeConfig()
  const report: CleanReport = { removed: [], kept: [] }
  for (const context of contexts.length ? contexts : [null]) {
    const client = clientFor(loaded, context)
    for (const namespace of await listManaged(client, MANAGED_SELECTOR)) {
      const name = namespace.metadata!.name!
      const run = namespace.metadata?.labels?.[RUN_LABEL] ?? '?'
      const liveness = ownerLiveness(namespace)
      if (liveness.alive) {
        report.kept.push(`namespace ${name} (context ${client.where.context}): run ${run} is alive, ${liveness.why}`)
        continue
      }
      if (!namespace.metadata?.deletionTimestamp) await deleteNamespace(client.core, name, client.where)
      await waitNamespaceGone(client.core, name, client.where, timeoutMs)
      report.removed.push(`namespace ${name} (context ${client.where.context}; ${liveness.why})`)
    }
  }
  return report
}
