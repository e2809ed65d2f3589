/**
 * The Kubernetes objects netbench creates, as pure functions: unit tests validate every one of
 * them against the Kubernetes OpenAPI schema (kubernetes-models), the stand-in API server does too.
 */
import type { V1LabelSelector, V1Namespace, V1NetworkPolicy, V1NetworkPolicyPeer, V1NetworkPolicyPort, V1Pod, V1PodSecurityContext, V1Service } from '@kubernetes/client-node'
import type { LabelSelector, NetworkPolicy, PolicyPeer, PolicyPort } from '../../model.ts'
import {
  CONTAINER, ENDPOINT_LABEL, HEARTBEAT_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL, NETWORK_LABEL,
  OWNER_HOST_ANNOTATION, OWNER_PID_ANNOTATION, OWNER_START_ANNOTATION, POD_LABEL, RUN_LABEL, namespaceOf,
} from './labels.ts'

export interface RunOwner {
  host: string
  pid: number
  /** Start time of the owner process (clock ticks since boot), so a reused PID is not the owner. */
  start: string
}

export interface NamespaceOptions {
  runId: string
  owner: RunOwner
  /** hostNetwork pods need the `privileged` Pod Security level. */
  hostNetwork: boolean
  now?: Date
}

export const POD_SECURITY_LABEL = 'pod-security.kubernetes.io/enforce'
/** The user and group pod-network endpoints run as: `nobody`, present in every image. */
export const POD_USER = 65534
/**
 * A safe (namespaced) sysctl: lets the pod's group open ICMP datagram sockets, so ping works
 * without NET_RAW. Pod Security baseline allows it; the kubelet refuses `net.*` sysctls on
 * hostNetwork pods (they would change the node).
 */
export const PING_SYSCTL = 'net.ipv4.ping_group_range'

export function namespaceManifest(options: NamespaceOptions): V1Namespace {
  const labels: Record<string, string> = {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [RUN_LABEL]: options.runId,
  }
  // Pod Security admission rejects hostNetwork pods below `privileged` (baseline forbids host
  // namespaces); every other pod netbench makes meets `restricted`, so ask for that: a cluster
  // default stricter than the label cannot apply, and a pod of ours that broke it would show here.
  labels[POD_SECURITY_LABEL] = options.hostNetwork ? 'privileged' : 'restricted'
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespaceOf(options.runId),
      labels,
      annotations: {
        [OWNER_HOST_ANNOTATION]: options.owner.host,
        [OWNER_PID_ANNOTATION]: String(options.owner.pid),
        [OWNER_START_ANNOTATION]: options.owner.start,
        [HEARTBEAT_ANNOTATION]: (options.now ?? new Date()).toISOString(),
      },
    },
  }
}

export interface EndpointPodOptions {
  runId: string
  /** Default: the run's namespace. */
  namespace?: string
  /** Labels the suite gives the pod (policy steps); netbench's own labels are added. */
  labels?: Record<string, string>
  name: string
  network: string
  node: string
  image: string
  hostNetwork: boolean
}

/**
 * One endpoint: a pod pinned to a node with `nodeName` (placement is netbench's decision, not the
 * scheduler's), running `sleep infinity` so iperf3 can be exec'd into it as often as needed.
 */
export function endpointPodManifest(options: EndpointPodOptions): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: options.name,
      namespace: options.namespace ?? namespaceOf(options.runId),
      labels: {
        ...options.labels,
        [MANAGED_BY_LABEL]: MANAGED_BY,
        [NAME_LABEL]: 'netbench-endpoint',
        [RUN_LABEL]: options.runId,
        [NETWORK_LABEL]: options.network,
        [ENDPOINT_LABEL]: options.hostNetwork ? 'host' : 'pod',
      },
    },
    spec: {
      nodeName: options.node,
      hostNetwork: options.hostNetwork,
      // With hostNetwork, ClusterFirst would fall back to the node's resolver anyway; say so.
      dnsPolicy: options.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
      restartPolicy: 'Never',
      // `sleep` as PID 1 ignores SIGTERM: do not wait 30 s for it on deletion.
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: podSecurityContext(options.hostNetwork),
      containers: [{
        name: CONTAINER,
        image: options.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['sleep', 'infinity'],
        resources: { requests: { cpu: '100m', memory: '64Mi' } },
        securityContext: {
          allowPrivilegeEscalation: false,
          // hostNetwork pods cannot set the ping sysctl (it would be the node's): they keep NET_RAW.
          capabilities: options.hostNetwork ? { drop: ['ALL'], add: ['NET_RAW'] } : { drop: ['ALL'] },
        },
      }],
    },
  }
}

/**
 * Pod-network pods meet Pod Security `restricted` (non-root, RuntimeDefault seccomp; the container
 * drops ALL capabilities and escalation) and ping through the safe sysctl. hostNetwork pods run as
 * root with NET_RAW only: their namespace is `privileged` anyway, and ping needs a raw socket there.
 */
function podSecurityContext(hostNetwork: boolean): V1PodSecurityContext {
  const seccompProfile = { type: 'RuntimeDefault' }
  if (hostNetwork) return { seccompProfile }
  return {
    seccompProfile, runAsNonRoot: true, runAsUser: POD_USER, runAsGroup: POD_USER,
    sysctls: [{ name: PING_SYSCTL, value: `${POD_USER} ${POD_USER}` }],
  }
}

/** The label that stands for `kubernetes.io/metadata.name`, which the API server sets itself. */
export const NAMESPACE_NAME_LABEL = 'netbench.io/namespace'
const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name'

/** The namespace a policy step's namespace `name` becomes in the cluster (one set per step). */
export function policyNamespaceOf(runNamespace: string, stepIndex: number, name: string): string {
  return `${runNamespace}-p${stepIndex}-${name}`.slice(0, 63).replace(/-+$/, '')
}

export interface PolicyNamespaceOptions {
  runId: string
  owner: RunOwner
  /** The step's name for it (`default`, `prod`) and its labels. */
  name: string
  labels: Record<string, string>
  kubeName: string
}

/** A namespace of a policy step: the suite's labels, the suite's name as a label, the run's labels. */
export function policyNamespaceManifest(options: PolicyNamespaceOptions): V1Namespace {
  const base = namespaceManifest({ runId: options.runId, owner: options.owner, hostNetwork: false })
  const labels = Object.fromEntries(Object.entries(options.labels).filter(([key]) => key !== METADATA_NAME_LABEL))
  return {
    ...base,
    metadata: { ...base.metadata, name: options.kubeName, labels: { ...labels, [NAMESPACE_NAME_LABEL]: options.name, ...base.metadata!.labels } },
  }
}

/** `kubernetes.io/metadata.name` in a namespace selector names the step's namespace: use our label. */
function namespaceSelector(selector: LabelSelector): V1LabelSelector {
  const key = (name: string) => name === METADATA_NAME_LABEL ? NAMESPACE_NAME_LABEL : name
  return {
    ...selector.matchLabels ? { matchLabels: Object.fromEntries(Object.entries(selector.matchLabels).map(([name, value]) => [key(name), value])) } : {},
    ...selector.matchExpressions ? { matchExpressions: selector.matchExpressions.map((expression) => ({ ...expression, key: key(expression.key) })) } : {},
  }
}

function peer(entry: PolicyPeer): V1NetworkPolicyPeer {
  return {
    ...entry.podSelector ? { podSelector: structuredClone(entry.podSelector) } : {},
    ...entry.namespaceSelector ? { namespaceSelector: namespaceSelector(entry.namespaceSelector) } : {},
    ...entry.ipBlock ? { ipBlock: structuredClone(entry.ipBlock) } : {},
  }
}

function ports(entries: PolicyPort[] | undefined): V1NetworkPolicyPort[] | undefined {
  return entries?.map((entry) => ({ ...entry.protocol ? { protocol: entry.protocol } : {}, ...entry.port !== undefined ? { port: entry.port } : {}, ...entry.endPort !== undefined ? { endPort: entry.endPort } : {} }))
}

/** A suite's NetworkPolicy as a real networking.k8s.io/v1 object in the step's namespace. */
export function networkPolicyManifest(policy: NetworkPolicy, kubeNamespace: string, runId: string): V1NetworkPolicy {
  const spec = policy.spec
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: policy.metadata.name, namespace: kubeNamespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_LABEL]: runId } },
    spec: {
      podSelector: structuredClone(spec.podSelector),
      ...spec.policyTypes ? { policyTypes: [...spec.policyTypes] } : {},
      ...spec.ingress ? { ingress: spec.ingress.map((rule) => ({ ...rule.from ? { _from: rule.from.map(peer) } : {}, ...rule.ports ? { ports: ports(rule.ports) } : {} })) } : {},
      ...spec.egress ? { egress: spec.egress.map((rule) => ({ ...rule.to ? { to: rule.to.map(peer) } : {}, ...rule.ports ? { ports: ports(rule.ports) } : {} })) } : {},
    },
  }
}

export interface EndpointServiceOptions {
  runId: string
  /** DNS-1035: starts with a letter (servicePlan makes it so). */
  name: string
  network: string
  /** The endpoint pod the Service selects, alone. */
  pod: string
  type: 'ClusterIP' | 'NodePort'
  ports: { first: number; last: number }
}

/**
 * A Service in front of one endpoint pod: every iperf3 port, TCP and UDP, each named (the API
 * requires names once a Service has more than one port, and allows one number for both protocols
 * under two names); node ports are left to the API server to allocate.
 */
export function endpointServiceManifest(options: EndpointServiceOptions): V1Service {
  const ports = []
  for (let port = options.ports.first; port <= options.ports.last; port++) {
    for (const protocol of ['TCP', 'UDP'] as const) ports.push({ name: `${protocol.toLowerCase()}-${port}`, protocol, port, targetPort: port })
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: options.name,
      namespace: namespaceOf(options.runId),
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [NAME_LABEL]: 'netbench-endpoint', [RUN_LABEL]: options.runId, [NETWORK_LABEL]: options.network },
    },
    spec: {
      type: options.type,
      selector: { [RUN_LABEL]: options.runId, [NETWORK_LABEL]: options.network, [POD_LABEL]: options.pod },
      ports,
    },
  }
}
