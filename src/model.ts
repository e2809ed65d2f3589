/**
 * The suite model: a suite after validation (src/suites/ loads and validates it), the one data
 * model plan, runner, providers, tools and results all read. Types only, and the two vocabularies
 * the schema and the types share.
 */
import type { Expectation } from './expectation.ts'

export const BETWEEN = ['same-node', 'nodes', 'zones'] as const
export const ENDPOINTS = ['pod', 'host'] as const
/** How a latency step makes its round trips: ping (default), or sockperf request/response. */
export const LATENCY_PROTOCOLS = ['icmp', 'tcp', 'udp'] as const
/** How a step's client reaches the server: straight to the pod, through its Service's ClusterIP, a NodePort, or a pod through its own Service (hairpin). */
export const VIAS = ['pod', 'service', 'nodeport', 'hairpin'] as const
export type Via = typeof VIAS[number]

export type Between = typeof BETWEEN[number]
/** Where a probe runs: in pods (default) or in the node namespaces (host networking). */
export type EndpointKind = typeof ENDPOINTS[number]
export type RoundTripProtocol = Exclude<typeof LATENCY_PROTOCOLS[number], 'icmp'>

/** Options a network may take; each applies to one CNI (see NETWORK_OPTIONS in suites/presets.ts). */
export interface NetworkOptions {
  backend?: 'vxlan' | 'host-gw'
  encapsulation?: 'none' | 'vxlan' | 'ipip'
  encryption?: boolean
  routing?: 'tunnel' | 'native'
}

/** A network as the suite names it: `name` labels results, `cni` says which datapath to build. */
export interface NetworkSpec {
  name: string
  cni: string
  options: NetworkOptions
}

interface StepCommon {
  /** Position in `steps`, so messages and results can point back at the suite. */
  index: number
  durationMs: number
  omitMs: number
  between: Between
  /** Pods (default) or the nodes themselves; absent means pod. */
  endpoint?: EndpointKind
  /** The path to the server: straight to the pod (absent: 'pod'), or through a Service. */
  via?: Via
  repeat: number
}

/** `find: 'max'`: the highest offered rate whose loss stays within the bound. */
export interface MaxRateSearchSpec {
  fromBps: number
  toBps: number
  /** Stop when the bracket is narrower than this ratio (0.05 = 5%). */
  resolution: number
  lossBoundPercent: number
}

export interface UdpStep extends StepCommon {
  kind: 'udp'
  /** Fixed offered rates; empty when the step searches. */
  bitratesBps: number[]
  search: MaxRateSearchSpec | null
  /** Client/server pairs measured at once over distinct nodes (absent: 1); the rate is per pair. */
  pairs?: number
}

export interface TcpStep extends StepCommon {
  kind: 'tcp'
  /** One point per stream count. */
  streams: number[]
  reverse: boolean
  bidir: boolean
  /** Client/server pairs measured at once over distinct nodes (absent: 1). */
  pairs?: number
}

/** Round-trip times: `count` echo requests every `intervalMs`; durationMs is their total. */
/** Load carried by the measured pair while a latency step pings: a TCP stream or UDP at a rate. */
export type LatencyLoad = { kind: 'tcp' } | { kind: 'udp'; bitrateBps: number }

export interface LatencyStep extends StepCommon {
  kind: 'latency'
  count: number
  intervalMs: number
  underLoad: LatencyLoad | null
  /** Request/response over TCP or UDP (sockperf, back to back for durationMs); absent: ping. */
  protocol?: RoundTripProtocol
}

export type Step = UdpStep | TcpStep | LatencyStep

/** A label selector as Kubernetes has it; `{}` selects everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>
}

export interface PolicyPeer {
  podSelector?: LabelSelector
  namespaceSelector?: LabelSelector
  ipBlock?: { cidr: string; except?: string[] }
}

export interface PolicyPort {
  protocol?: 'TCP' | 'UDP'
  /** A number, or the name of a container port of the destination pod (`serve-80-tcp`). */
  port?: number | string
  endPort?: number
}

/** A Kubernetes NetworkPolicy (networking.k8s.io/v1), namespace defaulted. */
export interface NetworkPolicy {
  metadata: { name: string; namespace: string }
  spec: {
    podSelector: LabelSelector
    policyTypes?: Array<'Ingress' | 'Egress'>
    ingress?: Array<{ from?: PolicyPeer[]; ports?: PolicyPort[] }>
    egress?: Array<{ to?: PolicyPeer[]; ports?: PolicyPort[] }>
  }
}

/**
 * Applies NetworkPolicies and probes the connectivity matrix between labelled pods. Kept apart
 * from `steps` (which are iperf3 measurements); `index` places it among them.
 */
export interface PolicyStep {
  kind: 'policy'
  index: number
  /**
   * The probed pods, in suite order; `node` pins one to a node (`n2`), else they are spread;
   * `namedPorts` are its named container ports, which policies may name instead of a number.
   */
  pods: Array<{ name: string; labels: Record<string, string>; namespace: string; node: string | null; namedPorts: Record<string, NamedPort> }>
  /** Labels per namespace, `kubernetes.io/metadata.name` included. */
  namespaces: Record<string, Record<string, string>>
  /** ipBlock CIDRs may name a pod's address as `{pod}/32`, resolved once the pods have addresses. */
  policies: NetworkPolicy[]
  /** Every pod serves and every probe tries each of these ports. */
  ports: { tcp: number[]; udp: number[] }
  /** How long a probe waits before it calls a connection blocked. */
  probeTimeoutMs: number
  /**
   * Changes applied in order to the running step (policies and labels updated in place, the probe
   * servers kept): each is the complete state after it, probed again as phase 1, 2, …
   */
  updates: PolicyState[]
}

export interface NamedPort { port: number; protocol: 'TCP' | 'UDP' }

/** What a policy step's pods are subject to at one phase. */
export interface PolicyState {
  policies: NetworkPolicy[]
  /** Labels per pod name. */
  labels: Record<string, Record<string, string>>
  namespaces: Record<string, Record<string, string>>
}

/** The local lab (`cluster: { provider: 'local' }`, the default). */
export interface LocalClusterSpec {
  provider: 'local'
  nodes: number
  zones: number
  instance: string | null
  /** Uplink rate each node is shaped to; null when unshaped. */
  bandwidthBps: number | null
  /** Pods per node (default 2). */
  pods?: number
  /** Per node (index = node), when node groups give nodes different rates; else bandwidthBps. */
  nodeBandwidthBps?: Array<number | null>
  /** Per node, the instance preset of its group. */
  nodeInstances?: Array<string | null>
  /** Random loss on each node's uplink, in percent (index = node); absent: none. */
  nodeLossPercent?: number[]
  /** One-way delay between zones in milliseconds (netem). */
  zoneLatencyMs?: number
  /** Programs the steps run in the endpoints besides iperf3 and ping: `sockperf` for request/response latency. */
  programs?: string[]
  /** The Service paths some step uses (absent: none); the lab builds kube-proxy's nftables datapath only for these. */
  vias?: Array<Exclude<Via, 'pod'>>
}

/** A fault during a step: the node's uplink goes down `atMs` into the step for `forMs`. */
export interface Fault {
  node: string
  kind: 'uplink-down'
  stepIndex: number
  atMs: number
  forMs: number
}

/** A pair of endpoints a kube/k3s network must provide (pods are created for these only). */
export interface Placement {
  between: Between
  endpoint: EndpointKind
  /** Disjoint pairs some step measures at once here (absent: 1). */
  pairs?: number
  /** Absent: 'pod'. Service paths get a Service (ClusterIP, or NodePort) selecting the server pod. */
  via?: Via
}

/** Existing clusters named by kubeconfig contexts (`cluster: { provider: 'kube' }`). */
export interface KubeClusterSpec {
  provider: 'kube'
  /** Context of networks that name none; null: the kubeconfig's current-context. */
  context: string | null
  /** Context per network name (after defaults): one cluster per CNI is the common case. */
  contexts: Record<string, string | null>
  /** Image of the iperf3 pods (needs iperf3, sh and ip); runs `sleep infinity`. */
  podImage: string
  readyTimeoutMs: number
  deleteTimeoutMs: number
  /** Every (between, endpoint) some step measures. */
  placements: Placement[]
  /** The suite has policy steps (preflight then checks the NetworkPolicy permissions too). */
  networkPolicies?: boolean
  /** Ports iperf3 may use between the pods (default 5201–5250). */
  ports?: { first: number; last: number }
  /** Programs the steps run in the endpoints besides iperf3 and ping: `sockperf` for request/response latency. */
  programs?: string[]
}

/** Multi-node k3s in Docker (`cluster: { provider: 'k3s' }`): one k3s cluster per network. */
export interface K3sClusterSpec {
  provider: 'k3s'
  nodes: number
  zones: number
  /** The k3s image, e.g. rancher/k3s:v1.31.4-k3s1. */
  image: string
  podImage: string
  /** CNI manifest (absolute path or URL) per network; null: k3s's own flannel (or host). */
  manifests: Record<string, string | null>
  readyTimeoutMs: number
  deleteTimeoutMs: number
  placements: Placement[]
  /** Programs the steps run in the endpoints besides iperf3 and ping: `sockperf` for request/response latency. */
  programs?: string[]
}

/** Where a suite runs, by provider. */
export type ClusterSpec = LocalClusterSpec | KubeClusterSpec | K3sClusterSpec

/** A suite after validation: units resolved, defaults applied, expectations parsed. */
export interface Suite {
  name: string
  file: string
  cluster: ClusterSpec
  /** Network names, in suite order: what plans, results and expectations use. */
  networks: string[]
  /** The same networks with their CNI and options (absent in hand-made suites: name = cni). */
  networkSpecs?: NetworkSpec[]
  steps: Step[]
  /** NetworkPolicy steps (absent when the suite has none). */
  policySteps?: PolicyStep[]
  /** The fault schedule (absent when none). */
  faults?: Fault[]
  /** How repeats are scheduled across networks (absent: sequential). */
  order?: MeasureOrder
  expectations: Expectation[]
}

/** sequential: one network after the other; interleaved: every point's repeats alternate across networks. */
export type MeasureOrder = 'sequential' | 'interleaved'

/** The cluster and networks an imperative file's tests use (its `test.scoped` call), validated. */
export interface LabSetup {
  cluster: ClusterSpec
  /** The declared networks, as a suite's `networks` gives them. */
  networks: NetworkSpec[]
  /** Where a probe measures unless it says `between`: as a suite step's default. */
  between: Between
}
