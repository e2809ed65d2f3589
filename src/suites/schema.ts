import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { BETWEEN, ENDPOINTS, LATENCY_PROTOCOLS, VIAS } from '../model.ts'
import { INSTANCE_PRESETS, NETWORK_OPTIONS } from './presets.ts'

/**
 * The suite schema: the single source of truth for `*.netbench.ts` (via the Static types
 * below) and `*.netbench.yaml` (via ajv), and the file users point `$schema` at
 * (`schema/netbench-suite.schema.json`, generated from this module and checked by a test).
 * `title` doubles as the noun in validation errors ("is not a bitrate like 100M").
 */

const Bitrate = Type.String({
  title: 'bitrate like 100M',
  pattern: '^\\d+(\\.\\d+)?\\s*[kKmMgGtT]?(bit/s|bits/s|bps|bit|b)?$',
  description: 'Offered rate in bit/s with an optional K, M, G or T suffix (decimal), e.g. 100M, 1.5G, 450Mbit.',
  examples: ['1M', '100M', '1G'],
})

const Duration = Type.Union([
  Type.String({
    title: 'duration like 10s',
    pattern: '^\\d+(\\.\\d+)?\\s*(us|ms|s|m|min|h)?$',
    description: 'A duration: 10s, 500ms, 2m; a bare number is seconds.',
  }),
  Type.Number({ title: 'duration in seconds', exclusiveMinimum: 0 }),
], { title: 'duration like 10s' })

const Between = Type.Union(BETWEEN.map((value) => Type.Literal(value)), {
  title: 'placement',
  description: 'Which pair to measure: two endpoints on the same node, on different nodes, or in different zones.',
})

const Repeat = Type.Integer({ minimum: 1, maximum: 100, title: 'repeat count', description: 'How many times each point is measured; expectations read the median by default.' })

const EndpointKind = Type.Union(ENDPOINTS.map((value) => Type.Literal(value)), {
  title: 'endpoint kind',
  description: 'What the probe runs in: pods (default) or the nodes themselves (host networking, on any network).',
})

const Via = Type.Union(VIAS.map((value) => Type.Literal(value)), {
  title: 'path',
  description: "How the client reaches the server: straight to the pod (default), through its Service's ClusterIP (service), a NodePort on the client's node (nodeport), or a pod through its own Service (hairpin).",
})

const common = {
  duration: Type.Optional(Duration),
  between: Type.Optional(Between),
  endpoint: Type.Optional(EndpointKind),
  via: Type.Optional(Via),
  repeat: Type.Optional(Repeat),
  omit: Type.Optional(Type.Union([Duration], { description: 'Warm-up time left out of the figures (iperf3 -O).' })),
}

const LossBound = Type.String({
  title: "loss bound like '<= 0.5%'",
  pattern: '^(<=?\\s*)?\\d+(\\.\\d+)?\\s*%$',
  description: 'The most loss a rate may show to count as sustained, e.g. <= 0.5%.',
})
const Percent = Type.String({ title: "percentage like '5%'", pattern: '^\\d+(\\.\\d+)?\\s*%$' })

const Pairs = Type.Integer({
  minimum: 1, maximum: 32, title: 'pair count',
  description: 'Client/server pairs measured at once over distinct nodes (default 1): aggregate, per pair and their fairness. A udp bitrate is per pair.',
})

export const UdpStepSchema = Type.Object({
  bitrates: Type.Optional(Type.Array(Bitrate, { minItems: 1, uniqueItems: true, title: 'list of bitrates', description: 'Offered rates to sweep, e.g. [1M, 10M, 100M, 1G].' })),
  find: Type.Optional(Type.Literal('max', {
    title: "find: 'max'",
    description: 'Instead of fixed rates, search for the highest rate whose loss stays within `loss` (RFC 2544 throughput).',
  })),
  loss: Type.Optional(LossBound),
  from: Type.Optional(Bitrate),
  to: Type.Optional(Bitrate),
  resolution: Type.Optional(Percent),
  pairs: Type.Optional(Pairs),
  ...common,
}, { additionalProperties: false, title: 'udp step', description: 'iperf3 UDP at fixed offered rates (never -b 0), or a search for the highest rate within a loss bound.' })

const StreamCount = Type.Integer({ minimum: 1, maximum: 128, title: 'stream count' })

export const TcpStepSchema = Type.Object({
  streams: Type.Optional(Type.Union([StreamCount, Type.Array(StreamCount, { minItems: 1, uniqueItems: true, title: 'list of stream counts' })], {
    title: 'stream count or list of stream counts', description: 'Parallel streams; a list measures each, e.g. [1, 8].',
  })),
  reverse: Type.Optional(Type.Boolean({ title: 'reverse', description: 'Server sends, client receives (iperf3 -R).' })),
  bidir: Type.Optional(Type.Boolean({ title: 'bidir', description: 'Both directions at once (iperf3 --bidir).' })),
  pairs: Type.Optional(Pairs),
  ...common,
}, { additionalProperties: false, title: 'tcp step', description: 'iperf3 TCP throughput with parallel streams.' })

export const LatencyStepSchema = Type.Object({
  protocol: Type.Optional(Type.Union(LATENCY_PROTOCOLS.map((value) => Type.Literal(value)), {
    title: 'latency protocol',
    description: "icmp (default): ping echo replies. tcp or udp: request/response round trips of small messages with sockperf, back to back for `duration`, and transactions per second.",
  })),
  duration: Type.Optional(Duration),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, title: 'packet count', description: 'Echo requests per repeat (default 200).' })),
  interval: Type.Optional(Duration),
  underLoad: Type.Optional(Type.Union([Type.Literal('tcp'), Bitrate], {
    title: "'tcp' or a UDP bitrate like 100M",
    description: 'Measure while the same pair carries load: a TCP stream, or UDP at this offered rate.',
  })),
  between: Type.Optional(Between),
  endpoint: Type.Optional(EndpointKind),
  via: Type.Optional(Via),
  repeat: Type.Optional(Repeat),
}, { additionalProperties: false, title: 'latency step', description: 'Round-trip times between the same pairs (ping every `interval`, default 10ms): min, median, p95, p99, max and loss.' })

// NetworkPolicy, shaped like Kubernetes' networking.k8s.io/v1 so manifests can be pasted in.
const LabelMap = Type.Record(Type.String({ pattern: '^([a-z0-9.-]+/)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$' }), Type.String({ maxLength: 63 }), { title: 'labels' })
const LabelSelector = Type.Object({
  matchLabels: Type.Optional(LabelMap),
  matchExpressions: Type.Optional(Type.Array(Type.Object({
    key: Type.String({ minLength: 1 }),
    operator: Type.Union(['In', 'NotIn', 'Exists', 'DoesNotExist'].map((op) => Type.Literal(op)), { title: 'selector operator' }),
    values: Type.Optional(Type.Array(Type.String())),
  }, { additionalProperties: false, title: 'selector requirement' }))),
}, { additionalProperties: false, title: 'label selector', description: '{} selects every pod (or namespace).' })
const PolicyPeer = Type.Object({
  podSelector: Type.Optional(LabelSelector),
  namespaceSelector: Type.Optional(LabelSelector),
  ipBlock: Type.Optional(Type.Object({
    cidr: Type.String({ minLength: 1, title: 'IPv4 CIDR', description: 'e.g. 198.19.0.0/16, or {pod}/32 for a pod of the step by its address' }),
    except: Type.Optional(Type.Array(Type.String({ minLength: 1, title: 'IPv4 CIDR' }))),
  }, { additionalProperties: false, title: 'ipBlock' })),
}, { additionalProperties: false, title: 'policy peer' })
const PolicyPort = Type.Object({
  protocol: Type.Optional(Type.Union([Type.Literal('TCP'), Type.Literal('UDP')], { title: 'protocol' })),
  port: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 65535, title: 'port number' }), Type.String({ minLength: 1, title: 'port name', description: 'A named container port of the destination pod (see namedPorts).' })], { title: 'port number or name' })),
  endPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, title: 'port number' })),
}, { additionalProperties: false, title: 'policy port' })
const ProbePort = Type.Integer({ minimum: 1, maximum: 65535, title: 'port number' })
const ProbePorts = Type.Union([ProbePort, Type.Array(ProbePort, { minItems: 1, maxItems: 8, uniqueItems: true })], { title: 'port or list of ports' })
const NamedPorts = Type.Record(Type.String({ minLength: 1 }), Type.Object({
  port: ProbePort,
  protocol: Type.Optional(Type.Union([Type.Literal('TCP'), Type.Literal('UDP')], { title: 'protocol' })),
}, { additionalProperties: false, title: 'named port' }), { title: 'named container ports', description: 'Container port names, e.g. { "serve-80-tcp": { port: 80 } }: every pod of the step has them (a pod may add its own).' })
export const NetworkPolicySchema = Type.Object({
  apiVersion: Type.Optional(Type.Literal('networking.k8s.io/v1')),
  kind: Type.Optional(Type.Literal('NetworkPolicy')),
  metadata: Type.Object({
    name: Type.String({ minLength: 1, title: 'policy name' }),
    namespace: Type.Optional(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', title: 'namespace name' })),
  }, { additionalProperties: false, title: 'metadata' }),
  spec: Type.Object({
    podSelector: LabelSelector,
    policyTypes: Type.Optional(Type.Array(Type.Union([Type.Literal('Ingress'), Type.Literal('Egress')], { title: 'policy type' }), { uniqueItems: true })),
    ingress: Type.Optional(Type.Array(Type.Object({ from: Type.Optional(Type.Array(PolicyPeer)), ports: Type.Optional(Type.Array(PolicyPort)) }, { additionalProperties: false, title: 'ingress rule' }))),
    egress: Type.Optional(Type.Array(Type.Object({ to: Type.Optional(Type.Array(PolicyPeer)), ports: Type.Optional(Type.Array(PolicyPort)) }, { additionalProperties: false, title: 'egress rule' }))),
  }, { additionalProperties: false, title: 'NetworkPolicy spec' }),
}, { additionalProperties: false, title: 'NetworkPolicy', description: 'A Kubernetes NetworkPolicy (networking.k8s.io/v1): metadata.name, metadata.namespace (default: default) and spec.' })

export const PolicyStepSchema = Type.Object({
  pods: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Type.Object({
    labels: Type.Optional(LabelMap),
    namespace: Type.Optional(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', title: 'namespace name' })),
    node: Type.Optional(Type.String({ pattern: '^n[0-9]+$', title: 'node name like n2' })),
    namedPorts: Type.Optional(NamedPorts),
  }, { additionalProperties: false, title: 'policy pod' }), {
    title: 'labelled pods', description: 'The pods the connectivity matrix probes, by name: labels, namespace (default: default), node (default: spread over nodes).',
  }),
  namespaces: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }), LabelMap, { title: 'namespace labels', description: 'Labels per namespace (kubernetes.io/metadata.name is added).' })),
  policies: Type.Array(NetworkPolicySchema, { title: 'list of NetworkPolicies' }),
  ports: Type.Optional(Type.Object({
    tcp: Type.Optional(ProbePorts),
    udp: Type.Optional(ProbePorts),
  }, { additionalProperties: false, title: 'probe ports', description: 'Where every pod listens: TCP (default 8080) for the connect probe, UDP (default 5353) for the echo probe; a list probes each.' })),
  namedPorts: Type.Optional(NamedPorts),
  probeTimeout: Type.Optional(Type.Union([Duration], { title: 'probe timeout like 1s', description: 'How long a probe waits before calling a connection blocked (default 1s; a mismatch is probed again with three times as long).' })),
  updates: Type.Optional(Type.Array(Type.Object({
    policies: Type.Optional(Type.Array(NetworkPolicySchema, { title: 'list of NetworkPolicies', description: 'The complete new list: policies left out are deleted, same names updated.' })),
    labels: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), LabelMap, { title: 'pod labels', description: 'New labels per pod (replacing its labels).' })),
    namespaces: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }), LabelMap, { title: 'namespace labels', description: 'New labels per namespace.' })),
  }, { additionalProperties: false, minProperties: 1, title: 'policy update' }), {
    title: 'updates', description: 'Changes applied in order while the step runs (its servers stay up), each probed again.',
  })),
}, { additionalProperties: false, title: 'policy step', description: 'Applies NetworkPolicies and probes the connectivity matrix between labelled pods (TCP connect + UDP echo).' })

export const StepSchema = Type.Object({
  udp: Type.Optional(UdpStepSchema),
  tcp: Type.Optional(TcpStepSchema),
  policy: Type.Optional(PolicyStepSchema),
  latency: Type.Optional(LatencyStepSchema),
}, { additionalProperties: false, minProperties: 1, maxProperties: 1, title: 'step (udp, tcp, latency or policy)' })

const LossPercent = Type.String({
  pattern: '^\\d+(\\.\\d+)?\\s*%$', title: 'percentage like 1%',
  description: 'Random packet loss on the uplinks (nftables numgen drop, segmentation offload off so it is per packet).',
})

export const LocalClusterSchema = Type.Object({
  provider: Type.Optional(Type.Literal('local', { title: 'provider', description: 'local (default): network namespaces on this machine.' })),
  nodes: Type.Optional(Type.Integer({ minimum: 2, maximum: 64, title: 'node count' })),
  zones: Type.Optional(Type.Integer({ minimum: 1, maximum: 26, title: 'zone count' })),
  pods: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, title: 'pods per node', description: 'Pods started on every node (default 2); steps measure between pods unless endpoint: host.' })),
  instance: Type.Optional(Type.Union(Object.keys(INSTANCE_PRESETS).map((name) => Type.Literal(name)), {
    title: 'instance preset',
    description: 'Shapes every node uplink like this cloud instance: m4.large 450M, m4.xlarge 750M, m5.large 750M, t3.large 510M.',
  })),
  bandwidth: Type.Optional(Type.Union([Bitrate, Type.Literal('none')], { title: "bitrate like 450M or 'none'", description: 'Explicit uplink rate (overrides instance); none turns shaping off.' })),
  groups: Type.Optional(Type.Array(Type.Object({
    nodes: Type.Integer({ minimum: 1, maximum: 64, title: 'node count' }),
    instance: Type.Optional(Type.Union(Object.keys(INSTANCE_PRESETS).map((name) => Type.Literal(name)), { title: 'instance preset' })),
    bandwidth: Type.Optional(Type.Union([Bitrate, Type.Literal('none')], { title: "bitrate like 450M or 'none'" })),
  }, { additionalProperties: false, title: 'node group' }), {
    minItems: 1, title: 'node groups', description: 'Mixed instance sizes: groups of nodes in order (n1… first), each with its own instance or bandwidth; their sizes add up to nodes.',
  })),
  loss: Type.Optional(LossPercent),
  latency: Type.Optional(Type.Union([Duration], { title: 'latency like 1ms', description: 'One-way delay added between zones (netem; exit 3 when the kernel lacks it).' })),
  conditions: Type.Optional(Type.Array(Type.Object({
    node: Type.Optional(Type.String({ pattern: '^n[0-9]+$', title: 'node name like n2' })),
    zone: Type.Optional(Type.String({ pattern: '^[a-z]$', title: 'zone letter like b' })),
    loss: Type.Optional(LossPercent),
  }, { additionalProperties: false, title: 'link condition', description: 'Packet loss on one node\'s or one zone\'s uplinks, e.g. { zone: b, loss: 1% }.' }), { title: 'link conditions' })),
}, { additionalProperties: false, title: 'local cluster' })

const PodImage = Type.String({ minLength: 1, title: 'container image', description: 'Image of the iperf3 pods: needs iperf3 3.x, sh and ip (default nicolaka/netshoot:v0.13); it runs `sleep infinity` and iperf3 is exec\'d into it.' })
const ReadyTimeout = Type.Union([Duration], { description: 'How long pods (and, on k3s, clusters) may take to become Ready (default 2m); the error names the pod and why.' })
const DeleteTimeout = Type.Union([Duration], { description: 'How long the run\'s namespace may take to be deleted at the end (default 2m).' })

export const KubeClusterSchema = Type.Object({
  provider: Type.Literal('kube', { title: 'provider', description: 'kube: existing clusters named by kubeconfig contexts.' }),
  context: Type.Optional(Type.String({ minLength: 1, title: 'kube context', description: 'kubeconfig context of networks that name none (default: the current-context).' })),
  podImage: Type.Optional(PodImage),
  readyTimeout: Type.Optional(ReadyTimeout),
  deleteTimeout: Type.Optional(DeleteTimeout),
  ports: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}-[0-9]{1,5}$', title: 'iperf3 port range', description: 'TCP and UDP ports iperf3 may use between the test pods, first-last (default 5201-5250); checked reachable before measuring. Open them in node firewalls and security groups.' })),
}, { additionalProperties: false, title: 'kube cluster' })

export const K3sClusterSchema = Type.Object({
  provider: Type.Literal('k3s', { title: 'provider', description: 'k3s: a throw-away multi-node k3s in Docker per CNI (needs a Docker engine).' }),
  nodes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, title: 'node count', description: 'Nodes per k3s cluster: a server and nodes-1 agents (default 3).' })),
  zones: Type.Optional(Type.Integer({ minimum: 1, maximum: 26, title: 'zone count', description: 'Zone labels applied round-robin (default min(3, nodes)).' })),
  image: Type.Optional(Type.String({ minLength: 1, title: 'k3s image', description: 'The k3s image (default rancher/k3s:v1.31.4-k3s1).' })),
  podImage: Type.Optional(PodImage),
  readyTimeout: Type.Optional(ReadyTimeout),
  deleteTimeout: Type.Optional(DeleteTimeout),
}, { additionalProperties: false, title: 'k3s cluster' })

export const PROVIDERS = ['local', 'kube', 'k3s'] as const

/**
 * One of three shapes chosen by `provider` (absent: local). Written as if/then/else rather than
 * anyOf so that a mistake is reported against the provider the user chose, not all three.
 */
export const ClusterSchema = Type.Unsafe<Static<typeof LocalClusterSchema> | Static<typeof KubeClusterSchema> | Static<typeof K3sClusterSchema>>({
  title: 'cluster',
  type: 'object',
  properties: {
    provider: { title: 'provider', enum: [...PROVIDERS], description: 'Where the cluster comes from: local (default), kube (existing clusters by kubeconfig context) or k3s (k3s in Docker).' },
  },
  if: { properties: { provider: { const: 'kube' } }, required: ['provider'] },
  then: KubeClusterSchema,
  else: {
    if: { properties: { provider: { const: 'k3s' } }, required: ['provider'] },
    then: K3sClusterSchema,
    else: LocalClusterSchema,
  },
})

export const NetworkNameSchema = Type.String({ pattern: '^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)*$', maxLength: 32, title: 'network name', description: 'Lowercase letters, digits and dashes; dots between version parts, e.g. calico-3.29.' })


const literals = (values: readonly string[], title: string, description: string) =>
  Type.Union(values.map((value) => Type.Literal(value)), { title, description })

export const NetworkObjectSchema = Type.Object({
  name: NetworkNameSchema,
  cni: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 32, title: 'CNI name', description: 'Which datapath to build (flannel, calico, canal, weave, cilium, romana, host); defaults to name.' })),
  backend: Type.Optional(literals(NETWORK_OPTIONS.backend.values, 'flannel backend', NETWORK_OPTIONS.backend.description)),
  encapsulation: Type.Optional(literals(NETWORK_OPTIONS.encapsulation.values, 'calico encapsulation', NETWORK_OPTIONS.encapsulation.description)),
  encryption: Type.Optional(Type.Boolean({ title: 'weave encryption', description: NETWORK_OPTIONS.encryption.description })),
  routing: Type.Optional(literals(NETWORK_OPTIONS.routing.values, 'cilium routing', NETWORK_OPTIONS.routing.description)),
  context: Type.Optional(Type.String({ minLength: 1, title: 'kube context', description: 'provider kube: the kubeconfig context of the cluster this network is measured on (one cluster per CNI).' })),
  manifest: Type.Optional(Type.String({ minLength: 1, title: 'CNI manifest', description: 'provider k3s: the CNI manifest (a file relative to the suite, or an https:// URL) applied to a k3s cluster started with flannel off.' })),
}, { additionalProperties: false, title: 'network', description: "A network with options, e.g. { name: 'calico-vxlan', cni: 'calico', encapsulation: 'vxlan' }." })

const NetworkEntry = Type.Union([NetworkNameSchema, NetworkObjectSchema], { title: 'network name or { name, cni, options }' })

export const SuiteSchema = Type.Object({
  $schema: Type.Optional(Type.String()),
  name: Type.String({ minLength: 1, title: 'suite name' }),
  cluster: Type.Optional(ClusterSchema),
  networks: Type.Array(NetworkEntry, { minItems: 1, title: 'list of networks', description: "Networks to compare, e.g. ['host', 'flannel', { name: 'calico-vxlan', cni: 'calico', encapsulation: 'vxlan' }]." }),
  steps: Type.Array(StepSchema, { minItems: 1, title: 'list of steps' }),
  expect: Type.Optional(Type.Array(Type.String({ minLength: 1, title: 'expectation' }), { title: 'list of expectations', description: 'e.g. "host at 100M loss < 1%"' })),
  repeat: Type.Optional(Repeat),
  order: Type.Optional(Type.Union([Type.Literal('sequential'), Type.Literal('interleaved')], {
    title: 'measurement order',
    description: "sequential (default): each network is measured in turn. interleaved: every network stays up and the repeats of each point alternate across them (A, B, A, B …), so drift of the machine hits all alike; needs networks that coexist (k3s, kube, or host plus one network on the local lab).",
  })),
  faults: Type.Optional(Type.Array(Type.Object({
    node: Type.String({ pattern: '^n[0-9]+$', title: 'node name like n2' }),
    uplink: Type.Literal('down', { title: 'fault', description: 'down: the node\'s uplink goes down (the node stops responding on the network).' }),
    step: Type.Optional(Type.Integer({ minimum: 0, title: 'step index', description: 'Index in steps during which the fault happens (default 0), once per network.' })),
    at: Type.Optional(Duration),
    for: Duration,
  }, { additionalProperties: false, title: 'fault', description: "e.g. { node: n2, uplink: down, step: 0, at: 2s, for: 3s }: points measured meanwhile that involve n2 become errors with that cause." }), { title: 'fault schedule' })),
}, { additionalProperties: false, title: 'netbench suite' })

export type SuiteInput = Static<typeof SuiteSchema>
export type UdpStepInput = Static<typeof UdpStepSchema>
export type TcpStepInput = Static<typeof TcpStepSchema>
export type LatencyStepInput = Static<typeof LatencyStepSchema>
export type StepInput = Static<typeof StepSchema>
export type PolicyStepInput = Static<typeof PolicyStepSchema>
export type NetworkPolicyInput = Static<typeof NetworkPolicySchema>
export type ClusterInput = Static<typeof ClusterSchema>
export type LocalClusterInput = Static<typeof LocalClusterSchema>
export type KubeClusterInput = Static<typeof KubeClusterSchema>
export type K3sClusterInput = Static<typeof K3sClusterSchema>
export type NetworkInput = Static<typeof NetworkEntry>

/** The schema as plain JSON (TypeBox adds symbol keys that JSON drops). */
export function suiteJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(JSON.parse(JSON.stringify(SuiteSchema as TSchema)) as Record<string, unknown>),
  }
}
