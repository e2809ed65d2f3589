/**
 * The kube STAND-IN's REST routes: exactly the endpoints netbench's kube provider calls, each
 * behind its RBAC check. Anything else is recorded as unknown (a test fails on it) and is a 404.
 */
import type { IncomingMessage } from 'node:http'
import { HttpError, readJson, type Json } from './http.ts'
import type { StandInKubelet } from './kubelet.ts'
import { daemonSetObject, nodeObject } from './objects.ts'
import type { StandInOptions } from './options.ts'
import { patchLabels } from './policy.ts'
import { check, forbidden } from './rbac.ts'
import type { StandInServices } from './services.ts'
import { matchesSelector, type StandInStore } from './store.ts'

export interface RouteContext {
  options: StandInOptions
  store: StandInStore
  kubelet: StandInKubelet
  services: StandInServices
  unknownRequests: string[]
}

export interface Reply { code?: number; body: Json }

interface Request { method: string; path: string; url: URL; request: IncomingMessage; selector: string | null }

type Route = (context: RouteContext, request: Request) => Promise<Reply | undefined>

const list = (kind: string, apiVersion: string, items: Json[]): Json => ({ kind, apiVersion, metadata: { resourceVersion: '1' }, items })

async function clusterRoutes({ options, store }: RouteContext, { method, path, request, selector }: Request): Promise<Reply | undefined> {
  if (method === 'GET' && path === '/version') {
    const [major, minor] = options.version.replace(/^v/, '').split('.')
    return { body: { major, minor, gitVersion: options.version, gitCommit: 'standin', gitTreeState: 'clean', buildDate: '2024-06-11T00:00:00Z', goVersion: 'go1.22.4', compiler: 'gc', platform: 'linux/amd64' } }
  }
  if (method === 'GET' && path === '/api/v1/nodes') {
    check(options, 'list', 'nodes', '', null, null)
    return { body: list('NodeList', 'v1', options.nodes.map((node) => nodeObject(node, options.version))) }
  }
  if (method === 'GET' && path === '/apis/apps/v1/daemonsets') {
    check(options, 'list', 'daemonsets', 'apps', null, null)
    return { body: list('DaemonSetList', 'apps/v1', options.daemonsets.map(daemonSetObject)) }
  }
  if (method === 'POST' && path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
    const review = await readJson(request)
    const attributes = review.spec?.resourceAttributes ?? {}
    const allowed = options.reviewsAllowEverything || !forbidden(options, attributes.verb, attributes.resource, attributes.subresource)
    return { code: 201, body: { ...review, status: { allowed, ...allowed ? {} : { reason: 'stand-in RBAC denies it' } } } }
  }
  if (path !== '/api/v1/namespaces') return undefined
  if (method === 'GET') {
    check(options, 'list', 'namespaces', '', null, null)
    return { body: list('NamespaceList', 'v1', [...store.namespaceMap.values()].map((record) => record.object).filter((ns) => matchesSelector(ns.metadata.labels, selector))) }
  }
  if (method === 'POST') {
    const body = await readJson(request)
    check(options, 'create', 'namespaces', '', null, body.metadata?.name ?? null)
    return { code: 201, body: store.createNamespace(body) }
  }
  return undefined
}

async function policyRoutes({ options, store }: RouteContext, { method, path, request }: Request): Promise<Reply | undefined> {
  const match = /^\/apis\/networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/networkpolicies(?:\/([^/]+))?$/.exec(path)
  if (!match) return undefined
  const [, namespace, name] = match as unknown as [string, string, string | undefined]
  const record = store.namespaceRecord(namespace)
  const group = 'networking.k8s.io'
  if (method === 'POST' && !name) {
    check(options, 'create', 'networkpolicies', group, namespace, null)
    return { code: 201, body: store.createNetworkPolicy(record, await readJson(request)) }
  }
  if (method === 'GET' && !name) {
    check(options, 'list', 'networkpolicies', group, namespace, null)
    return { body: { kind: 'NetworkPolicyList', apiVersion: 'networking.k8s.io/v1', metadata: {}, items: [...record.networkPolicies.values()] } }
  }
  if (method === 'PUT' && name) {
    check(options, 'update', 'networkpolicies', group, namespace, name)
    return { body: store.replaceNetworkPolicy(record, name, await readJson(request)) }
  }
  if (method === 'DELETE' && name) {
    check(options, 'delete', 'networkpolicies', group, namespace, name)
    return { body: store.deleteNetworkPolicy(record, name) }
  }
  return undefined
}

async function namespaceRoutes({ options, store }: RouteContext, { method, url, request }: Request, namespace: string, kind: string | undefined, name: string | undefined): Promise<Reply | undefined> {
  if (!kind) {
    if (method === 'GET') {
      check(options, 'get', 'namespaces', '', null, namespace)
      return { body: store.namespaceRecord(namespace).object }
    }
    if (method === 'DELETE') {
      check(options, 'delete', 'namespaces', '', null, namespace)
      return { body: store.deleteNamespace(namespace) }
    }
    if (method === 'PATCH') {
      check(options, 'patch', 'namespaces', '', null, namespace)
      return { body: store.patchNamespace(namespace, await readJson(request), String(request.headers['content-type'])) }
    }
  }
  if (kind === 'events' && !name && method === 'GET') {
    check(options, 'list', 'events', '', namespace, null)
    const field = /^involvedObject\.name=(.*)$/.exec(url.searchParams.get('fieldSelector') ?? '')
    return { body: list('EventList', 'v1', store.namespaceRecord(namespace).events.filter((event) => !field || event.involvedObject?.name === field[1])) }
  }
  return undefined
}

async function podCollectionRoutes({ options, store, kubelet }: RouteContext, { method, request, selector }: Request, namespace: string): Promise<Reply | undefined> {
  if (method === 'GET') {
    check(options, 'list', 'pods', '', namespace, null)
    return { body: list('PodList', 'v1', [...store.namespaceRecord(namespace).pods.values()].map((pod) => pod.object).filter((pod) => matchesSelector(pod.metadata.labels, selector))) }
  }
  if (method === 'POST') {
    check(options, 'create', 'pods', '', namespace, null)
    return { code: 201, body: kubelet.createPod(namespace, await readJson(request)) }
  }
  if (method === 'DELETE') {
    check(options, 'deletecollection', 'pods', '', namespace, null)
    const record = store.namespaceRecord(namespace)
    const gone = [...record.pods.values()].filter((pod) => matchesSelector(pod.object.metadata.labels, selector))
    for (const pod of gone) store.deletePod(record, pod.object.metadata.name)
    return { body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: gone.map((pod) => pod.object) } }
  }
  return undefined
}

async function podRoutes({ options, store }: RouteContext, { method, request }: Request, namespace: string, name: string): Promise<Reply | undefined> {
  const record = store.namespaceRecord(namespace)
  if (method === 'GET') {
    check(options, 'get', 'pods', '', namespace, name)
    return { body: store.podRecord(record, name).object }
  }
  if (method === 'PATCH') {
    check(options, 'patch', 'pods', '', namespace, name)
    return { body: patchLabels(store.podRecord(record, name).object, await readJson(request), String(request.headers['content-type'])) }
  }
  if (method === 'DELETE') {
    check(options, 'delete', 'pods', '', namespace, name)
    const pod = store.podRecord(record, name)
    store.deletePod(record, name)
    return { body: pod.object }
  }
  return undefined
}

/** Services (core/v1) and their EndpointSlices (discovery.k8s.io/v1). */
const serviceRoutes: Route = async ({ options, store, services }, { method, path, request, selector }) => {
  const slices = /^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices$/.exec(path)
  if (slices && method === 'GET') {
    check(options, 'list', 'endpointslices', 'discovery.k8s.io', slices[1]!, null)
    const items = services.endpointSlices(store.namespaceRecord(slices[1]!), (labels) => matchesSelector(labels, selector))
    return { body: list('EndpointSliceList', 'discovery.k8s.io/v1', items) }
  }
  const match = /^\/api\/v1\/namespaces\/([^/]+)\/services(?:\/([^/]+))?$/.exec(path)
  if (!match) return undefined
  const [, namespace, name] = match as unknown as [string, string, string | undefined]
  const record = store.namespaceRecord(namespace)
  if (method === 'POST' && !name) {
    check(options, 'create', 'services', '', namespace, null)
    return { code: 201, body: await services.create(record, await readJson(request)) }
  }
  if (method === 'GET' && name) {
    check(options, 'get', 'services', '', namespace, name)
    return { body: services.get(namespace, name) }
  }
  if (method === 'DELETE' && name) {
    check(options, 'delete', 'services', '', namespace, name)
    return { body: await services.delete(namespace, name) }
  }
  return undefined
}

const namespacedRoutes: Route = async (context, request) => {
  const match = /^\/api\/v1\/namespaces\/([^/]+)(?:\/(pods|events)(?:\/([^/]+))?)?$/.exec(request.path)
  if (!match) return undefined
  const [, namespace, kind, name] = match as unknown as [string, string, string | undefined, string | undefined]
  if (kind === 'pods' && !name) return podCollectionRoutes(context, request, namespace)
  if (kind === 'pods' && name) return podRoutes(context, request, namespace, name)
  return namespaceRoutes(context, request, namespace, kind, name)
}

const ROUTES: readonly Route[] = [clusterRoutes, policyRoutes, serviceRoutes, namespacedRoutes]

export async function route(context: RouteContext, method: string, url: URL, request: IncomingMessage): Promise<Reply> {
  const path = url.pathname.replace(/\/+$/, '')
  const parsed: Request = { method, path, url, request, selector: url.searchParams.get('labelSelector') }
  for (const candidate of ROUTES) {
    const result = await candidate(context, parsed)
    if (result) return result
  }
  context.unknownRequests.push(`${method} ${url.pathname}${url.search}`)
  throw new HttpError(404, 'NotFound', `the stand-in does not serve ${method} ${url.pathname}`)
}
