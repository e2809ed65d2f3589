/**
 * The kube STAND-IN's Services: validated as the API server validates them (validation.ts),
 * defaulted (type ClusterIP, protocol TCP, targetPort = port), given a ClusterIP from the service
 * CIDR and node ports from 30000–32767 as the allocators do, and served as EndpointSlices listing
 * the selected pods (the EndpointSlice controller's job, after `endpointSliceDelayMs`).
 *
 * The service CIDR is 127.0.96.0/20: every stand-in pod is at 127.0.0.1 and runs real programs on
 * this machine, and all of 127.0.0.0/8 is local here, so a ClusterIP in it can really be listened
 * on, and a client really reaches its server through the Service address (service-proxy.ts plays
 * kube-proxy). Node addresses are 127.0.0.1, where the node ports listen.
 */
import { randomUUID } from 'node:crypto'
import { Service } from 'kubernetes-models/v1/Service'
import { HttpError, now, type Json } from './http.ts'
import type { StandInOptions } from './options.ts'
import { tcpForwarder, udpForwarder, type Listener, type Resolve } from './service-proxy.ts'
import type { NamespaceRecord } from './store.ts'
import { invalidService, validateMeta, validateModel, validateService } from './validation.ts'

export const SERVICE_CIDR = '127.0.96.0/20'
const CIDR_BASE = (127 << 24 | 0 << 16 | 96 << 8) >>> 0
const CIDR_SIZE = 1 << 12
export const NODE_PORT_RANGE = { first: 30000, last: 32767 }
const NODE_ADDRESS = '127.0.0.1'
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'
/** Tries before an address or node port that this machine already uses counts as exhausted. */
const BIND_TRIES = 8

interface ServiceState {
  object: Json
  listeners: Listener[]
  /** TCP connections and UDP flows the proxy relayed to an endpoint. */
  forwarded: number
}

/** Is `ip` in the service CIDR (where a client may send: the stand-in's exec refuses anything not on loopback)? */
export function isClusterIp(ip: string): boolean {
  const parts = ip.split('.').map(Number)
  return parts.length === 4 && parts[0] === 127 && parts[1] === 0 && parts[2]! >= 96 && parts[2]! < 112 && parts[3]! >= 0 && parts[3]! <= 255
}

const ipOf = (offset: number) => [CIDR_BASE >>> 24, (CIDR_BASE >>> 16) & 255, ((CIDR_BASE >>> 8) & 255) + (offset >> 8), offset & 255].join('.')
const randomIn = (size: number) => Math.floor(Math.random() * size)

function isReadyPod(pod: Json): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((condition: Json) => condition.type === 'Ready' && condition.status === 'True')
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels?.[key] === value)
}

/** The API server's defaulting of what netbench may leave out. */
function defaulted(body: Json): Json {
  const spec = body.spec ?? {}
  return {
    ...body,
    spec: {
      ...spec,
      type: spec.type ?? 'ClusterIP',
      sessionAffinity: spec.sessionAffinity ?? 'None',
      ports: ((spec.ports ?? []) as Json[]).map((port) => ({ ...port, protocol: port.protocol ?? 'TCP', targetPort: port.targetPort ?? port.port })),
    },
  }
}

export class StandInServices {
  private readonly states = new Map<string, ServiceState>()
  /** Every Service ever created (with its allocations) and what the proxy relayed through it, also after deletion. */
  readonly history: ServiceState[] = []
  private readonly clusterIps = new Set<string>()
  private readonly nodePorts = new Set<number>()

  constructor(private readonly options: StandInOptions) {}

  /** Every stored Service, `namespace/name` → object (with its allocations). */
  objects(): Json[] {
    return [...this.states.values()].map((state) => state.object)
  }

  forwarded(namespace: string, name: string): number {
    return this.states.get(`${namespace}/${name}`)?.forwarded ?? 0
  }

  async create(record: NamespaceRecord, body: Json): Promise<Json> {
    const namespace = record.object.metadata.name as string
    const name = body.metadata?.name
    if (record.object.metadata.deletionTimestamp) {
      throw new HttpError(403, 'Forbidden', `services "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, { name, kind: 'services' })
    }
    const service = defaulted(body)
    validateService(service)
    validateMeta(service.metadata, 'Service')
    validateModel(new Service(service as ConstructorParameters<typeof Service>[0]), 'Service', name)
    if (this.states.has(`${namespace}/${name}`)) throw new HttpError(409, 'AlreadyExists', `services "${name}" already exists`, { name, kind: 'services' })
    const object: Json = {
      ...service, apiVersion: 'v1', kind: 'Service',
      metadata: { ...service.metadata, namespace, uid: randomUUID(), resourceVersion: '1', creationTimestamp: now() },
      status: { loadBalancer: {} },
    }
    const state: ServiceState = { object, listeners: [], forwarded: 0 }
    const resolve = (port: Json): Resolve => () => this.endpointFor(record, state, port)
    await this.allocate(object, state, resolve)
    this.states.set(`${namespace}/${name}`, state)
    this.history.push(state)
    return object
  }

  get(namespace: string, name: string): Json {
    const state = this.states.get(`${namespace}/${name}`)
    if (!state) throw new HttpError(404, 'NotFound', `services "${name}" not found`, { name, kind: 'services' })
    return state.object
  }

  async delete(namespace: string, name: string): Promise<Json> {
    const object = this.get(namespace, name)
    await this.release(`${namespace}/${name}`)
    return object
  }

  /** The namespace is going: its Services go with it. */
  async releaseNamespace(namespace: string): Promise<void> {
    await Promise.all([...this.states.keys()].filter((key) => key.startsWith(`${namespace}/`)).map((key) => this.release(key)))
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.states.keys()].map((key) => this.release(key)))
  }

  /** EndpointSlices of the namespace's Services (one each), filtered by a label selector. */
  endpointSlices(record: NamespaceRecord, matches: (labels: Record<string, string>) => boolean): Json[] {
    const namespace = record.object.metadata.name as string
    return [...this.states.entries()].filter(([key]) => key.startsWith(`${namespace}/`)).map(([, state]) => this.slice(record, state))
      .filter((slice) => matches(slice.metadata.labels))
  }

  private slice(record: NamespaceRecord, state: ServiceState): Json {
    const service = state.object
    const programmed = this.options.endpointSliceDelayMs !== null && Date.parse(service.metadata.creationTimestamp) + this.options.endpointSliceDelayMs <= Date.now()
    const pods = programmed ? [...record.pods.values()].map((pod) => pod.object).filter((pod) => selects(service.spec.selector, pod.metadata.labels) && pod.status?.podIP) : []
    return {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: {
        name: `${service.metadata.name}-standin`, namespace: service.metadata.namespace,
        labels: { [SERVICE_NAME_LABEL]: service.metadata.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service.metadata.name, uid: service.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      endpoints: pods.map((pod) => ({
        addresses: [pod.status.podIP], nodeName: pod.spec.nodeName,
        conditions: { ready: isReadyPod(pod), serving: isReadyPod(pod), terminating: false },
        targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
      })),
      ports: (service.spec.ports as Json[]).map((port) => ({ name: port.name ?? '', port: typeof port.targetPort === 'number' ? port.targetPort : port.port, protocol: port.protocol })),
    }
  }

  /** The ready pod the selector finds and the port it serves `port` on; null: none (refused). */
  private endpointFor(record: NamespaceRecord, state: ServiceState, port: Json): { ip: string; port: number } | null {
    const pod = [...record.pods.values()].map((entry) => entry.object).find((candidate) => selects(state.object.spec.selector, candidate.metadata.labels) && isReadyPod(candidate))
    if (!pod) return null
    const named = ((pod.spec.containers?.[0]?.ports ?? []) as Json[]).find((entry) => entry.name === port.targetPort)
    const target = typeof port.targetPort === 'number' ? port.targetPort : named?.containerPort
    if (!target) return null
    state.forwarded++
    return { ip: pod.status.podIP, port: target }
  }

  /**
   * ClusterIP and node ports, then the forwarders on them. An address or port that something else
   * on this machine holds is skipped as if the allocator had found it taken.
   */
  private async allocate(object: Json, state: ServiceState, resolve: (port: Json) => Resolve): Promise<void> {
    const spec = object.spec
    const requested = typeof spec.clusterIP === 'string' && spec.clusterIP !== ''
    if (requested) this.checkRequestedIp(spec.clusterIP, object.metadata.name)
    if (spec.type === 'NodePort') this.checkRequestedNodePorts(spec.ports, object.metadata.name)
    for (let attempt = 0; ; attempt++) {
      const ip = requested ? spec.clusterIP as string : this.nextIp()
      const nodePorts = spec.type === 'NodePort' ? this.nodePortsFor(spec.ports) : new Map<number, number>()
      try {
        state.listeners = await this.listen(ip, spec.ports, nodePorts, resolve)
        Object.assign(spec, { clusterIP: ip, clusterIPs: [ip], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster' })
        if (spec.type === 'NodePort') {
          spec.externalTrafficPolicy = 'Cluster'
          for (const port of spec.ports) port.nodePort = nodePorts.get(port.port)
          for (const nodePort of nodePorts.values()) this.nodePorts.add(nodePort)
        }
        this.clusterIps.add(ip)
        return
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= BIND_TRIES || requested) throw error
      }
    }
  }

  private checkRequestedIp(ip: string, name: unknown): void {
    const parts = ip.split('.').map(Number)
    const offset = ((parts[2]! - 96) << 8) + parts[3]!
    if (parts[0] !== 127 || parts[1] !== 0 || offset <= 0 || offset >= CIDR_SIZE - 1) {
      throw invalidService(name, [`spec.clusterIPs: Invalid value: ["${ip}"]: failed to allocate IP ${ip}: provided IP is not in the valid range. The range of valid IPs is ${SERVICE_CIDR}`])
    }
    if (this.clusterIps.has(ip)) throw invalidService(name, [`spec.clusterIPs: Invalid value: ["${ip}"]: failed to allocate IP ${ip}: provided IP is already allocated`])
  }

  private checkRequestedNodePorts(ports: Json[], name: unknown): void {
    const errors = ports.flatMap((port, index) => {
      if (port.nodePort === undefined) return []
      if (port.nodePort < NODE_PORT_RANGE.first || port.nodePort > NODE_PORT_RANGE.last) return [`spec.ports[${index}].nodePort: Invalid value: ${port.nodePort}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.first}-${NODE_PORT_RANGE.last}`]
      return this.nodePorts.has(port.nodePort) ? [`spec.ports[${index}].nodePort: Invalid value: ${port.nodePort}: provided port is already allocated`] : []
    })
    if (errors.length) throw invalidService(name, errors)
  }

  /** A random free address of the CIDR (network and broadcast addresses excluded). */
  private nextIp(): string {
    for (;;) {
      const ip = ipOf(1 + randomIn(CIDR_SIZE - 2))
      if (!this.clusterIps.has(ip)) return ip
    }
  }

  /** Service port → node port: a requested one, else a random free one; the same for TCP and UDP of one port number (initNodePorts). */
  private nodePortsFor(ports: Json[]): Map<number, number> {
    const chosen = new Map<number, number>()
    for (const port of ports) if (port.nodePort !== undefined && !chosen.has(port.port)) chosen.set(port.port, port.nodePort)
    const taken = new Set([...this.nodePorts, ...chosen.values()])
    const size = NODE_PORT_RANGE.last - NODE_PORT_RANGE.first + 1
    for (const port of ports) {
      if (chosen.has(port.port)) continue
      if (taken.size >= size) throw new HttpError(500, 'InternalError', 'Internal error occurred: failed to allocate a nodePort: range is full')
      let candidate: number
      do candidate = NODE_PORT_RANGE.first + randomIn(size)
      while (taken.has(candidate))
      taken.add(candidate)
      chosen.set(port.port, candidate)
    }
    return chosen
  }

  private async listen(ip: string, ports: Json[], nodePorts: Map<number, number>, resolve: (port: Json) => Resolve): Promise<Listener[]> {
    const listeners: Listener[] = []
    try {
      for (const port of ports) {
        if (port.protocol === 'SCTP') continue
        const forward = port.protocol === 'TCP' ? tcpForwarder : udpForwarder
        listeners.push(await forward(ip, port.port, resolve(port)))
        const nodePort = nodePorts.get(port.port)
        if (nodePort !== undefined) listeners.push(await forward(NODE_ADDRESS, nodePort, resolve(port)))
      }
      return listeners
    } catch (error) {
      await Promise.all(listeners.map((listener) => listener.close()))
      throw error
    }
  }

  private async release(key: string): Promise<void> {
    const state = this.states.get(key)
    if (!state) return
    this.states.delete(key)
    this.clusterIps.delete(state.object.spec.clusterIP)
    for (const port of state.object.spec.ports as Json[]) if (port.nodePort !== undefined) this.nodePorts.delete(port.nodePort)
    await Promise.all(state.listeners.map((listener) => listener.close()))
  }
}
