/**
 * The stand-in's admission, as the real API server's plugins do it:
 *
 * - Pod Security admission (k8s.io/pod-security-admission/policy, check_*.go): the namespace's
 *   `pod-security.kubernetes.io/enforce` label, else the cluster default, picks the level; a pod
 *   breaking it is refused with 403 and the checks' own reasons. Only the checks that concern the
 *   fields netbench's pods can have are emulated (host namespaces, privileged, capabilities,
 *   sysctls, seccomp, allowPrivilegeEscalation, runAsNonRoot, runAsUser, hostPath, hostPorts).
 * - ServiceAccount admission (plugin/pkg/admission/serviceaccount): a pod is refused until its
 *   namespace's `default` ServiceAccount exists, which a controller creates shortly after the
 *   namespace.
 * - The kubelet's checks that only show on the pod (pkg/kubelet/sysctl, kuberuntime): `net.*`
 *   sysctls with hostNetwork, runAsNonRoot with an image that runs as root.
 */
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted'
const LEVELS: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted']

/** check_sysctls.go (1.0 set; later versions only add tcp keepalive ones). */
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'])
/** check_capabilities_baseline.go: the container runtime's default set. */
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'])

export function levelOf(namespace: Json, clusterDefault: PodSecurityLevel): PodSecurityLevel {
  const label = namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce']
  return (LEVELS as readonly string[]).includes(label) ? label as PodSecurityLevel : clusterDefault
}

const quote = (names: readonly string[]) => names.map((name) => `"${name}"`).join(', ')
const plural = (names: readonly string[]) => `${names.length === 1 ? 'container' : 'containers'} ${quote(names)}`

function baseline(spec: Json): string[] {
  const containers = (spec.containers ?? []) as Json[]
  const found: string[] = []
  const hostNamespaces = ['hostNetwork', 'hostPID', 'hostIPC'].filter((field) => spec[field] === true)
  if (hostNamespaces.length) found.push(`host namespaces (${hostNamespaces.map((field) => `${field}=true`).join(', ')})`)
  const privileged = containers.filter((c) => c.securityContext?.privileged === true).map((c) => c.name as string)
  if (privileged.length) found.push(`privileged (${plural(privileged)} must not set securityContext.privileged=true)`)
  const added = containers.flatMap((c) => ((c.securityContext?.capabilities?.add ?? []) as string[]).filter((cap) => !BASELINE_CAPABILITIES.has(cap)))
  if (added.length) found.push(`non-default capabilities (containers must not include ${quote([...new Set(added)])} in securityContext.capabilities.add)`)
  const hostPorts = containers.some((c) => ((c.ports ?? []) as Json[]).some((port) => port.hostPort))
  if (hostPorts) found.push('hostPort (containers must not set hostPort)')
  const hostPath = ((spec.volumes ?? []) as Json[]).filter((volume) => volume.hostPath).map((volume) => volume.name as string)
  if (hostPath.length) found.push(`hostPath volumes (volumes ${quote(hostPath)})`)
  const sysctls = ((spec.securityContext?.sysctls ?? []) as Json[]).map((entry) => entry.name as string).filter((name) => !SAFE_SYSCTLS.has(name))
  if (sysctls.length) found.push(`forbidden sysctls (${sysctls.join(', ')})`)
  if (spec.securityContext?.seccompProfile?.type === 'Unconfined') found.push('seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")')
  return found
}

function restricted(spec: Json): string[] {
  const containers = (spec.containers ?? []) as Json[]
  const pod = spec.securityContext ?? {}
  const found: string[] = []
  const escalating = containers.filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name as string)
  if (escalating.length) found.push(`allowPrivilegeEscalation != false (${plural(escalating)} must set securityContext.allowPrivilegeEscalation=false)`)
  const noDropAll = containers.filter((c) => !((c.securityContext?.capabilities?.drop ?? []) as string[]).includes('ALL')).map((c) => c.name as string)
  const adding = containers.filter((c) => ((c.securityContext?.capabilities?.add ?? []) as string[]).some((cap) => cap !== 'NET_BIND_SERVICE')).map((c) => c.name as string)
  const capabilities = [
    ...noDropAll.length ? [`${plural(noDropAll)} must set securityContext.capabilities.drop=["ALL"]`] : [],
    ...adding.length ? [`${plural(adding)} must not add capabilities other than "NET_BIND_SERVICE"`] : [],
  ]
  if (capabilities.length) found.push(`unrestricted capabilities (${capabilities.join('; ')})`)
  const nonRoot = containers.filter((c) => (c.securityContext?.runAsNonRoot ?? pod.runAsNonRoot) !== true).map((c) => c.name as string)
  if (nonRoot.length) found.push(`runAsNonRoot != true (pod or ${plural(nonRoot)} must set securityContext.runAsNonRoot=true)`)
  const root = [pod.runAsUser, ...containers.map((c) => c.securityContext?.runAsUser)].some((uid) => uid === 0)
  if (root) found.push('runAsUser=0 (pod and containers must not set runAsUser=0)')
  const seccomp = containers.filter((c) => !['RuntimeDefault', 'Localhost'].includes(c.securityContext?.seccompProfile?.type ?? pod.seccompProfile?.type)).map((c) => c.name as string)
  if (seccomp.length) found.push(`seccompProfile (pod or ${plural(seccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`)
  return found
}

/** The 403 message of a pod that breaks its namespace's level; null when it is admitted. */
export function podSecurityDenial(pod: Json, level: PodSecurityLevel): string | null {
  if (level === 'privileged') return null
  const violations = [...baseline(pod.spec ?? {}), ...level === 'restricted' ? restricted(pod.spec ?? {}) : []]
  if (!violations.length) return null
  return `pods "${pod.metadata?.name}" is forbidden: violates PodSecurity "${level}:latest": ${violations.join(', ')}`
}

export function serviceAccountDenial(pod: Json, namespace: string): string {
  const account = pod.spec?.serviceAccountName ?? 'default'
  return `pods "${pod.metadata?.name}" is forbidden: error looking up service account ${namespace}/${account}: serviceaccount "${account}" not found`
}

/**
 * What the kubelet refuses when it starts the pod (the API server admits it): null, or the pod's
 * failure. The stand-in's images run as root, as netshoot does.
 */
export function kubeletRefusal(pod: Json): { phase: 'Failed' | 'Pending'; reason: string; message: string } | null {
  const spec = pod.spec ?? {}
  const net = ((spec.securityContext?.sysctls ?? []) as Json[]).map((entry) => entry.name as string).find((name) => name.startsWith('net.'))
  if (spec.hostNetwork === true && net) return { phase: 'Failed', reason: 'SysctlForbidden', message: `Pod forbidden sysctl: "${net}" not allowed with host net enabled` }
  const container = (spec.containers ?? [])[0] ?? {}
  const nonRoot = container.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot
  const uid = container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser
  if (nonRoot === true && (uid === undefined || uid === 0)) {
    return { phase: 'Pending', reason: 'CreateContainerConfigError', message: 'container has runAsNonRoot and image will run as root' }
  }
  return null
}

/** Who a pod's processes run as, and with which capabilities (what the stand-in's exec uses). */
export interface PodIdentity {
  uid: number
  gid: number
  /** Capabilities left after drop/add (lower case, as setpriv spells them). */
  capabilities: string[]
  /** net.ipv4.ping_group_range of the pod's network namespace (the kernel default: nobody). */
  pingGroupRange: string
}

export function podIdentity(pod: Json): PodIdentity {
  const spec = pod.spec ?? {}
  const container = (spec.containers ?? [])[0] ?? {}
  const uid = Number(container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser ?? 0)
  const gid = Number(container.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup ?? 0)
  const capabilities = container.securityContext?.capabilities ?? {}
  const dropped = (capabilities.drop ?? []) as string[]
  const kept = dropped.includes('ALL') ? [] : [...BASELINE_CAPABILITIES, 'NET_RAW'].filter((cap) => !dropped.includes(cap))
  const all = [...new Set([...kept, ...(capabilities.add ?? []) as string[]])].map((cap) => cap.toLowerCase())
  const sysctl = ((spec.securityContext?.sysctls ?? []) as Json[]).find((entry) => entry.name === 'net.ipv4.ping_group_range')
  // hostNetwork pods share the node's value; the stand-in host's is the kernel default.
  return { uid, gid, capabilities: all, pingGroupRange: spec.hostNetwork ? '1 0' : sysctl?.value ?? '1 0' }
}
