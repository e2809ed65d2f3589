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
 */
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { Namespace } from 'kubernetes-models/v1/Namespace'
import { Pod } from 'kubernetes-models/v1/Pod'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { kubeletRefusal, levelOf, podIdentity, podSecurityDenial, serviceAccountDenial, type PodSecurityLevel } from './admission.ts'
import { IMAGE_PROGRAMS, imageBin, runExec, type ExecSession, type PolicyProbe } from './exec.ts'
import { defaultPolicy, patchLabels, standInAllows, type PolicyEnforcement } from './policy.ts'
import { standInCertificate } from './tls.ts'

export interface StandInNode {
  name: string
  zone?: string | null
  instanceType?: string | null
  /** Control-plane style NoSchedule taint. */
  tainted?: boolean
  ready?: boolean
  cordoned?: boolean
  /** Default linux; a Linux image on a Windows node never pulls (no matching manifest). */
  os?: 'linux' | 'windows'
  /** Default amd64. */
  arch?: 'amd64' | 'arm64'
}

export interface StandInDaemonSet {
  namespace: string
  name: string
  image: string
}

export interface Permission {
  verb: string
  resource: string
  subresource?: string
}

export interface StandInOptions {
  token: string
  version: string
  nodes: StandInNode[]
  daemonsets: StandInDaemonSet[]
  /** Exec subprotocols accepted, in the server's order of preference. */
  protocols: string[]
  podMtu: number
  hostMtu: number
  /** MTU on pod routes below the device's, as Cilium sets it; null: none (Calico, flannel). */
  podRouteMtu: number | null
  readyDelayMs: number
  namespaceDeleteDelayMs: number
  /** Namespace deletion never completes (a finalizer nobody removes). */
  stuckNamespaces: boolean
  /**
   * An aggregated API does not answer: deleted namespaces lose their content but stay Terminating
   * with NamespaceDeletionDiscoveryFailure (until releaseNamespaces()).
   */
  discoveryFailure: boolean
  /** Images whose pull fails (pods stay ErrImagePull / ImagePullBackOff). */
  badImages: string[]
  /** Pods stay ContainerCreating with this FailedCreatePodSandBox event (a broken CNI). */
  sandboxFailure: string | null
  /** Requests answered 403 (and SelfSubjectAccessReview says not allowed). */
  forbid: Permission[]
  /** SelfSubjectAccessReview allows everything, even what `forbid` refuses (RBAC changed mid-run). */
  reviewsAllowEverything: boolean
  /** Programs the pod image lacks. */
  missingPrograms: string[]
  killServerAfterListening: boolean
  /** Refuse exec upgrades with this HTTP status (e.g. 500: the kubelet is unreachable). */
  execRefusal: number | null
  /** How the stand-in's "CNI" treats NetworkPolicy (see policy.ts). */
  policyEnforcement: PolicyEnforcement
  /** Blocked TCP is refused (REJECT, as kube-router does), not dropped. */
  policyRejects: boolean
  /** A NetworkPolicy takes effect only this long after it is created (agents program late). */
  policyProgrammingDelayMs: number
  /**
   * Pod Security level of namespaces without an enforce label (an AdmissionConfiguration default,
   * as on clusters that enforce `restricted` everywhere); stock Kubernetes has `privileged`.
   */
  podSecurityDefault: PodSecurityLevel
  /** How long after a namespace its `default` ServiceAccount appears (pods are refused until then). */
  serviceAccountDelayMs: number
  /** A validating webhook (Kyverno, Gatekeeper) that refuses every pod with this message. */
  podWebhookDenial: string | null
  /**
   * Exec streams with no traffic either way (data or WebSocket ping) for this long are cut
   * without a close frame, as a load balancer's idle timeout does; null: never.
   */
  execIdleTimeoutMs: number | null
  /** Ports a node's firewall drops inbound (a node security group without the iperf3 range). */
  firewall: Array<{ node: string; port: number; protocol: 'tcp' | 'udp' }>
}

export const STANDIN_USER = 'netbench-tester'

export function defaultOptions(): StandInOptions {
  return {
    token: `standin-${randomUUID()}`,
    version: 'v1.30.2',
    nodes: [
      { name: 'cp1', zone: 'eu-west-1a', instanceType: 'm5.large', tainted: true },
      // An untainted Windows pool sorts first in its zone: pods pinned there would never start.
      { name: 'akswin-a1', zone: 'eu-west-1a', instanceType: 'm5.large', os: 'windows' },
      { name: 'node-a1', zone: 'eu-west-1a', instanceType: 'm4.large' },
      { name: 'node-b1', zone: 'eu-west-1b', instanceType: 'm4.large' },
      { name: 'node-c1', zone: 'eu-west-1c', instanceType: 'm4.large' },
      { name: 'node-c2', zone: 'eu-west-1c', instanceType: 'm6g.large', arch: 'arm64' },
    ],
    daemonsets: [
      { namespace: 'kube-system', name: 'calico-node', image: 'docker.io/calico/node:v3.28.0' },
      { namespace: 'kube-system', name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.30.2' },
    ],
    protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io'],
    podMtu: 1450,
    hostMtu: 9001,
    podRouteMtu: null,
    readyDelayMs: 40,
    namespaceDeleteDelayMs: 150,
    stuckNamespaces: false,
    discoveryFailure: false,
    badImages: [],
    sandboxFailure: null,
    forbid: [],
    reviewsAllowEverything: false,
    missingPrograms: [],
    killServerAfterListening: false,
    execRefusal: null,
    policyEnforcement: 'enforce',
    policyRejects: false,
    policyProgrammingDelayMs: 0,
    podSecurityDefault: 'restricted',
    serviceAccountDelayMs: 150,
    podWebhookDenial: null,
    firewall: [],
    execIdleTimeoutMs: null,
  }
}

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

interface PodRecord {
  object: Json
  sessions: Set<ExecSession>
  timers: NodeJS.Timeout[]
  /** The policy probe server runs in it. */
  serving?: boolean
}

interface NamespaceRecord {
  object: Json
  pods: Map<string, PodRecord>
  events: Json[]
  networkPolicies: Map<string, Json>
  /** The `default` ServiceAccount exists (the token controller has caught up). */
  serviceAccount: boolean
}

export interface RecordedRequest {
  method: string
  path: string
}

class HttpError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: Json) {
    super(message)
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z')
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

function validateMeta(meta: Json | undefined, kind: string): void {
  const name = meta?.name
  if (typeof name !== 'string' || name.length > 63 || !DNS_LABEL.test(name)) {
    throw new HttpError(422, 'Invalid', `${kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`)
  }
  for (const [key, value] of Object.entries((meta?.labels ?? {}) as Record<string, unknown>)) {
    if (!LABEL_KEY.test(key) || typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      throw new HttpError(422, 'Invalid', `${kind} "${name}" is invalid: metadata.labels: Invalid value: "${key}=${String(value)}"`)
    }
  }
}

function validateModel(model: { validate(): void }, kind: string, name: unknown): void {
  try {
    model.validate()
  } catch (error) {
    throw new HttpError(422, 'Invalid', `${kind} "${String(name)}" is invalid: ${(error as Error).message.split('\n')[0]}`)
  }
}

export class KubeStandIn {
  readonly options: StandInOptions
  readonly requests: RecordedRequest[] = []
  /** Every NetworkPolicy as stored on create or update (after defaulting), in order. */
  readonly policyLog: Json[] = []
  /** Requests for endpoints the stand-in does not implement: netbench should make none. */
  readonly unknownRequests: string[] = []
  readonly execs: Array<{ pod: string; argv: string[]; protocol: string }> = []
  /** Pods admission refused (ServiceAccount, Pod Security, webhook), with the message. */
  readonly admissionDenials: string[] = []
  private readonly namespaceMap = new Map<string, NamespaceRecord>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly sockets = new Set<Duplex>()
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => this.pickProtocol([...offered]) ?? false })
  private bins = new Map<string, { dir: string; dispose(): void }>()
  private server!: Server
  private port = 0
  readonly ca: string

  private constructor(options: Partial<StandInOptions>) {
    this.options = { ...defaultOptions(), ...options }
    this.ca = standInCertificate().cert
  }

  static async start(options: Partial<StandInOptions> = {}): Promise<KubeStandIn> {
    const standIn = new KubeStandIn(options)
    await standIn.listen()
    return standIn
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`
  }

  /** Namespaces that still exist (terminating ones included). */
  namespaces(): string[] {
    return [...this.namespaceMap.keys()]
  }

  namespace(name: string): Json | undefined {
    return this.namespaceMap.get(name)?.object
  }

  pods(): string[] {
    return [...this.namespaceMap.entries()].flatMap(([ns, record]) => [...record.pods.keys()].map((pod) => `${ns}/${pod}`))
  }

  podObjects(): Json[] {
    return [...this.namespaceMap.values()].flatMap((record) => [...record.pods.values()].map((pod) => pod.object))
  }

  /** Live processes started through exec. */
  processes(): number {
    let count = 0
    for (const record of this.namespaceMap.values()) for (const pod of record.pods.values()) for (const session of pod.sessions) if (session.process && session.process.exitCode === null && session.process.signalCode === null) count++
    return count + this.orphans.size
  }

  /** Lets stuck namespaces go (the finalizer was removed). */
  releaseNamespaces(): void {
    for (const [name, record] of this.namespaceMap) if (record.object.metadata.deletionTimestamp) this.namespaceMap.delete(name)
  }

  /** Exec sessions whose pod is gone but whose process is not yet: must stay empty. */
  private readonly orphans = new Set<ExecSession>()

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    for (const record of this.namespaceMap.values()) for (const pod of record.pods.values()) this.killPod(pod)
    for (const session of this.orphans) session.process?.kill('SIGKILL')
    for (const client of this.wss.clients) client.terminate()
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const bin of this.bins.values()) bin.dispose()
  }

  private later(ms: number, action: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      action()
    }, ms)
    this.timers.add(timer)
    return timer
  }

  private async listen(): Promise<void> {
    const { key, cert } = standInCertificate()
    this.server = createServer({ key, cert }, (request, response) => { void this.handle(request, response) })
    this.server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    this.server.on('secureConnection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    this.server.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head))
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as { port: number }).port
  }

  // ---------------------------------------------------------------- HTTP

  private authorized(request: IncomingMessage): boolean {
    return request.headers.authorization === `Bearer ${this.options.token}`
  }

  private forbidden(verb: string, resource: string, subresource?: string): boolean {
    return this.options.forbid.some((rule) => rule.verb === verb && rule.resource === resource && (rule.subresource ?? '') === (subresource ?? ''))
  }

  private forbiddenError(verb: string, resource: string, group: string, namespace: string | null, name: string | null, subresource?: string): HttpError {
    const full = subresource ? `${resource}/${subresource}` : resource
    const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope'
    return new HttpError(403, 'Forbidden', `${resource}${name ? ` "${name}"` : ''} is forbidden: User "${STANDIN_USER}" cannot ${verb} resource "${full}" in API group "${group}" ${scope}`, { name, kind: resource })
  }

  private async body(request: IncomingMessage): Promise<Json> {
    let text = ''
    for await (const chunk of request) text += String(chunk)
    try {
      return text ? JSON.parse(text) as Json : {}
    } catch {
      throw new HttpError(400, 'BadRequest', 'the body is not JSON')
    }
  }

  private reply(response: ServerResponse, code: number, body: Json): void {
    const text = JSON.stringify(body)
    response.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    response.end(text)
  }

  private status(code: number, reason: string, message: string, details?: Json): Json {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...details ? { details } : {}, code }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url)
    const method = request.method ?? 'GET'
    this.requests.push({ method, path: url.pathname })
    try {
      if (!this.authorized(request)) throw new HttpError(401, 'Unauthorized', 'Unauthorized')
      const result = await this.route(method, url, request)
      this.reply(response, result.code ?? 200, result.body)
    } catch (error) {
      if (error instanceof HttpError) {
        this.reply(response, error.code, this.status(error.code, error.reason, error.message, error.details))
      } else {
        this.reply(response, 500, this.status(500, 'InternalError', `stand-in: ${(error as Error).message}`))
      }
    }
  }

  private check(verb: string, resource: string, group: string, namespace: string | null, name: string | null): void {
    if (this.forbidden(verb, resource)) throw this.forbiddenError(verb, resource, group, namespace, name)
  }

  private async route(method: string, url: URL, request: IncomingMessage): Promise<{ code?: number; body: Json }> {
    const path = url.pathname.replace(/\/+$/, '')
    const selector = url.searchParams.get('labelSelector')
    if (method === 'GET' && path === '/version') {
      const [major, minor] = this.options.version.replace(/^v/, '').split('.')
      return { body: { major, minor, gitVersion: this.options.version, gitCommit: 'standin', gitTreeState: 'clean', buildDate: '2024-06-11T00:00:00Z', goVersion: 'go1.22.4', compiler: 'gc', platform: 'linux/amd64' } }
    }
    if (method === 'GET' && path === '/api/v1/nodes') {
      this.check('list', 'nodes', '', null, null)
      return { body: { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: this.options.nodes.map((node) => this.nodeObject(node)) } }
    }
    if (method === 'GET' && path === '/apis/apps/v1/daemonsets') {
      this.check('list', 'daemonsets', 'apps', null, null)
      return { body: { kind: 'DaemonSetList', apiVersion: 'apps/v1', metadata: { resourceVersion: '1' }, items: this.options.daemonsets.map((ds) => this.daemonSetObject(ds)) } }
    }
    if (method === 'POST' && path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      const review = await this.body(request)
      const attributes = review.spec?.resourceAttributes ?? {}
      const allowed = this.options.reviewsAllowEverything || !this.forbidden(attributes.verb, attributes.resource, attributes.subresource)
      return { code: 201, body: { ...review, status: { allowed, ...allowed ? {} : { reason: 'stand-in RBAC denies it' } } } }
    }
    if (path === '/api/v1/namespaces') {
      if (method === 'GET') {
        this.check('list', 'namespaces', '', null, null)
        const items = [...this.namespaceMap.values()].map((record) => record.object).filter((ns) => matchesSelector(ns.metadata.labels, selector))
        return { body: { kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items } }
      }
      if (method === 'POST') return { code: 201, body: this.createNamespace(await this.body(request)) }
    }
    const policies = /^\/apis\/networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/networkpolicies(?:\/([^/]+))?$/.exec(path)
    if (policies) {
      const [, namespace, name] = policies as unknown as [string, string, string | undefined]
      const record = this.namespaceRecord(namespace)
      if (method === 'POST' && !name) {
        this.check('create', 'networkpolicies', 'networking.k8s.io', namespace, null)
        return { code: 201, body: this.createNetworkPolicy(record, await this.body(request)) }
      }
      if (method === 'GET' && !name) {
        this.check('list', 'networkpolicies', 'networking.k8s.io', namespace, null)
        return { body: { kind: 'NetworkPolicyList', apiVersion: 'networking.k8s.io/v1', metadata: {}, items: [...record.networkPolicies.values()] } }
      }
      if (method === 'PUT' && name) {
        this.check('update', 'networkpolicies', 'networking.k8s.io', namespace, name)
        return { body: this.replaceNetworkPolicy(record, name, await this.body(request)) }
      }
      if (method === 'DELETE' && name) {
        this.check('delete', 'networkpolicies', 'networking.k8s.io', namespace, name)
        const policy = record.networkPolicies.get(name)
        if (!policy) throw new HttpError(404, 'NotFound', `networkpolicies.networking.k8s.io "${name}" not found`, { name, kind: 'networkpolicies' })
        record.networkPolicies.delete(name)
        return { body: policy }
      }
    }
    const ns = /^\/api\/v1\/namespaces\/([^/]+)(?:\/(pods|events)(?:\/([^/]+))?)?$/.exec(path)
    if (ns) {
      const [, namespace, kind, name] = ns as unknown as [string, string, string | undefined, string | undefined]
      if (!kind) {
        if (method === 'GET') {
          this.check('get', 'namespaces', '', null, namespace)
          return { body: this.namespaceRecord(namespace).object }
        }
        if (method === 'DELETE') {
          this.check('delete', 'namespaces', '', null, namespace)
          return { body: this.deleteNamespace(namespace) }
        }
        if (method === 'PATCH') {
          this.check('patch', 'namespaces', '', null, namespace)
          return { body: this.patchNamespace(namespace, await this.body(request), String(request.headers['content-type'])) }
        }
      }
      if (kind === 'events' && !name && method === 'GET') {
        this.check('list', 'events', '', namespace, null)
        const field = /^involvedObject\.name=(.*)$/.exec(url.searchParams.get('fieldSelector') ?? '')
        const items = this.namespaceRecord(namespace).events.filter((event) => !field || event.involvedObject?.name === field[1])
        return { body: { kind: 'EventList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items } }
      }
      if (kind === 'pods' && !name) {
        if (method === 'GET') {
          this.check('list', 'pods', '', namespace, null)
          const items = [...this.namespaceRecord(namespace).pods.values()].map((pod) => pod.object).filter((pod) => matchesSelector(pod.metadata.labels, selector))
          return { body: { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items } }
        }
        if (method === 'POST') {
          this.check('create', 'pods', '', namespace, null)
          return { code: 201, body: this.createPod(namespace, await this.body(request)) }
        }
        if (method === 'DELETE') {
          this.check('deletecollection', 'pods', '', namespace, null)
          const record = this.namespaceRecord(namespace)
          const gone = [...record.pods.values()].filter((pod) => matchesSelector(pod.object.metadata.labels, selector))
          for (const pod of gone) this.deletePod(record, pod.object.metadata.name)
          return { body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: gone.map((pod) => pod.object) } }
        }
      }
      if (kind === 'pods' && name) {
        const record = this.namespaceRecord(namespace)
        if (method === 'GET') {
          this.check('get', 'pods', '', namespace, name)
          const pod = record.pods.get(name)
          if (!pod) throw new HttpError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })
          return { body: pod.object }
        }
        if (method === 'PATCH') {
          this.check('patch', 'pods', '', namespace, name)
          const pod = record.pods.get(name)
          if (!pod) throw new HttpError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })
          return { body: patchLabels(pod.object, await this.body(request), String(request.headers['content-type'])) }
        }
        if (method === 'DELETE') {
          this.check('delete', 'pods', '', namespace, name)
          const pod = record.pods.get(name)
          if (!pod) throw new HttpError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })
          this.deletePod(record, name)
          return { body: pod.object }
        }
      }
    }
    this.unknownRequests.push(`${method} ${url.pathname}${url.search}`)
    throw new HttpError(404, 'NotFound', `the stand-in does not serve ${method} ${url.pathname}`)
  }

  // ---------------------------------------------------------------- objects

  private nodeObject(node: StandInNode): Json {
    const os = node.os ?? 'linux'
    const arch = node.arch ?? 'amd64'
    const labels: Record<string, string> = {
      'kubernetes.io/hostname': node.name, 'kubernetes.io/os': os, 'kubernetes.io/arch': arch,
    }
    if (node.zone) labels['topology.kubernetes.io/zone'] = node.zone
    if (node.instanceType) labels['node.kubernetes.io/instance-type'] = node.instanceType
    if (node.tainted) labels['node-role.kubernetes.io/control-plane'] = ''
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: node.name, uid: `uid-${node.name}`, labels, creationTimestamp: '2024-06-11T00:00:00Z' },
      spec: {
        ...node.cordoned ? { unschedulable: true } : {},
        ...node.tainted ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
      },
      status: {
        conditions: [{ type: 'Ready', status: node.ready === false ? 'False' : 'True', reason: node.ready === false ? 'KubeletNotReady' : 'KubeletReady', lastHeartbeatTime: now(), lastTransitionTime: now() }],
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: node.name }],
        nodeInfo: {
          machineID: 'standin', systemUUID: 'standin', bootID: 'standin',
          kernelVersion: os === 'windows' ? '10.0.20348.2527' : `6.1.0-standin-${arch}`, osImage: os === 'windows' ? 'Windows Server 2022 Datacenter' : 'Stand-in Linux 12 (bookworm)',
          containerRuntimeVersion: 'containerd://1.7.18', kubeletVersion: this.options.version, kubeProxyVersion: this.options.version,
          operatingSystem: os, architecture: arch,
        },
      },
    }
  }

  private daemonSetObject(ds: StandInDaemonSet): Json {
    return {
      apiVersion: 'apps/v1', kind: 'DaemonSet',
      metadata: { name: ds.name, namespace: ds.namespace, uid: `uid-${ds.name}` },
      spec: {
        selector: { matchLabels: { 'k8s-app': ds.name } },
        template: { metadata: { labels: { 'k8s-app': ds.name } }, spec: { containers: [{ name: ds.name, image: ds.image }] } },
      },
      status: { currentNumberScheduled: 3, desiredNumberScheduled: 3, numberMisscheduled: 0, numberReady: 3 },
    }
  }

  private namespaceRecord(name: string): NamespaceRecord {
    const record = this.namespaceMap.get(name)
    if (!record) throw new HttpError(404, 'NotFound', `namespaces "${name}" not found`, { name, kind: 'namespaces' })
    return record
  }

  private createNamespace(body: Json): Json {
    this.check('create', 'namespaces', '', null, body.metadata?.name ?? null)
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

  private deleteNamespace(name: string): Json {
    const record = this.namespaceRecord(name)
    if (record.object.metadata.deletionTimestamp) {
      throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on namespaces "${name}": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.`, { name, kind: 'namespaces' })
    }
    record.object.metadata.deletionTimestamp = now()
    record.object.status = { phase: 'Terminating' }
    for (const pod of [...record.pods.keys()]) this.deletePod(record, pod)
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

  private patchNamespace(name: string, body: Json, contentType: string): Json {
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

  /** When each stored NetworkPolicy takes effect in the stand-in's "CNI". */
  private readonly programmedAt = new WeakMap<Json, number>()

  /** NetworkPolicies the stand-in has stored, in every namespace. */
  networkPolicies(): Json[] {
    return [...this.namespaceMap.values()].flatMap((record) => [...record.networkPolicies.values()])
  }

  private createNetworkPolicy(record: NamespaceRecord, body: Json): Json {
    const name = body.metadata?.name
    if (record.object.metadata.deletionTimestamp) {
      throw new HttpError(403, 'Forbidden', `networkpolicies.networking.k8s.io "${name}" is forbidden: unable to create new content in namespace ${record.object.metadata.name} because it is being terminated`)
    }
    validateMeta(body.metadata, 'NetworkPolicy')
    validateModel(new NetworkPolicy(body as ConstructorParameters<typeof NetworkPolicy>[0]), 'NetworkPolicy', name)
    if (record.networkPolicies.has(name)) throw new HttpError(409, 'AlreadyExists', `networkpolicies.networking.k8s.io "${name}" already exists`, { name, kind: 'networkpolicies' })
    const object = { ...defaultPolicy(body), metadata: { ...body.metadata, namespace: record.object.metadata.name, uid: randomUUID(), creationTimestamp: now() } }
    record.networkPolicies.set(name, object)
    this.policyLog.push(object)
    this.programmedAt.set(object, Date.now() + this.options.policyProgrammingDelayMs)
    return object
  }

  /** PUT: the policy replaced in place (validated and defaulted as on create). */
  private replaceNetworkPolicy(record: NamespaceRecord, name: string, body: Json): Json {
    const old = record.networkPolicies.get(name)
    if (!old) throw new HttpError(404, 'NotFound', `networkpolicies.networking.k8s.io "${name}" not found`, { name, kind: 'networkpolicies' })
    validateMeta(body.metadata, 'NetworkPolicy')
    validateModel(new NetworkPolicy(body as ConstructorParameters<typeof NetworkPolicy>[0]), 'NetworkPolicy', name)
    const object = { ...defaultPolicy(body), metadata: { ...body.metadata, namespace: record.object.metadata.name, uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp } }
    record.networkPolicies.set(name, object)
    this.policyLog.push(object)
    this.programmedAt.set(object, Date.now() + this.options.policyProgrammingDelayMs)
    return object
  }

  /** The connectivity probe of a policy step, answered from the stored NetworkPolicies. */
  private answerProbe(fromNamespace: string, fromPod: string, probe: PolicyProbe): string {
    const run = fromNamespace.split('-').slice(0, 2).join('-')
    const pods = [...this.namespaceMap.entries()].filter(([name]) => name.startsWith(run)).flatMap(([namespace, record]) =>
      [...record.pods.values()].map((pod) => ({ namespace, pod })))
    const self = pods.find((entry) => entry.namespace === fromNamespace && entry.pod.object.metadata.name === fromPod)!
    const namespaceLabels = (name: string) => (this.namespaceMap.get(name)?.object.metadata.labels ?? {}) as Record<string, string>
    const policies = this.networkPolicies().filter((policy) => (this.programmedAt.get(policy) ?? 0) <= Date.now())
    const asPod = (entry: typeof self) => ({
      namespace: entry.namespace, labels: entry.pod.object.metadata.labels as Record<string, string>,
      containerPorts: ((entry.pod.object.spec?.containers?.[0]?.ports ?? []) as Array<{ name?: string; containerPort: number; protocol?: string }>),
    })
    return JSON.stringify(probe.targets.map((target) => {
      // Targets are named by netbench's policy-pod label or the pod's name: every pod's IP is 127.0.0.1 here.
      const to = pods.find((entry) => entry.pod.object.metadata.labels?.['netbench.io/policy-pod'] === target.name || entry.pod.object.metadata.name === target.name)
      const outcome = (protocol: 'tcp' | 'udp', port: number) => {
        const node = to?.pod.object.spec.nodeName
        if (this.options.firewall.some((rule) => rule.node === node && rule.port === port && rule.protocol === protocol)) return 'blocked'
        if (!to || !to.pod.serving) return protocol === 'tcp' ? 'refused' : 'blocked'
        // A pod reaching its own IP never leaves it: no NetworkPolicy applies.
        if (to === self) return 'allowed'
        if (standInAllows(this.options.policyEnforcement, policies, asPod(self), asPod(to), protocol, port, namespaceLabels)) return 'allowed'
        return protocol === 'tcp' && this.options.policyRejects ? 'refused' : 'blocked'
      }
      const each = (protocol: 'tcp' | 'udp', ports: number[]) => Object.fromEntries(ports.map((port) => [port, outcome(protocol, port)]))
      return { name: target.name, tcp: each('tcp', probe.tcpPorts), udp: each('udp', probe.udpPorts) }
    })) + '\n'
  }

  private event(record: NamespaceRecord, pod: string, type: string, reason: string, message: string): void {
    record.events.push({
      apiVersion: 'v1', kind: 'Event', metadata: { name: `${pod}.${randomUUID().slice(0, 8)}`, namespace: record.object.metadata.name },
      involvedObject: { kind: 'Pod', name: pod, namespace: record.object.metadata.name }, type, reason, message,
      firstTimestamp: now(), lastTimestamp: now(), count: 1, source: { component: 'kubelet' },
    })
  }

  private createPod(namespace: string, body: Json): Json {
    const record = this.namespaceRecord(namespace)
    const name = body.metadata?.name
    if (record.object.metadata.deletionTimestamp) {
      throw new HttpError(403, 'Forbidden', `pods "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, { name, kind: 'pods' })
    }
    validateMeta(body.metadata, 'Pod')
    validateModel(new Pod(body as ConstructorParameters<typeof Pod>[0]), 'Pod', name)
    if (body.metadata.namespace && body.metadata.namespace !== namespace) throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request')
    if (record.pods.has(name)) throw new HttpError(409, 'AlreadyExists', `pods "${name}" already exists`, { name, kind: 'pods' })
    // Mutating admission (ServiceAccount) runs before validating admission (PodSecurity, webhooks).
    const webhook = this.options.podWebhookDenial && `admission webhook "validate.kyverno.svc-fail" denied the request: ${this.options.podWebhookDenial}`
    const denial = (!record.serviceAccount && serviceAccountDenial(body, namespace))
      || podSecurityDenial(body, levelOf(record.object, this.options.podSecurityDefault)) || webhook
    if (denial) {
      this.admissionDenials.push(denial)
      throw new HttpError(403, 'Forbidden', denial, { name, kind: 'pods' })
    }
    const container = body.spec.containers[0]
    const object: Json = {
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
    const pod: PodRecord = { object, sessions: new Set(), timers: [] }
    record.pods.set(name, pod)
    const node = this.options.nodes.find((candidate) => candidate.name === body.spec.nodeName)
    // No kubelet runs on an unknown node: the pod stays Pending, as it would.
    if (!node) return object
    pod.timers.push(this.later(this.options.readyDelayMs, () => this.startPod(record, pod)))
    return object
  }

  private startPod(record: NamespaceRecord, pod: PodRecord): void {
    const name = pod.object.metadata.name as string
    const status = pod.object.status
    const image = pod.object.spec.containers[0].image as string
    const node = this.options.nodes.find((candidate) => candidate.name === pod.object.spec.nodeName)
    if (node?.os === 'windows') {
      const message = `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/${image}": no match for platform in manifest: not found`
      status.containerStatuses[0].state = { waiting: { reason: 'ErrImagePull', message } }
      this.event(record, name, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`)
      return
    }
    if (this.options.badImages.includes(image)) {
      const message = `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/${image}": not found`
      status.containerStatuses[0].state = { waiting: { reason: 'ErrImagePull', message } }
      this.event(record, name, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`)
      pod.timers.push(this.later(this.options.readyDelayMs * 3, () => {
        status.containerStatuses[0].state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } }
      }))
      return
    }
    if (this.options.sandboxFailure) {
      this.event(record, name, 'Warning', 'FailedCreatePodSandBox', this.options.sandboxFailure)
      return
    }
    const refusal = kubeletRefusal(pod.object)
    if (refusal?.phase === 'Failed') {
      Object.assign(status, { phase: 'Failed', reason: refusal.reason, message: refusal.message })
      return
    }
    if (refusal) {
      status.containerStatuses[0].state = { waiting: { reason: refusal.reason, message: refusal.message } }
      this.event(record, name, 'Warning', 'Failed', `Error: ${refusal.message}`)
      return
    }
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

  private killPod(pod: PodRecord): void {
    pod.timers.forEach((timer) => clearTimeout(timer))
    for (const session of pod.sessions) {
      if (session.process && session.process.exitCode === null) {
        session.process.kill('SIGKILL')
        this.orphans.add(session)
        void session.done.then(() => this.orphans.delete(session))
      }
    }
  }

  private deletePod(record: NamespaceRecord, name: string): void {
    const pod = record.pods.get(name)
    if (!pod) return
    this.killPod(pod)
    record.pods.delete(name)
  }

  // ---------------------------------------------------------------- exec

  private pickProtocol(offered: string[]): string | undefined {
    return this.options.protocols.find((protocol) => offered.includes(protocol))
  }

  private refuse(socket: Duplex, code: number, reason: string, message: string, details?: Json): void {
    const text = JSON.stringify(this.status(code, reason, message, details))
    const phrase = ({ 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' } as Record<number, string>)[code] ?? 'Error'
    socket.end(`HTTP/1.1 ${code} ${phrase}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`)
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', this.url)
    this.requests.push({ method: `${request.method ?? 'GET'} (upgrade)`, path: url.pathname })
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname)
    if (!match) {
      this.unknownRequests.push(`UPGRADE ${url.pathname}`)
      return this.refuse(socket, 404, 'NotFound', `the stand-in does not serve ${url.pathname}`)
    }
    const [, namespace, name] = match as unknown as [string, string, string]
    if (!this.authorized(request)) return this.refuse(socket, 401, 'Unauthorized', 'Unauthorized')
    // WebSocket exec is a GET; newer servers also require create on pods/exec.
    for (const verb of ['get', 'create']) {
      if (this.forbidden(verb, 'pods', 'exec')) {
        const error = this.forbiddenError(verb, 'pods', '', namespace, name, 'exec')
        return this.refuse(socket, 403, 'Forbidden', error.message, error.details)
      }
    }
    if (this.options.execRefusal) {
      return this.refuse(socket, this.options.execRefusal, 'InternalError', 'error dialing backend: dial tcp 127.0.0.1:10250: connect: connection refused')
    }
    const record = this.namespaceMap.get(namespace)
    const pod = record?.pods.get(name)
    if (!pod) return this.refuse(socket, 404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })
    const container = url.searchParams.get('container')
    if (container && container !== pod.object.spec.containers[0].name) {
      return this.refuse(socket, 400, 'BadRequest', `container ${container} is not valid for pod ${name}`)
    }
    if (pod.object.status.phase !== 'Running') return this.refuse(socket, 400, 'BadRequest', `unable to upgrade connection: container not found ("${container}")`)
    const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((entry) => entry.trim()).filter(Boolean)
    const protocol = this.pickProtocol(offered)
    if (!protocol) return this.refuse(socket, 400, 'BadRequest', `unsupported subprotocols ${offered.join(', ') || '(none)'}; the stand-in speaks ${this.options.protocols.join(', ')}`)
    const argv = url.searchParams.getAll('command')
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.execs.push({ pod: `${namespace}/${name}`, argv, protocol })
      const host = pod.object.spec.hostNetwork === true
      const missing = this.options.missingPrograms
      const binKey = missing.join(',')
      let bin = this.bins.get(binKey)
      if (!bin) {
        bin = imageBin(IMAGE_PROGRAMS.filter((program) => !missing.includes(program)))
        this.bins.set(binKey, bin)
      }
      const session = runExec(ws, {
        argv, pod: name, bin: bin.dir, missing,
        network: { ip: '127.0.0.1', mtu: host ? this.options.hostMtu : this.options.podMtu, ifname: host ? 'ens5' : 'eth0', routeMtu: host ? null : this.options.podRouteMtu },
        killServerAfterListening: this.options.killServerAfterListening,
        answerProbe: (probe) => this.answerProbe(namespace, name, probe),
        identity: podIdentity(pod.object),
      })
      pod.sessions.add(session)
      this.idleTimeout(ws)
      if (session.serving) pod.serving = true
      void session.done.then(() => {
        pod.sessions.delete(session)
        if (session.serving) pod.serving = false
      })
    })
  }

  /** Cuts a quiet exec stream like an idle load balancer: any frame either way rearms the timer. */
  private idleTimeout(ws: import('ws').WebSocket): void {
    const idleMs = this.options.execIdleTimeoutMs
    if (idleMs === null) return
    let timer = setTimeout(() => ws.terminate(), idleMs)
    const rearm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => ws.terminate(), idleMs)
    }
    const send = ws.send.bind(ws)
    ws.send = ((...args: Parameters<typeof ws.send>) => { rearm(); return send(...args) }) as typeof ws.send
    ws.on('ping', rearm)
    ws.on('message', rearm)
    ws.on('close', () => clearTimeout(timer))
  }

  // ---------------------------------------------------------------- kubeconfig

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
