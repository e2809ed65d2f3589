import { Type, type Static, type TSchema } from '@sinclair/typebox'

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

export const BETWEEN = ['same-node', 'nodes', 'zones'] as const
const Between = Type.Union(BETWEEN.map((value) => Type.Literal(value)), {
  title: 'placement',
  description: 'Which pair to measure: two endpoints on the same node, on different nodes, or in different zones.',
})

const Repeat = Type.Integer({ minimum: 1, maximum: 100, title: 'repeat count', description: 'How many times each point is measured; expectations read the median by default.' })

export const ENDPOINTS = ['pod', 'host'] as const
const EndpointKind = Type.Union(ENDPOINTS.map((value) => Type.Literal(value)), {
  title: 'endpoint kind',
  description: 'What the probe runs in: pods (default) or the nodes themselves (host networking, on any network).',
})

const common = {
  duration: Type.Optional(Duration),
  between: Type.Optional(Between),
  endpoint: Type.Optional(EndpointKind),
  repeat: Type.Optional(Repeat),
  omit: Type.Optional(Type.Union([Duration], { description: 'Warm-up time left out of the figures (iperf3 -O).' })),
}

export const UdpStepSchema = Type.Object({
  bitrates: Type.Array(Bitrate, { minItems: 1, uniqueItems: true, title: 'list of bitrates', description: 'Offered rates to sweep, e.g. [1M, 10M, 100M, 1G].' }),
  ...common,
}, { additionalProperties: false, title: 'udp step', description: 'iperf3 UDP at fixed offered rates (never -b 0).' })

export const TcpStepSchema = Type.Object({
  streams: Type.Optional(Type.Integer({ minimum: 1, maximum: 128, title: 'stream count' })),
  ...common,
}, { additionalProperties: false, title: 'tcp step', description: 'iperf3 TCP throughput with parallel streams.' })

export const StepSchema = Type.Object({
  udp: Type.Optional(UdpStepSchema),
  tcp: Type.Optional(TcpStepSchema),
}, { additionalProperties: false, minProperties: 1, maxProperties: 1, title: 'step (udp or tcp)' })

export const INSTANCE_PRESETS = {
  'm4.large': 450e6,
  'm4.xlarge': 750e6,
  'm5.large': 750e6,
  't3.large': 510e6,
} as const satisfies Record<string, number>
export type InstancePreset = keyof typeof INSTANCE_PRESETS

export const ClusterSchema = Type.Object({
  provider: Type.Optional(Type.Literal('local', { title: 'provider', description: 'Where the cluster comes from: local (network namespaces on this machine).' })),
  nodes: Type.Optional(Type.Integer({ minimum: 2, maximum: 64, title: 'node count' })),
  zones: Type.Optional(Type.Integer({ minimum: 1, maximum: 26, title: 'zone count' })),
  pods: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, title: 'pods per node', description: 'Pods started on every node (default 2); steps measure between pods unless endpoint: host.' })),
  instance: Type.Optional(Type.Union(Object.keys(INSTANCE_PRESETS).map((name) => Type.Literal(name)), {
    title: 'instance preset',
    description: 'Shapes every node uplink like this cloud instance: m4.large 450M, m4.xlarge 750M, m5.large 750M, t3.large 510M.',
  })),
  bandwidth: Type.Optional(Type.Union([Bitrate, Type.Literal('none')], { title: "bitrate like 450M or 'none'", description: 'Explicit uplink rate (overrides instance); none turns shaping off.' })),
}, { additionalProperties: false, title: 'cluster' })

export const NetworkNameSchema = Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 32, title: 'network name' })

/**
 * Options of the networks that have them, and which CNI each applies to (checked after the
 * schema, so a misplaced option is told as such rather than as an unknown field).
 */
export const NETWORK_OPTIONS = {
  backend: { cnis: ['flannel', 'canal'], values: ['vxlan', 'host-gw'], description: 'flannel backend: vxlan (default) or host-gw (routes via node IPs, no encapsulation).' },
  encapsulation: { cnis: ['calico'], values: ['none', 'vxlan', 'ipip'], description: 'Calico encapsulation: none (BGP-routed, default), vxlan (VNI 4096, port 4789) or ipip (needs the kernel ipip module).' },
  encryption: { cnis: ['weave'], values: [true, false], description: 'Weave encryption: IPsec ESP with AES-GCM between nodes (needs ESP and GCM in the kernel).' },
  routing: { cnis: ['cilium'], values: ['tunnel', 'native'], description: 'Cilium routing: tunnel (VXLAN 8472, default) or native (node routes, no encapsulation).' },
} as const
export type NetworkOptionName = keyof typeof NETWORK_OPTIONS

const literals = (values: readonly string[], title: string, description: string) =>
  Type.Union(values.map((value) => Type.Literal(value)), { title, description })

export const NetworkObjectSchema = Type.Object({
  name: NetworkNameSchema,
  cni: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 32, title: 'CNI name', description: 'Which datapath to build (flannel, calico, canal, weave, cilium, romana, host); defaults to name.' })),
  backend: Type.Optional(literals(NETWORK_OPTIONS.backend.values, 'flannel backend', NETWORK_OPTIONS.backend.description)),
  encapsulation: Type.Optional(literals(NETWORK_OPTIONS.encapsulation.values, 'calico encapsulation', NETWORK_OPTIONS.encapsulation.description)),
  encryption: Type.Optional(Type.Boolean({ title: 'weave encryption', description: NETWORK_OPTIONS.encryption.description })),
  routing: Type.Optional(literals(NETWORK_OPTIONS.routing.values, 'cilium routing', NETWORK_OPTIONS.routing.description)),
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
}, { additionalProperties: false, title: 'netbench suite' })

export type SuiteInput = Static<typeof SuiteSchema>
export type UdpStepInput = Static<typeof UdpStepSchema>
export type TcpStepInput = Static<typeof TcpStepSchema>
export type StepInput = Static<typeof StepSchema>
export type ClusterInput = Static<typeof ClusterSchema>
export type NetworkInput = Static<typeof NetworkEntry>
export type NetworkObjectInput = Static<typeof NetworkObjectSchema>

/** The schema as plain JSON (TypeBox adds symbol keys that JSON drops). */
export function suiteJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(JSON.parse(JSON.stringify(SuiteSchema as TSchema)) as Record<string, unknown>),
  }
}
