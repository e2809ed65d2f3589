/**
 * The kube STAND-IN's pod lifecycle: admission on create, then one fake kubelet that pulls (or
 * fails to), starts (or refuses) and runs pods; every pod's IP is 127.0.0.1. A deleted pod's exec
 * processes are killed and tracked until they are gone.
 */
import { randomUUID } from 'node:crypto'
import { Pod } from 'kubernetes-models/v1/Pod'
import { kubeletRefusal, levelOf, podSecurityDenial, serviceAccountDenial } from './admission.ts'
import type { ExecSession } from './exec.ts'
import { HttpError, now, type Json } from './http.ts'
import type { StandInOptions } from './options.ts'
import type { NamespaceRecord, PodRecord, StandInStore } from './store.ts'
import { validateMeta, validateModel } from './validation.ts'

export class StandInKubelet {
  /** Pods admission refused (ServiceAccount, Pod Security, webhook), with the message. */
  readonly admissionDenials: string[] = []
  /** Exec sessions whose pod is gone but whose process is not yet: must stay empty. */
  private readonly orphans = new Set<ExecSession>()

  constructor(private readonly options: StandInOptions, private readonly store: StandInStore) {}

  /** Live processes started through exec. */
  processes(): number {
    let count = 0
    for (const pod of this.store.allPods()) for (const session of pod.sessions) if (session.process && session.process.exitCode === null && session.process.signalCode === null) count++
    return count + this.orphans.size
  }

  createPod(namespace: string, body: Json): Json {
    const record = this.store.namespaceRecord(namespace)
    const name = body.metadata?.name
    if (record.object.metadata.deletionTimestamp) {
      throw new HttpError(403, 'Forbidden', `pods "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, { name, kind: 'pods' })
    }
    validateMeta(body.metadata, 'Pod')
    validateModel(new Pod(body as ConstructorParameters<typeof Pod>[0]), 'Pod', name)
    if (body.metadata.namespace && body.metadata.namespace !== namespace) throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request')
    if (record.pods.has(name)) throw new HttpError(409, 'AlreadyExists', `pods "${name}" already exists`, { name, kind: 'pods' })
    this.admit(record, body)
    const pod: PodRecord = { object: pendingPod(namespace, body), sessions: new Set(), timers: [] }
    record.pods.set(name, pod)
    const node = this.options.nodes.find((candidate) => candidate.name === body.spec.nodeName)
    // No kubelet runs on an unknown node: the pod stays Pending, as it would.
    if (!node) return pod.object
    pod.timers.push(this.store.later(this.options.readyDelayMs, () => this.startPod(record, pod)))
    return pod.object
  }

  /** Mutating admission (ServiceAccount) runs before validating admission (PodSecurity, webhooks). */
  private admit(record: NamespaceRecord, body: Json): void {
    const namespace = record.object.metadata.name as string
    const webhook = this.options.podWebhookDenial && `admission webhook "validate.kyverno.svc-fail" denied the request: ${this.options.podWebhookDenial}`
    const denial = (!record.serviceAccount && serviceAccountDenial(body, namespace))
      || podSecurityDenial(body, levelOf(record.object, this.options.podSecurityDefault)) || webhook
    if (denial) {
      this.admissionDenials.push(denial)
      throw new HttpError(403, 'Forbidden', denial, { name: body.metadata?.name, kind: 'pods' })
    }
  }

  private startPod(record: NamespaceRecord, pod: PodRecord): void {
    const status = pod.object.status
    if (this.pullFails(record, pod) || this.sandboxFails(record, pod)) return
    const refusal = kubeletRefusal(pod.object)
    if (refusal?.phase === 'Failed') {
      Object.assign(status, { phase: 'Failed', reason: refusal.reason, message: refusal.message })
      return
    }
    if (refusal) {
      status.containerStatuses[0].state = { waiting: { reason: refusal.reason, message: refusal.message } }
      this.store.event(record, pod.object.metadata.name, 'Warning', 'Failed', `Error: ${refusal.message}`)
      return
    }
    run(pod)
  }

  /** A Linux image on a Windows node, or an image listed in `badImages`: ErrImagePull. */
  private pullFails(record: NamespaceRecord, pod: PodRecord): boolean {
    const name = pod.object.metadata.name as string
    const status = pod.object.status
    const image = pod.object.spec.containers[0].image as string
    const node = this.options.nodes.find((candidate) => candidate.name === pod.object.spec.nodeName)
    if (node?.os === 'windows') {
      const message = `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/${image}": no match for platform in manifest: not found`
      status.containerStatuses[0].state = { waiting: { reason: 'ErrImagePull', message } }
      this.store.event(record, name, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`)
      return true
    }
    if (!this.options.badImages.includes(image)) return false
    const message = `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/${image}": not found`
    status.containerStatuses[0].state = { waiting: { reason: 'ErrImagePull', message } }
    this.store.event(record, name, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`)
    pod.timers.push(this.store.later(this.options.readyDelayMs * 3, () => {
      status.containerStatuses[0].state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } }
    }))
    return true
  }

  private sandboxFails(record: NamespaceRecord, pod: PodRecord): boolean {
    if (!this.options.sandboxFailure) return false
    this.store.event(record, pod.object.metadata.name, 'Warning', 'FailedCreatePodSandBox', this.options.sandboxFailure)
    return true
  }

  killPod(pod: PodRecord): void {
    pod.timers.forEach((timer) => clearTimeout(timer))
    for (const session of pod.sessions) {
      if (session.process && session.process.exitCode === null) {
        session.process.kill('SIGKILL')
        this.orphans.add(session)
        void session.done.then(() => this.orphans.delete(session))
      }
    }
  }

  killAll(): void {
    for (const pod of this.store.allPods()) this.killPod(pod)
    for (const session of this.orphans) session.process?.kill('SIGKILL')
  }
}

/** The pod as created: scheduled to its node, its container still being created. */
function pendingPod(namespace: string, body: Json): Json {
  const container = body.spec.containers[0]
  return {
    ...body,
    apiVersion: 'v1', kind: 'Pod',
    metadata: { ...body.metadata, namespace, uid: randomUUID(), resourceVersion: '1', creationTimestamp: now() },
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now() }],
      hostIP: '127.0.0.1',
      containerStatuses: [{ name: container.name, image: container.image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } } }],
    },
  }
}

/** Running and Ready, at 127.0.0.1; the annotation tells exec which network the pod is on. */
function run(pod: PodRecord): void {
  const status = pod.object.status
  const image = pod.object.spec.containers[0].image as string
  const host = pod.object.spec.hostNetwork === true
  status.phase = 'Running'
  status.podIP = '127.0.0.1'
  status.podIPs = [{ ip: '127.0.0.1' }]
  status.startTime = now()
  status.conditions = [
    { type: 'PodScheduled', status: 'True', lastTransitionTime: now() },
    { type: 'Initialized', status: 'True', lastTransitionTime: now() },
    { type: 'ContainersReady', status: 'True', lastTransitionTime: now() },
    { type: 'Ready', status: 'True', lastTransitionTime: now() },
  ]
  status.containerStatuses[0] = { ...status.containerStatuses[0], ready: true, started: true, imageID: `docker.io/${image}@sha256:standin`, state: { running: { startedAt: now() } } }
  pod.object.metadata.annotations = { ...pod.object.metadata.annotations, 'standin/network': host ? 'host' : 'pod' }
}
