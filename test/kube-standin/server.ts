/**
 * A STAND-IN for a Kubernetes API server, for tests only: HTTPS + WebSocket on 127.0.0.1 that
 * implements exactly the endpoints netbench's kube provider uses, with the real wire formats
 * (Status bodies, list objects, JSON patch, the exec channel protocol). Objects netbench creates
 * are validated against the Kubernetes OpenAPI schema (kubernetes-models) and rejected with 422
 * like a real server would. Pods "run" as real local processes on loopback (see exec.ts): every
 * pod's IP is 127.0.0.1.
 *
 * It is not a Kubernetes: no scheduler, no controllers beyond what pod and namespace lifecycles
 * need, one fake kubelet. Faults are switched on through `options` (also mid-run).
 *
 * The parts: options.ts (the cluster and its faults), routes.ts (REST), store.ts (objects and
 * namespace lifecycle), kubelet.ts (admission and pod lifecycle), exec-endpoint.ts (exec),
 * cni.ts and policy.ts (NetworkPolicy), services.ts and service-proxy.ts (Services, EndpointSlices and
 * a userspace kube-proxy), validation.ts, rbac.ts, http.ts, objects.ts.
 */
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { ExecEndpoint, type ExecLog } from './exec-endpoint.ts'
import { HttpError, reply, statusBody, type Json } from './http.ts'
import { StandInKubelet } from './kubelet.ts'
import { defaultOptions, STANDIN_USER, type StandInOptions } from './options.ts'
import { route } from './routes.ts'
import { StandInServices } from './services.ts'
import { StandInStore } from './store.ts'
import { standInCertificate } from './tls.ts'

export { defaultOptions, STANDIN_USER, type Permission, type StandInDaemonSet, type StandInNode, type StandInOptions } from './options.ts'
export { matchesSelector } from './store.ts'

export interface RecordedRequest {
  method: string
  path: string
}

export class KubeStandIn {
  readonly options: StandInOptions
  readonly requests: RecordedRequest[] = []
  /** Requests for endpoints the stand-in does not implement: netbench should make none. */
  readonly unknownRequests: string[] = []
  readonly execs: ExecLog['execs'] = []
  readonly ca: string
  private readonly store: StandInStore
  private readonly serviceStore: StandInServices
  private readonly kubelet: StandInKubelet
  private readonly exec: ExecEndpoint
  private readonly sockets = new Set<Duplex>()
  private server!: Server
  private port = 0

  private constructor(options: Partial<StandInOptions>) {
    this.options = { ...defaultOptions(), ...options }
    this.ca = standInCertificate().cert
    this.serviceStore = new StandInServices(this.options)
    this.store = new StandInStore(this.options, (pod) => this.kubelet.killPod(pod), (namespace) => { void this.serviceStore.releaseNamespace(namespace) })
    this.kubelet = new StandInKubelet(this.options, this.store)
    this.exec = new ExecEndpoint(this.options, this.store, this)
  }

  static async start(options: Partial<StandInOptions> = {}): Promise<KubeStandIn> {
    const standIn = new KubeStandIn(options)
    await standIn.listen()
    return standIn
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`
  }

  /** Every NetworkPolicy as stored on create or update (after defaulting), in order. */
  get policyLog(): Json[] {
    return this.store.policyLog
  }

  /** Pods admission refused (ServiceAccount, Pod Security, webhook), with the message. */
  get admissionDenials(): string[] {
    return this.kubelet.admissionDenials
  }

  /** Namespaces that still exist (terminating ones included). */
  namespaces(): string[] {
    return [...this.store.namespaceMap.keys()]
  }

  namespace(name: string): Json | undefined {
    return this.store.namespaceMap.get(name)?.object
  }

  pods(): string[] {
    return [...this.store.namespaceMap.entries()].flatMap(([ns, record]) => [...record.pods.keys()].map((pod) => `${ns}/${pod}`))
  }

  podObjects(): Json[] {
    return this.store.allPods().map((pod) => pod.object)
  }

  /** NetworkPolicies the stand-in has stored, in every namespace. */
  networkPolicies(): Json[] {
    return this.store.networkPolicies()
  }

  /** Services that exist, with what the API server allocated (clusterIP, nodePorts). */
  services(): Json[] {
    return this.serviceStore.objects()
  }

  /** Every Service created so far, deleted ones included, with the flows relayed through it. */
  serviceHistory(): Array<{ object: Json; forwarded: number }> {
    return this.serviceStore.history.map((state) => ({ object: state.object, forwarded: state.forwarded }))
  }

  /** Connections and UDP flows the stand-in's proxy relayed through a Service to its pod. */
  serviceForwarded(namespace: string, name: string): number {
    return this.serviceStore.forwarded(namespace, name)
  }

  /** Live processes started through exec. */
  processes(): number {
    return this.kubelet.processes()
  }

  /** Lets stuck namespaces go (the finalizer was removed). */
  releaseNamespaces(): void {
    this.store.releaseNamespaces()
  }

  async close(): Promise<void> {
    this.store.clearTimers()
    this.kubelet.killAll()
    await this.serviceStore.closeAll()
    this.exec.terminateClients()
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.exec.disposeBins()
  }

  private async listen(): Promise<void> {
    const { key, cert } = standInCertificate()
    this.server = createServer({ key, cert }, (request, response) => { void this.handle(request, response) })
    const track = (socket: Duplex) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    }
    this.server.on('connection', track)
    this.server.on('secureConnection', track)
    this.server.on('upgrade', (request, socket, head) => this.exec.upgrade(request, socket, head, this.url, this.authorized(request)))
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as { port: number }).port
  }

  private authorized(request: IncomingMessage): boolean {
    return request.headers.authorization === `Bearer ${this.options.token}`
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url)
    const method = request.method ?? 'GET'
    this.requests.push({ method, path: url.pathname })
    try {
      if (!this.authorized(request)) throw new HttpError(401, 'Unauthorized', 'Unauthorized')
      const result = await route({ options: this.options, store: this.store, kubelet: this.kubelet, services: this.serviceStore, unknownRequests: this.unknownRequests }, method, url, request)
      reply(response, result.code ?? 200, result.body)
    } catch (error) {
      if (error instanceof HttpError) reply(response, error.code, statusBody(error.code, error.reason, error.message, error.details))
      else reply(response, 500, statusBody(500, 'InternalError', `stand-in: ${(error as Error).message}`))
    }
  }

  /** A kubeconfig with one context per name given, all pointing at this stand-in. */
  kubeconfig(contexts: readonly string[] = ['standin'], current: string | null = contexts[0] ?? null): string {
    const ca = Buffer.from(this.ca).toString('base64')
    const lines = ['apiVersion: v1', 'kind: Config', 'clusters:']
    lines.push(`- name: standin-${this.port}`, '  cluster:', `    server: ${this.url}`, `    certificate-authority-data: ${ca}`)
    lines.push('users:', `- name: ${STANDIN_USER}-${this.port}`, '  user:', `    token: ${this.options.token}`)
    lines.push('contexts:')
    for (const context of contexts) lines.push(`- name: ${context}`, '  context:', `    cluster: standin-${this.port}`, `    user: ${STANDIN_USER}-${this.port}`)
    if (current) lines.push(`current-context: ${current}`)
    return `${lines.join('\n')}\n`
  }
}
