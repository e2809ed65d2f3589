/**
 * One kube context as a run uses it: API clients, the run's namespace in that cluster, its nodes,
 * and the pod operations networks need. Every API failure becomes a one-line NetbenchError that
 * names the context (403s name the verb and resource).
 */
import {
  AppsV1Api, CoreV1Api, DiscoveryV1Api, VersionApi, type KubeConfig, type V1EndpointSlice, type V1Namespace, type V1Node, type V1Pod, type V1Service,
} from '@kubernetes/client-node'
import { NetbenchError, isNetbenchError } from '../../errors.ts'
import { detectCni, nodeFacts, type CniFacts, type NodeFacts } from './environment.ts'
import { isConflict, isNotFound, isServiceAccountRace, kubeError, withTimeout, unreachable, type Where } from './errors.ts'
import { execToEnd } from './exec.ts'
import { CONTAINER, HEARTBEAT_ANNOTATION, HEARTBEAT_INTERVAL_MS, POD_LABEL, RUN_LABEL, SERVICE_NAME_LABEL, namespaceOf, networkSelector } from './labels.ts'
import { endpointPodManifest, namespaceManifest, type RunOwner } from './manifests.ts'
import { toKubeNode, type KubeNode, type PlannedPod } from './placement.ts'
import { isReady, lastWarning, notReadyReason, podProblem } from './readiness.ts'

const POLL_MS = 250
/** How long a new namespace may lack its `default` ServiceAccount (the controller is usually sub-second). */
export const SERVICE_ACCOUNT_TIMEOUT_MS = 30_000
/** How long the first request may take before the server counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 15_000

export interface ServerFacts {
  version: string
  platform: string | null
}

export interface ReadyPod {
  name: string
  ip: string
  node: string
}

export interface TargetOptions {
  runId: string
  owner: RunOwner
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export class KubeTarget {
  readonly core: CoreV1Api
  readonly apps: AppsV1Api
  readonly namespace: string
  private heartbeat: NodeJS.Timeout | undefined
  private namespaceReady: Promise<void> | undefined
  private nodeList: Promise<V1Node[]> | undefined

  constructor(readonly config: KubeConfig, readonly where: Where, private readonly options: TargetOptions) {
    this.core = config.makeApiClient(CoreV1Api)
    this.apps = config.makeApiClient(AppsV1Api)
    this.namespace = namespaceOf(options.runId)
  }

  get context(): string {
    return this.where.context
  }

  /** Wraps an API call so its failure says what netbench was doing, in which context. */
  async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request()
    } catch (error) {
      throw kubeError(error, what, this.where)
    }
  }

  /** `GET /version`, bounded: an unreachable server fails in seconds, not after TCP's minutes. */
  async server(timeoutMs = CONNECT_TIMEOUT_MS): Promise<ServerFacts> {
    const api = this.config.makeApiClient(VersionApi)
    const info = await withTimeout(this.call('reading the server version', () => api.getCode()), timeoutMs,
      () => unreachable(this.where, `no answer within ${timeoutMs / 1000} s`))
    return { version: info.gitVersion, platform: info.platform ?? null }
  }

  nodes(): Promise<V1Node[]> {
    this.nodeList ??= this.call('listing nodes', () => this.core.listNode()).then((list) => list.items)
    this.nodeList.catch(() => { this.nodeList = undefined })
    return this.nodeList
  }

  async kubeNodes(): Promise<KubeNode[]> {
    return (await this.nodes()).map(toKubeNode)
  }

  async nodeFacts(): Promise<NodeFacts[]> {
    return (await this.nodes()).map(nodeFacts)
  }

  /** The CNI, recognised from DaemonSets; `unknown` (with the reason) when they cannot be listed. */
  async cni(): Promise<CniFacts> {
    try {
      const daemonsets = await this.apps.listDaemonSetForAllNamespaces()
      return detectCni(daemonsets.items, await this.nodes())
    } catch (error) {
      const code = (error as { code?: unknown }).code
      return { name: 'unknown', version: null, source: code === 403 ? 'no permission to list daemonsets' : `daemonsets unreadable: ${String((error as Error).message ?? error).split('\n')[0]}` }
    }
  }

  /** Creates the run's namespace once (reusing it if this run already made it). */
  ensureNamespace(hostNetwork: boolean): Promise<void> {
    this.namespaceReady ??= this.createNamespace(hostNetwork)
    this.namespaceReady.catch(() => { this.namespaceReady = undefined })
    return this.namespaceReady
  }

  private async createNamespace(hostNetwork: boolean): Promise<void> {
    const body = namespaceManifest({ runId: this.options.runId, owner: this.options.owner, hostNetwork })
    for (let attempt = 0; ; attempt++) {
      try {
        await this.core.createNamespace({ body })
        break
      } catch (error) {
        if (!isConflict(error) || attempt > 0) throw kubeError(error, `creating namespace ${this.namespace}`, this.where)
        const existing = await this.readNamespace()
        if (existing?.metadata?.labels?.[RUN_LABEL] !== this.options.runId) throw kubeError(error, `creating namespace ${this.namespace}`, this.where)
        if (!existing.metadata?.deletionTimestamp) break
        // Ours, from an earlier suite of this run, still terminating: wait, then create it again.
        await this.waitNamespaceGone(120_000)
      }
    }
    this.heartbeat = setInterval(() => { void this.beat() }, HEARTBEAT_INTERVAL_MS)
    this.heartbeat.unref()
  }

  /** Renews the heartbeat annotation (every minute while the run lives). */
  async beat(): Promise<void> {
    try {
      await this.core.patchNamespace({
        name: this.namespace,
        body: [{ op: 'add', path: `/metadata/annotations/${HEARTBEAT_ANNOTATION.replace(/\//g, '~1')}`, value: new Date().toISOString() }],
      })
    } catch { /* a missed beat only matters after three */ }
  }

  async readNamespace(name = this.namespace): Promise<V1Namespace | undefined> {
    try {
      return await this.core.readNamespace({ name })
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw kubeError(error, `reading namespace ${name}`, this.where)
    }
  }

  async createPods(network: string, pods: readonly PlannedPod[], image: string): Promise<void> {
    for (const pod of pods) {
      const body = endpointPodManifest({ runId: this.options.runId, name: pod.name, network, node: pod.node.name, image, hostNetwork: pod.hostNetwork, labels: { [POD_LABEL]: pod.name } })
      await this.createPod(this.namespace, body, `creating pod ${pod.name} on node ${pod.node.name}`)
    }
  }

  /**
   * Creates a pod; while the namespace's `default` ServiceAccount does not exist yet (it is made
   * by a controller just after the namespace), admission refuses pods: wait for it, bounded.
   */
  async createPod(namespace: string, body: V1Pod, what: string, timeoutMs = SERVICE_ACCOUNT_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
      try {
        await this.core.createNamespacedPod({ namespace, body })
        return
      } catch (error) {
        if (!isServiceAccountRace(error)) throw kubeError(error, what, this.where)
        if (Date.now() >= deadline) {
          throw new NetbenchError('PROVIDER', `context '${this.context}': namespace ${namespace} still has no default ServiceAccount after ${Math.round(timeoutMs / 1000)} s, so no pod can be created`, {
            hint: 'the serviceaccount controller of kube-controller-manager is not running or is behind; check the control plane',
          })
        }
        await sleep(Math.min(pause, Math.max(0, deadline - Date.now())))
      }
    }
  }

  /**
   * Waits until every pod of the network is Ready. Fails early on what waiting cannot fix (bad
   * image name, container exited) and, at the timeout, says which pod on which node and why.
   */
  waitReady(network: string, names: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<Map<string, ReadyPod>> {
    return this.waitPodsReady(this.namespace, networkSelector(this.options.runId, network), names, timeoutMs, `the pods of ${network}`, signal)
  }

  /** Waits until the named pods (found by `selector` in `namespace`) are Ready. */
  async waitPodsReady(namespace: string, selector: string, names: readonly string[], timeoutMs: number, what: string, signal?: AbortSignal): Promise<Map<string, ReadyPod>> {
    const deadline = Date.now() + timeoutMs
    let last = new Map<string, V1Pod>()
    let pause = POLL_MS
    for (;;) {
      signal?.throwIfAborted()
      const list = await this.call(`reading ${what}`, () => this.core.listNamespacedPod({ namespace, labelSelector: selector }))
      last = new Map(list.items.map((pod) => [pod.metadata?.name ?? '', pod]))
      const ready = new Map<string, ReadyPod>()
      for (const name of names) {
        const pod = last.get(name)
        if (pod && isReady(pod) && pod.status?.podIP) ready.set(name, { name, ip: pod.status.podIP, node: pod.spec?.nodeName ?? '' })
      }
      if (ready.size === names.length) return ready
      for (const name of names) {
        const pod = last.get(name)
        if (!pod) {
          if (await this.readNamespace(namespace).then((ns) => !ns || ns.metadata?.deletionTimestamp)) {
            throw new NetbenchError('PROVIDER', `namespace ${namespace} in context '${this.context}' was deleted while pod ${name} was starting`, { hint: 'the run was interrupted or someone ran netbench clean' })
          }
          continue
        }
        const problem = podProblem(pod)
        if (problem?.fatal) throw this.notReady(pod, name, `${problem.reason}`, problem.hint)
      }
      if (Date.now() >= deadline) {
        const name = names.find((candidate) => !ready.has(candidate))!
        const pod = last.get(name)
        const { reason, hint } = notReadyReason(pod, await this.warningOf(namespace, name))
        throw this.notReady(pod, name, `not Ready within ${Math.round(timeoutMs / 1000)} s: ${reason}`, hint)
      }
      await sleep(Math.min(pause, Math.max(50, deadline - Date.now())))
      pause = Math.min(pause * 1.5, 1000)
    }
  }

  private notReady(pod: V1Pod | undefined, name: string, reason: string, hint: string): NetbenchError {
    const node = pod?.spec?.nodeName
    return new NetbenchError('PROVIDER', `pod ${name}${node ? ` on node ${node}` : ''} (context '${this.context}'): ${reason}`, { hint })
  }

  private async warningOf(namespace: string, pod: string): Promise<string | null> {
    try {
      const events = await this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${pod}` })
      return lastWarning(events.items)
    } catch {
      return null
    }
  }

  /** Runs a short command in a pod to its end. */
  async run(pod: string, argv: readonly string[], timeoutMs = 30_000, namespace = this.namespace) {
    try {
      return await execToEnd(this.config, { namespace, pod, container: CONTAINER }, argv, timeoutMs)
    } catch (error) {
      if (isNetbenchError(error)) throw error
      throw kubeError(error, `exec into pod ${pod}`, this.where)
    }
  }

  /** Creates a Service in the run's namespace; the answer carries what the API server allocated. */
  createService(body: V1Service): Promise<V1Service> {
    return this.call(`creating service ${body.metadata?.name}`, () => this.core.createNamespacedService({ namespace: this.namespace, body }))
  }

  /** The Service as stored; undefined when it is gone. */
  async readService(name: string): Promise<V1Service | undefined> {
    try {
      return await this.core.readNamespacedService({ namespace: this.namespace, name })
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw kubeError(error, `reading service ${name}`, this.where)
    }
  }

  async deleteService(name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedService({ namespace: this.namespace, name })
    } catch (error) {
      if (!isNotFound(error)) throw kubeError(error, `deleting service ${name}`, this.where)
    }
  }

  /** The EndpointSlices the EndpointSlice controller keeps for a Service. */
  async endpointSlices(service: string): Promise<V1EndpointSlice[]> {
    const discovery = this.config.makeApiClient(DiscoveryV1Api)
    const list = await this.call(`reading the endpoints of service ${service}`, () => discovery.listNamespacedEndpointSlice({ namespace: this.namespace, labelSelector: `${SERVICE_NAME_LABEL}=${service}` }))
    return list.items
  }

  /** Deletes a network's pods without waiting (the namespace deletion waits for everything). */
  async deletePods(network: string): Promise<void> {
    try {
      await this.core.deleteCollectionNamespacedPod({ namespace: this.namespace, labelSelector: networkSelector(this.options.runId, network), gracePeriodSeconds: 0 })
    } catch (error) {
      if (!isNotFound(error)) throw kubeError(error, `deleting the pods of ${network}`, this.where)
    }
  }

  /** Deletes the run's namespace and waits until it is gone. */
  async deleteNamespace(timeoutMs: number): Promise<boolean> {
    clearInterval(this.heartbeat)
    this.namespaceReady = undefined
    const existed = await deleteNamespace(this.core, this.namespace, this.where)
    await this.waitNamespaceGone(timeoutMs)
    return existed
  }

  waitNamespaceGone(timeoutMs: number): Promise<void> {
    return waitNamespaceGone(this.core, this.namespace, this.where, timeoutMs)
  }

  stopHeartbeat(): void {
    clearInterval(this.heartbeat)
  }
}

/** Deletes a namespace; false when it was already gone. A namespace already terminating is fine. */
export async function deleteNamespace(core: CoreV1Api, name: string, where: Where): Promise<boolean> {
  try {
    await core.deleteNamespace({ name, propagationPolicy: 'Background' })
    return true
  } catch (error) {
    if (isNotFound(error)) return false
    if (isConflict(error)) return true
    throw kubeError(error, `deleting namespace ${name}`, where)
  }
}

/**
 * An aggregated API that does not answer (metrics-server down) keeps every deleted namespace
 * Terminating with NamespaceDeletionDiscoveryFailure, although its pods are gone: nothing of the
 * run is left running and the namespace goes by itself once discovery works, so that is no failure.
 */
async function onlyDiscoveryBlocks(core: CoreV1Api, name: string, namespace: V1Namespace): Promise<boolean> {
  const discovery = namespace.status?.conditions?.some((condition) => condition.type === 'NamespaceDeletionDiscoveryFailure' && condition.status === 'True')
  if (!discovery) return false
  try {
    return (await core.listNamespacedPod({ namespace: name })).items.length === 0
  } catch {
    return false
  }
}

export async function waitNamespaceGone(core: CoreV1Api, name: string, where: Where, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: V1Namespace | undefined
  let pause = POLL_MS
  for (;;) {
    try {
      last = await core.readNamespace({ name })
    } catch (error) {
      if (isNotFound(error)) return
      throw kubeError(error, `waiting for namespace ${name} to go`, where)
    }
    if (await onlyDiscoveryBlocks(core, name, last)) return
    if (Date.now() >= deadline) break
    await sleep(Math.min(pause, Math.max(50, deadline - Date.now())))
    pause = Math.min(pause * 1.5, 1000)
  }
  const stuck = last?.status?.conditions?.find((condition) => condition.status === 'True' && condition.message)
  const finalizers = [...last?.spec?.finalizers ?? [], ...last?.metadata?.finalizers ?? []]
  const why = stuck ? `: ${stuck.type}: ${stuck.message}` : finalizers.length ? ` (finalizers: ${finalizers.join(', ')})` : ''
  throw new NetbenchError('PROVIDER', `namespace ${name} in context '${where.context}' is still ${last?.status?.phase ?? 'there'} after ${Math.round(timeoutMs / 1000)} s${why}`, {
    hint: `see kubectl --context ${where.context} get namespace ${name} -o yaml; once it can go, netbench clean --kube --context ${where.context} removes it`,
  })
}
