/**
 * What a kube STAND-IN cluster looks like and which faults it shows (see server.ts): its nodes,
 * DaemonSets, RBAC refusals, CNI behaviour and admission policy. Tests pass a partial set; the
 * rest are the defaults below. Most can be changed on a running stand-in (`standIn.options`).
 */
import { randomUUID } from 'node:crypto'
import type { PodSecurityLevel } from './admission.ts'
import type { PolicyEnforcement } from './policy.ts'

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
  /**
   * How long after a Service its EndpointSlice lists the selected pods (the EndpointSlice
   * controller's lag); null: never (a controller that is down).
   */
  endpointSliceDelayMs: number | null
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
    endpointSliceDelayMs: 100,
  }
}
