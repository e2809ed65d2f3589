/**
 * Turns what @kubernetes/client-node throws (ApiException with a Status body, node-fetch system
 * errors, TLS errors) into one-line NetbenchErrors that say which context, what failed and how
 * to fix it. A 403 names the verb and resource, as the API server's own message does.
 */
import { NetbenchError, isNetbenchError } from '../../errors.ts'

export const RBAC_HINT = 'grant the netbench ClusterRole from docs/kubernetes.md (RBAC section); never cluster-admin'

export const ADMISSION_HINT = 'netbench\'s pods meet Pod Security `restricted` except hostNetwork pods, which need `privileged` (docs/kubernetes.md, Admission): exempt namespaces labelled app.kubernetes.io/managed-by=netbench from the policy named above, or on OpenShift grant the hostnetwork-v2 SCC'

/** An admission plugin or webhook refused the object (not RBAC): Pod Security, SCC, Kyverno, Gatekeeper, VAP. */
const ADMISSION = /violates PodSecurity|admission webhook "[^"]*" denied|unable to validate against any security context constraint|ValidatingAdmissionPolicy '[^']*' .*denied|error looking up service account/

export function isAdmissionDenial(message: string | undefined): boolean {
  return message !== undefined && ADMISSION.test(message)
}

/** ServiceAccount admission refuses pods until the namespace's `default` ServiceAccount exists. */
export function isServiceAccountRace(error: unknown): boolean {
  return httpCode(error) === 403 && /error looking up service account .*\/default: serviceaccount "default" not found|service account .*\/default was not found/.test(statusOf(error)?.message ?? '')
}

export interface KubeStatus {
  kind?: string
  status?: string
  message?: string
  reason?: string
  code?: number
  details?: { name?: string; kind?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> }
}

export interface Where {
  context: string
  server: string
  /** The kubeconfig user's exec credential plugin (`aws`, `aws-iam-authenticator`, `gke-gcloud-auth-plugin`). */
  authCommand?: string
}

/**
 * EKS answers 401 both for an expired token and for a valid AWS identity that has no access entry
 * (or aws-auth mapping) in the cluster; refreshing credentials fixes only the first.
 */
function unauthorizedHint(where: Where): string {
  if (where.authCommand && /(^|\/)(aws|aws-iam-authenticator)$/.test(where.authCommand)) {
    return 'on EKS a valid AWS identity without access to this cluster gets 401 too: check `aws sts get-caller-identity` against the cluster\'s access entries (or aws-auth ConfigMap), then refresh the credentials (aws eks update-kubeconfig)'
  }
  return 'refresh the credentials of this context (log in again with your cloud CLI), then retry'
}

/** The HTTP status of an API error, or undefined when the request never got an answer. */
export function httpCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'number' ? code : undefined
}

export function isNotFound(error: unknown): boolean {
  return httpCode(error) === 404
}

export function isConflict(error: unknown): boolean {
  return httpCode(error) === 409
}

/** The Status object an API error carries (client-node keeps the body as text). */
export function statusOf(error: unknown): KubeStatus | undefined {
  const body = (error as { body?: unknown } | null)?.body
  if (body && typeof body === 'object') return body as KubeStatus
  if (typeof body !== 'string' || !body.trim()) return undefined
  try {
    return JSON.parse(body) as KubeStatus
  } catch {
    return { message: body.trim().split('\n')[0] }
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT'])
const TLS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ALTNAME|EPROTO/

/** `connect ECONNREFUSED 127.0.0.1:6443` rather than node-fetch's "request to … failed, reason: …". */
function systemReason(error: Error): string {
  const match = /reason: (.*)$/.exec(error.message)
  return (match?.[1] ?? error.message).split('\n')[0]!.trim()
}

export function unreachable(where: Where, reason: string): NetbenchError {
  return new NetbenchError('PROVIDER', `cannot reach the Kubernetes API server of context '${where.context}' (${where.server}): ${reason}`, {
    hint: 'check that the cluster is up and the kubeconfig points at it (kubectl --context ' + where.context + ' cluster-info)',
  })
}

/**
 * @param what what netbench was doing, e.g. `creating pod calico-p1` (used when the server's
 *   message does not say it already)
 */
export function kubeError(error: unknown, what: string, where: Where): NetbenchError {
  if (isNetbenchError(error)) return error
  const code = httpCode(error)
  if (code !== undefined) {
    const status = statusOf(error)
    const message = status?.message?.split('\n')[0]
    if (isAdmissionDenial(message)) {
      return new NetbenchError('PROVIDER', `context '${where.context}': an admission policy refused ${what}: ${message}`, { hint: ADMISSION_HINT, cause: error })
    }
    if (code === 403) {
      return new NetbenchError('PROVIDER', `context '${where.context}': ${message ?? `forbidden while ${what}`}`, { hint: RBAC_HINT, cause: error })
    }
    if (code === 401) {
      return new NetbenchError('PROVIDER', `context '${where.context}': the API server rejected the credentials (401 Unauthorized) while ${what}`, {
        hint: unauthorizedHint(where),
        cause: error,
      })
    }
    return new NetbenchError('PROVIDER', `context '${where.context}': ${what} failed: ${message ?? `HTTP ${code}`}${status?.reason && message ? ` (${status.reason})` : ''}`, {
      hint: code >= 500 ? 'the API server had a problem; retry, and check its health' : 'see the message; netbench clean --kube removes what a failed run left',
      cause: error,
    })
  }
  if (error instanceof Error) {
    const system = (error as { code?: unknown }).code
    if (typeof system === 'string' && (UNREACHABLE.has(system) || /ECONN|ENOTFOUND|ETIMEDOUT/.test(system))) return unreachable(where, systemReason(error))
    if ((typeof system === 'string' && TLS.test(system)) || TLS.test(error.message)) {
      return new NetbenchError('PROVIDER', `TLS with the API server of context '${where.context}' (${where.server}) failed: ${systemReason(error)}`, {
        hint: 'the kubeconfig\'s certificate-authority does not match the server; refresh the kubeconfig',
        cause: error,
      })
    }
    if (/No active cluster|No cluster is defined/.test(error.message)) {
      return new NetbenchError('PROVIDER', `context '${where.context}' names no cluster`, { hint: 'fix the context in the kubeconfig', cause: error })
    }
    return new NetbenchError('PROVIDER', `context '${where.context}': ${what} failed: ${error.message.split('\n')[0]}`, { hint: 'see the message', cause: error })
  }
  return new NetbenchError('PROVIDER', `context '${where.context}': ${what} failed: ${String(error)}`, { hint: 'see the message' })
}

/** Rejects with a NetbenchError when a promise does not settle in time (the request may go on). */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(onTimeout()), ms) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
