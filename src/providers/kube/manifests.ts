/**
 * The Kubernetes objects netbench creates, as pure functions: unit tests validate every one of
 * them against the Kubernetes OpenAPI schema (kubernetes-models), the stand-in API server does too.
 */
import type { V1Namespace, V1Pod } from '@kubernetes/client-node'
import {
  CONTAINER, ENDPOINT_LABEL, HEARTBEAT_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL, NETWORK_LABEL,
  OWNER_HOST_ANNOTATION, OWNER_PID_ANNOTATION, OWNER_START_ANNOTATION, RUN_LABEL, namespaceOf,
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

export function namespaceManifest(options: NamespaceOptions): V1Namespace {
  const labels: Record<string, string> = {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [RUN_LABEL]: options.runId,
  }
  // Pod Security admission rejects hostNetwork pods below `privileged`; ask for it only when needed.
  if (options.hostNetwork) labels['pod-security.kubernetes.io/enforce'] = 'privileged'
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
      namespace: namespaceOf(options.runId),
      labels: {
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
      containers: [{
        name: CONTAINER,
        image: options.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['sleep', 'infinity'],
        resources: { requests: { cpu: '100m', memory: '64Mi' } },
        securityContext: {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        },
      }],
    },
  }
}
