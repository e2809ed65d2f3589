/**
 * Service paths on a Kubernetes cluster: for each placement with a `via`, a real Service selecting
 * exactly the server pod of that placement (ClusterIP for `service` and `hairpin`, NodePort for
 * `nodeport`), waited for until its EndpointSlices list the pod ready, so that kube-proxy (or the
 * CNI's replacement for it) has something to translate to. The routes tell a client what to send
 * to; the provider cannot read kube-proxy's counters, so `translated` is absent.
 */
import type { V1Service } from '@kubernetes/client-node'
import { NetbenchError } from '../../errors.ts'
import type { Between, EndpointKind, Placement, Via } from '../../model.ts'
import type { PortRange } from '../../endpoint.ts'
import type { ServiceRoute } from '../types.ts'
import type { KubeTarget } from './cluster-client.ts'
import { endpointServiceManifest } from './manifests.ts'
import { placementKey, type PodPlan } from './placement.ts'

type ServiceVia = Exclude<Via, 'pod'>
type ServiceType = 'ClusterIP' | 'NodePort'

const POLL_MS = 250

export interface PlannedService {
  name: string
  /** The endpoint pod it selects. */
  pod: string
  type: ServiceType
}

/** One Service path: who sends, who serves, through which Service. */
export interface PlannedPath {
  via: ServiceVia
  client: string
  server: string
  service: string
}

export interface ServicePlan {
  services: PlannedService[]
  /** Key `between/endpoint/via` → the path. */
  paths: Map<string, PlannedPath>
  /** Service paths the placement cannot have (host endpoints): the error for pair(). */
  impossible: Map<string, NetbenchError>
}

export function serviceKey(between: Between, endpoint: EndpointKind, via: ServiceVia): string {
  return `${placementKey(between, endpoint)}/${via}`
}

/** A Service's name is a DNS-1035 label: it must start with a letter, which a pod name need not. */
export function serviceName(pod: string, type: ServiceType): string {
  return `${type === 'NodePort' ? 'np' : 'svc'}-${pod}`.slice(0, 63).replace(/-+$/, '')
}

/** The Services a network's placements need: one per server pod and type, shared between placements. */
export function planServices(plan: PodPlan, placements: readonly Placement[]): ServicePlan {
  const services = new Map<string, PlannedService>()
  const paths = new Map<string, PlannedPath>()
  const impossible = new Map<string, NetbenchError>()
  for (const placement of placements) {
    const via = placement.via ?? 'pod'
    if (via === 'pod') continue
    const key = serviceKey(placement.between, placement.endpoint, via)
    if (placement.endpoint === 'host') {
      impossible.set(key, new NetbenchError('SUITE_INVALID', `endpoint: host with via: ${via}: a Service path starts in a pod`, { hint: 'use endpoint: pod (the default) for Service paths' }))
      continue
    }
    const pair = plan.pairs.get(placementKey(placement.between, placement.endpoint))
    if (!pair) continue
    const type: ServiceType = via === 'nodeport' ? 'NodePort' : 'ClusterIP'
    const name = serviceName(pair.server, type)
    services.set(name, { name, pod: pair.server, type })
    paths.set(key, { via, client: via === 'hairpin' ? pair.server : pair.client, server: pair.server, service: name })
  }
  return { services: [...services.values()], paths, impossible }
}

export interface ServiceInstallOptions {
  target: KubeTarget
  runId: string
  network: string
  ports: PortRange
  readyTimeoutMs: number
  signal?: AbortSignal
}

/** Creates the planned Services, then waits until each lists its pod as a ready endpoint. */
export async function createServices(plan: ServicePlan, options: ServiceInstallOptions): Promise<Map<string, V1Service>> {
  const created = new Map<string, V1Service>()
  for (const service of plan.services) {
    const body = endpointServiceManifest({ runId: options.runId, name: service.name, network: options.network, pod: service.pod, type: service.type, ports: options.ports })
    created.set(service.name, await options.target.createService(body))
  }
  const deadline = Date.now() + options.readyTimeoutMs
  for (const service of plan.services) await waitEndpoint(options, service, deadline)
  return created
}

async function hasReadyEndpoint(target: KubeTarget, service: PlannedService): Promise<boolean> {
  const slices = await target.endpointSlices(service.name)
  // EndpointSlice conditions: an unset `ready` means ready.
  return slices.some((slice) => (slice.endpoints ?? []).some((endpoint) => endpoint.targetRef?.name === service.pod && endpoint.conditions?.ready !== false))
}

async function waitEndpoint(options: ServiceInstallOptions, service: PlannedService, deadline: number): Promise<void> {
  const { target } = options
  for (;;) {
    options.signal?.throwIfAborted()
    if (await hasReadyEndpoint(target, service)) return
    if (Date.now() >= deadline) break
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(10, deadline - Date.now()))))
  }
  const stored = await target.readService(service.name)
  const why = stored ? `its EndpointSlices do not list pod ${service.pod} as ready` : 'the Service is gone'
  throw new NetbenchError('PROVIDER', `service ${service.name} (context '${target.context}', namespace ${target.namespace}) has no ready endpoint within ${Math.round(options.readyTimeoutMs / 1000)} s: ${why}`, {
    hint: `the EndpointSlice controller (kube-controller-manager) fills it in: check kubectl --context ${target.context} -n ${target.namespace} get endpointslices -l kubernetes.io/service-name=${service.name}`,
  })
}

/** Each server port's node port; TCP and UDP of a port must share one (the API server allocates them so). */
export function nodePortMap(service: V1Service, context: string): Map<number, number> {
  const map = new Map<number, number>()
  for (const port of service.spec?.ports ?? []) {
    const nodePort = port.nodePort
    if (nodePort === undefined) throw new NetbenchError('PROVIDER', `context '${context}': service ${service.metadata?.name} came back without a node port for ${port.protocol} ${port.port}`, { hint: 'the API server did not allocate node ports; check its --service-node-port-range' })
    const known = map.get(port.port)
    if (known !== undefined && known !== nodePort) {
      throw new NetbenchError('PROVIDER', `context '${context}': service ${service.metadata?.name} maps port ${port.port} to node port ${known} for one protocol and ${nodePort} for the other, but iperf3 sends TCP and UDP to one port`, { hint: 'report it: the API server allocates one node port per port number' })
    }
    map.set(port.port, nodePort)
  }
  return map
}

/** The route a path's client takes: the ClusterIP, or its own node's address and the node port. */
export function serviceRoute(path: PlannedPath, service: V1Service, clientNode: { name: string; ip: string }, context: string): ServiceRoute {
  const clusterIp = service.spec?.clusterIP ?? ''
  if (path.via !== 'nodeport') {
    return {
      via: path.via, address: clusterIp, port: (serverPort) => serverPort,
      label: `ClusterIP ${clusterIp} → ${path.server}${path.via === 'hairpin' ? ' (same pod)' : ''}`,
    }
  }
  const nodePorts = nodePortMap(service, context)
  return {
    via: 'nodeport', address: clientNode.ip,
    port(serverPort) {
      const nodePort = nodePorts.get(serverPort)
      if (nodePort === undefined) throw new NetbenchError('PROVIDER', `port ${serverPort} is not a port of service ${service.metadata?.name}`, { hint: 'internal: probes must use the cluster.ports range the Service was made for' })
      return nodePort
    },
    label: `NodePort ${clientNode.name} (${clientNode.ip}) → ${path.server}`,
  }
}

export interface ServicePaths {
  /** The path of a placement; throws when the network was installed without it (exit 3), or it cannot be (exit 2). */
  path(between: Between, endpoint: EndpointKind, via: ServiceVia): { client: string; server: string; route: ServiceRoute }
  /** For describe(): each Service with its type, ClusterIP and the pod it selects. */
  facts(): Array<{ name: string; type: ServiceType; clusterIP: string; pod: string }>
  /** Deletes the Services (the namespace's deletion would too; a network goes before its namespace). */
  remove(): Promise<void>
}

/** Plans, creates and waits for a network's Services; the routes its pairs take. */
export async function installServicePaths(plan: PodPlan, placements: readonly Placement[], options: ServiceInstallOptions): Promise<ServicePaths> {
  const planned = planServices(plan, placements)
  const remove = () => Promise.all(planned.services.map((service) => options.target.deleteService(service.name))).then(() => undefined)
  let created = new Map<string, V1Service>()
  const routes = new Map<string, { client: string; server: string; route: ServiceRoute }>()
  try {
    created = await createServices(planned, options)
    const nodeOf = (pod: string) => plan.pods.find((entry) => entry.name === pod)!.node
    for (const [key, path] of planned.paths) routes.set(key, { client: path.client, server: path.server, route: serviceRoute(path, created.get(path.service)!, nodeOf(path.client), options.target.context) })
  } catch (error) {
    await remove().catch(() => undefined)
    throw error
  }
  return {
    path(between, endpoint, via) {
      const key = serviceKey(between, endpoint, via)
      const impossible = planned.impossible.get(key)
      if (impossible) throw impossible
      const found = routes.get(key)
      if (found) return found
      throw new NetbenchError('SERVICE_PATH_MISSING', `network ${options.network} was installed without a via: ${via} path for between: ${between} (${endpoint} endpoints)`, {
        hint: 'internal: the suite\'s placements (with their via) were not passed to the kube provider',
      })
    },
    facts: () => planned.services.map((service) => ({ name: service.name, type: service.type, clusterIP: created.get(service.name)?.spec?.clusterIP ?? '', pod: service.pod })),
    remove,
  }
}
