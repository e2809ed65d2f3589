/**
 * Before anything is created: every context the suite names exists, its API server answers,
 * and the user may do what a run does (SelfSubjectAccessReview), so a missing permission fails
 * with the verb and resource instead of half-way through a run.
 */
import { AuthorizationV1Api } from '@kubernetes/client-node'
import { NetbenchError } from '../../errors.ts'
import type { KubeClusterSpec } from '../../model.ts'
import { RBAC_HINT, httpCode, kubeError, type Where } from './errors.ts'
import { configForContext, loadKubeConfig, resolveContextName, whereOf, type LoadedKubeConfig } from './kubeconfig.ts'
import { KubeTarget } from './cluster-client.ts'
import { pickNodePairs } from './placement.ts'

export interface Permission {
  verb: string
  resource: string
  subresource?: string
  group?: string
  /** Checked in the run's (future) namespace rather than cluster-wide. */
  namespaced?: boolean
}

/** What a run does. RBAC in docs/kubernetes.md grants exactly these (plus optional reads). */
export const REQUIRED_PERMISSIONS: readonly Permission[] = [
  { verb: 'create', resource: 'namespaces' },
  { verb: 'get', resource: 'namespaces' },
  // The CLI finds a run's namespaces by label to remove them, even if a worker died.
  { verb: 'list', resource: 'namespaces' },
  { verb: 'patch', resource: 'namespaces' },
  { verb: 'delete', resource: 'namespaces' },
  { verb: 'list', resource: 'nodes' },
  { verb: 'create', resource: 'pods', namespaced: true },
  { verb: 'list', resource: 'pods', namespaced: true },
  { verb: 'deletecollection', resource: 'pods', namespaced: true },
  // Exec over WebSocket is a GET; API servers with AuthorizePodWebsocketUpgradeCreatePermission also check create.
  { verb: 'get', resource: 'pods', subresource: 'exec', namespaced: true },
  { verb: 'create', resource: 'pods', subresource: 'exec', namespaced: true },
]

/** What a policy step adds: real NetworkPolicy objects (deleted with the step's namespaces). */
export const POLICY_PERMISSIONS: readonly Permission[] = [
  { verb: 'create', resource: 'networkpolicies', group: 'networking.k8s.io', namespaced: true },
  // A step's updates replace and delete policies and relabel pods in place.
  { verb: 'update', resource: 'networkpolicies', group: 'networking.k8s.io', namespaced: true },
  { verb: 'delete', resource: 'networkpolicies', group: 'networking.k8s.io', namespaced: true },
  { verb: 'patch', resource: 'pods', namespaced: true },
]

/** What a Service path adds: a Service per server pod (deleted with its network) and its EndpointSlices read. */
export const SERVICE_PERMISSIONS: readonly Permission[] = [
  { verb: 'create', resource: 'services', namespaced: true },
  { verb: 'get', resource: 'services', namespaced: true },
  { verb: 'delete', resource: 'services', namespaced: true },
  { verb: 'get', resource: 'endpointslices', group: 'discovery.k8s.io', namespaced: true },
  { verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io', namespaced: true },
]

/** Everything a suite's run does: the base set, plus policy and Service permissions when it uses them. */
export function permissionsFor(spec: Pick<KubeClusterSpec, 'networkPolicies' | 'placements'>): Permission[] {
  const services = spec.placements.some((placement) => (placement.via ?? 'pod') !== 'pod')
  return [...REQUIRED_PERMISSIONS, ...spec.networkPolicies ? POLICY_PERMISSIONS : [], ...services ? SERVICE_PERMISSIONS : []]
}

export function permissionName(permission: Permission): string {
  const resource = permission.subresource ? `${permission.resource}/${permission.subresource}` : permission.resource
  return `${permission.verb} ${permission.group ? `${resource}.${permission.group}` : resource}`
}

/** The contexts a suite uses, by name (null: current-context), in first-use order. */
export function contextsOf(spec: KubeClusterSpec, networks: readonly string[]): Array<string | null> {
  const contexts = networks.map((network) => Object.hasOwn(spec.contexts, network) ? spec.contexts[network]! : spec.context)
  return [...new Set(contexts.length ? contexts : [spec.context])]
}

/** Permissions the user lacks in a context; [] when all are there or the API cannot tell. */
export async function missingPermissions(target: KubeTarget, permissions: readonly Permission[] = REQUIRED_PERMISSIONS): Promise<Permission[]> {
  const api = target.config.makeApiClient(AuthorizationV1Api)
  const answers = await Promise.all(permissions.map(async (permission) => {
    try {
      const review = await api.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: permission.verb,
              resource: permission.resource,
              ...permission.subresource ? { subresource: permission.subresource } : {},
              group: permission.group ?? '',
              ...permission.namespaced ? { namespace: target.namespace } : {},
            },
          },
        },
      })
      return review.status?.allowed === true ? undefined : permission
    } catch (error) {
      // No SelfSubjectAccessReview API (or not allowed to ask): the run will tell.
      const code = httpCode(error)
      if (code === 403 || code === 404) return undefined
      throw kubeError(error, 'checking permissions', target.where)
    }
  }))
  return answers.filter((permission): permission is Permission => permission !== undefined)
}

export interface PreflightOptions {
  runId?: string
  connectTimeoutMs?: number
}

/** Resolves and checks every context of a suite; returns their names. */
export async function checkKubeTargets(spec: KubeClusterSpec, networks: readonly string[], options: PreflightOptions = {}): Promise<string[]> {
  const loaded: LoadedKubeConfig = loadKubeConfig()
  const names = contextsOf(spec, networks).map((context) => resolveContextName(loaded, context))
  const unique = [...new Set(names)]
  for (const context of unique) {
    const config = configForContext(loaded, context)
    const where: Where = whereOf(context, config)
    const target = new KubeTarget(config, where, { runId: options.runId ?? '0000', owner: { host: '', pid: 0, start: '' } })
    await target.server(options.connectTimeoutMs)
    const missing = await missingPermissions(target, permissionsFor(spec))
    if (missing.length) {
      throw new NetbenchError('PROVIDER', `context '${context}': the user may not ${missing.map(permissionName).join(', ')} (checked with SelfSubjectAccessReview)`, { hint: RBAC_HINT })
    }
    await checkPairsFit(target, spec.placements, context)
  }
  return unique
}

/** Steps with `pairs: N` need their disjoint nodes: exit 2 before anything is made (placement.ts says what is missing). */
async function checkPairsFit(target: KubeTarget, placements: KubeClusterSpec['placements'], context: string): Promise<void> {
  const many = placements.filter((placement) => (placement.pairs ?? 1) > 1)
  if (!many.length) return
  const nodes = await target.kubeNodes()
  for (const placement of many) pickNodePairs(nodes, placement.between, placement.pairs!, context)
}
