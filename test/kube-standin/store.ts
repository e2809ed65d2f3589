/**
 * The kube STAND-IN's object store: namespaces with their pods, events and NetworkPolicies (their
 * Services are services.ts's, released here with the namespace), and
 * the namespace lifecycle (Terminating, then gone; or stuck on a finalizer or a discovery failure).
 * Pod processes are the kubelet's (kubelet.ts): the store only asks it to kill a deleted pod's.
 */
import { randomUUID } from 'node:crypto'
import { Namespace } from 'kubernetes-models/v1/Namespace'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import type { ExecSession } from './exec.ts'
import { HttpError, now, type Json } from './http.ts'
import type { StandInOptions } from './options.ts'
import { defaultPolicy } from './policy.ts'
import { validateMeta, validateModel } from './validation.ts'

export interface PodRecord {
  object: Json
  sessions: Set<ExecSession>
  timers: NodeJS.Timeout[]
  /** The policy probe server runs in it. */
  serving?: boolean
}

export interface NamespaceRecord {
  object: Json
  pods: Map<string, PodRecord>
  events: Json[]
  networkPolicies: Map<string, Json>
  /** The `default` ServiceAccount exists (the token controller has caught up). */
  serviceAccount: boolean
}

/** `a=b,c!=d,e` (the subset of label selectors netbench uses, and a little more). */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true
  return selector.split(',').map((term) => term.trim()).filter(Boolean).every((term) => {
    const notEqual = /^([^!=]+)!=(.*)$/.exec(term)
    if (notEqual) return labels?.[notEqual[1]!.trim()] !== notEqual[2]!.trim()
    const equal = /^([^=]+)==?(.*)$/.exec(term)
    if (equal) return labels?.[equal[1]!.trim()] === equal[2]!.trim()
    return labels?.[term] !== undefined
  })
}

export class StandInStore {
  readonly namespaceMap = new Map<string, NamespaceRecord>()
  /** Every NetworkPolicy as stored on create or update (after defaulting), in order. */
  readonly policyLog: Json[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  /** When each stored NetworkPolicy takes effect in the stand-in's "CNI". */
  private readonly programmedAt = new WeakMap<Json, number>()

  constructor(private readonly options: StandInOptions, private readonly killPod: (pod: PodRecord) => void, private readonly releaseServices: (namespace: string) => void) {}

  /** Runs `action` after `ms` unless the stand-in closes first. */
  later(ms: number, action: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      action()
    }, ms)
    this.timers.add(timer)
    return timer
  }

  clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer)
  }

  namespaceRecord(name: string): NamespaceRecord {
    const record = this.namespaceMap.get(name)
    if (!record) throw new HttpError(404, 'NotFound', `namespaces "${name}" not found`, { name, kind: 'namespaces' })
    return record
  }

  podRecord(record: NamespaceRecord, name: string): PodRecord {
    const pod = record.pods.get(name)
    if (!pod) throw new HttpError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })
    return pod
  }

  allPods(): PodRecord[] {
    return [...this.namespaceMap.values()].flatMap((record) => [...record.pods.values()])
  }

  createNamespace(body: Json): Json {
    validateMeta(body.metadata, 'Namespace')
    validateModel(new Namespace(body as ConstructorParameters<typeof Namespace>[0]), 'Namespace', body.metadata?.name)
    const name = body.metadata.name as string
    if (this.namespaceMap.has(name)) throw new HttpError(409, 'AlreadyExists', `namespaces "${name}" already exists`, { name, kind: 'namespaces' })
    const object = {
      apiVersion: 'v1', kind: 'Namespace',
      metadata: { ...body.metadata, uid: randomUUID(), resourceVersion: '1', creationTimestamp: now(), labels: { ...body.metadata.labels, 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    }
    const record: NamespaceRecord = { object, pods: new Map(), events: [], networkPolicies: new Map(), serviceAccount: false }
    this.namespaceMap.set(name, record)
    this.later(this.options.serviceAccountDelayMs, () => { record.serviceAccount = true })
    return object
  }

  deleteNamespace(name: string): Json {
    const record = this.namespaceRecord(name)
    if (record.object.metadata.deletionTimestamp) {
      throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on namespaces "${name}": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.`, { name, kind: 'namespaces' })
    }
    record.object.metadata.deletionTimestamp = now()
    record.object.status = { phase: 'Terminating' }
    for (const pod of [...record.pods.keys()]) this.deletePod(record, pod)
    this.releaseServices(name)
    if (this.options.discoveryFailure) {
      record.object.status.conditions = [{
        type: 'NamespaceDeletionDiscoveryFailure', status: 'True', reason: 'DiscoveryFailed',
        message: 'Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1',
        lastTransitionTime: now(),
      }]
    } else if (this.options.stuckNamespaces) {
      record.object.status.conditions = [{
        type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain',
        message: 'Some content in the namespace has finalizers remaining: example.com/stand-in-finalizer in 1 resource instances',
        lastTransitionTime: now(),
      }]
    } else {
      this.later(this.options.namespaceDeleteDelayMs, () => {
        if (this.namespaceMap.get(name) === record) this.namespaceMap.delete(name)
      })
    }
    return record.object
  }

  patchNamespace(name: string, body: Json, contentType: string): Json {
    const record = this.namespaceRecord(name)
    if (!contentType.includes('json-patch')) throw new HttpError(415, 'UnsupportedMediaType', `the stand-in only applies application/json-patch+json, got ${contentType}`)
    for (const op of body as unknown as Array<{ op: string; path: string; value: unknown }>) {
      const match = /^\/metadata\/(annotations|labels)\/(.+)$/.exec(op.path)
      if (!match || (op.op !== 'add' && op.op !== 'replace')) throw new HttpError(422, 'Invalid', `the stand-in cannot apply ${op.op} ${op.path}`)
      const key = match[2]!.replace(/~1/g, '/').replace(/~0/g, '~')
      record.object.metadata[match[1]!] = { ...record.object.metadata[match[1]!], [key]: op.value }
    }
    return record.object
  }

  /** Lets stuck namespaces go (the finalizer was removed). */
  releaseNamespaces(): void {
    for (const [name, record] of this.namespaceMap) if (record.object.metadata.deletionTimestamp) this.namespaceMap.delete(name)
  }

  deletePod(record: NamespaceRecord, name: string): void {
    const pod = record.pods.get(name)
    if (!pod) return
    this.killPod(pod)
    record.pods.delete(name)
  }

  event(record: NamespaceRecord, pod: string, type: string, reason: string, message: string): void {
    record.events.push({
      apiVersion: 'v1', kind: 'Event', metadata: { name: `${pod}.${randomUUID().slice(0, 8)}`, namespace: record.object.metadata.name },
      involvedObject: { kind: 'Pod', name: pod, namespace: record.object.metadata.name }, type, reason, message,
      firstTimestamp: now(), lastTimestamp: now(), count: 1, source: { component: 'kubelet' },
    })
  }

  /** NetworkPolicies the stand-in has stored, in every namespace. */
  networkPolicies(): Json[] {
    return [...this.namespaceMap.values()].flatMap((record) => [...record.networkPolicies.values()])
  }

  /** The stored NetworkPolicies the "CNI" has programmed by now. */
  programmedPolicies(): Json[] {
    return this.networkPolicies().filter((policy) => (this.programmedAt.get(policy) ?? 0) <= Date.now())
  }

  createNetworkPolicy(record: NamespaceRecord, body: Json): Json {
    const name = body.metadata?.name
    if (record.object.metadata.deletionTimestamp) {
      throw new HttpError(403, 'Forbidden', `networkpolicies.networking.k8s.io "${name}" is forbidden: unable to create new content in namespace ${record.object.metadata.name} because it is being terminated`)
    }
    validateMeta(body.metadata, 'NetworkPolicy')
    validateModel(new NetworkPolicy(body as ConstructorParameters<typeof NetworkPolicy>[0]), 'NetworkPolicy', name)
    if (record.networkPolicies.has(name)) throw new HttpError(409, 'AlreadyExists', `networkpolicies.networking.k8s.io "${name}" already exists`, { name, kind: 'networkpolicies' })
    return this.storePolicy(record, name, body, { uid: randomUUID(), creationTimestamp: now() })
  }

  /** PUT: the policy replaced in place (validated and defaulted as on create). */
  replaceNetworkPolicy(record: NamespaceRecord, name: string, body: Json): Json {
    const old = this.networkPolicy(record, name)
    validateMeta(body.metadata, 'NetworkPolicy')
    validateModel(new NetworkPolicy(body as ConstructorParameters<typeof NetworkPolicy>[0]), 'NetworkPolicy', name)
    return this.storePolicy(record, name, body, { uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp })
  }

  deleteNetworkPolicy(record: NamespaceRecord, name: string): Json {
    const policy = this.networkPolicy(record, name)
    record.networkPolicies.delete(name)
    return policy
  }

  private networkPolicy(record: NamespaceRecord, name: string): Json {
    const policy = record.networkPolicies.get(name)
    if (!policy) throw new HttpError(404, 'NotFound', `networkpolicies.networking.k8s.io "${name}" not found`, { name, kind: 'networkpolicies' })
    return policy
  }

  private storePolicy(record: NamespaceRecord, name: string, body: Json, identity: { uid: string; creationTimestamp: string }): Json {
    const object = { ...defaultPolicy(body), metadata: { ...body.metadata, namespace: record.object.metadata.name, ...identity } }
    record.networkPolicies.set(name, object)
    this.policyLog.push(object)
    this.programmedAt.set(object, Date.now() + this.options.policyProgrammingDelayMs)
    return object
  }
}
