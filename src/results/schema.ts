import { Type, type TSchema } from '@sinclair/typebox'

/**
 * The shape a result file must have before any reporter reads it (`netbench report`, `compare`,
 * `--baseline`): the fields of types.ts that reporters depend on. Extra fields are allowed so a
 * result written by a newer netbench of the same schemaVersion still loads. Version 1 lacks the
 * fields version 2 added (upgrade.ts derives them) and calls the offered rate `bitrate`.
 */
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const NullableNumber = Nullable(Type.Number())
const NullableString = Nullable(Type.String())

const Literals = (values: readonly string[]) => Type.Union(values.map((value) => Type.Literal(value)))

const MetricsSchema = Type.Object({
  throughputBps: NullableNumber,
  senderBps: NullableNumber,
  lossPercent: NullableNumber,
  jitterMs: NullableNumber,
  retransmits: NullableNumber,
  cpuSenderPercent: NullableNumber,
  cpuReceiverPercent: NullableNumber,
  // Node CPU (/proc/stat) came after version 2 did, as optional fields: older files lack them.
  cpuNodePercent: Type.Optional(NullableNumber),
  cpuNodePerGbps: Type.Optional(NullableNumber),
})

const NodeCpuSchema = Type.Object({
  scope: Literals(['machine', 'node', 'nodes']),
  nodes: Type.Array(Type.String()),
  cpus: Type.Number(),
  userPercent: Type.Number(),
  systemPercent: Type.Number(),
  softirqPercent: Type.Number(),
})

// `pairs: N` came after version 2 did, as optional fields (the result stays version 2).
const PairSampleSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  throughputBps: NullableNumber,
  lossPercent: NullableNumber,
})

const SampleSchema = Type.Object({
  metrics: MetricsSchema,
  packets: NullableNumber,
  lostPackets: NullableNumber,
  datagramBytes: NullableNumber,
  mtu: Type.Number(),
  durationMs: Type.Number(),
  pairs: Type.Optional(Type.Array(PairSampleSchema)),
  fairness: Type.Optional(NullableNumber),
})

const PointFields = {
  id: Type.String(),
  suite: Type.String(),
  network: Type.String(),
  step: Literals(['udp', 'tcp', 'latency']),
  label: Type.String(),
  streams: NullableNumber,
  between: Type.String(),
  from: NullableString,
  to: NullableString,
  status: Literals(['ok', 'error']),
  error: NullableString,
  metrics: MetricsSchema,
  samples: Type.Array(SampleSchema),
  raw: Type.Array(Type.Unknown()),
}

const PointSchema = {
  1: Type.Object({ ...PointFields, bitrate: NullableNumber }),
  2: Type.Object({
    ...PointFields, bitrateBps: NullableNumber, stepIndex: Type.Integer(),
    direction: Nullable(Literals(['forward', 'reverse', 'bidir'])), endpoint: Literals(['pod', 'host']),
    nodeCpu: Type.Optional(NodeCpuSchema),
    pairs: Type.Optional(Type.Integer({ minimum: 2 })),
    fairness: Type.Optional(NullableNumber),
    via: Type.Optional(Literals(['service', 'nodeport', 'hairpin'])),
    service: Type.Optional(Type.Object({ route: Type.String(), translatedPackets: NullableNumber, translatedBytes: NullableNumber })),
  }),
}

const ExpectationFields = {
  text: Type.String(),
  name: Type.String(),
  network: NullableString,
  point: NullableString,
  status: Literals(['passed', 'failed', 'error', 'skipped']),
  actual: NullableNumber,
  expected: NullableNumber,
  unit: NullableString,
  message: NullableString,
}

const ExpectationSchema = {
  1: Type.Object(ExpectationFields),
  2: Type.Object({ ...ExpectationFields, pointLabel: NullableString, needed: NullableString }),
}

const NetworkSchema = Type.Object({
  name: Type.String(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  error: NullableString,
  setupMs: NullableNumber,
  info: Type.Record(Type.String(), Type.Unknown()),
})

const suiteSchema = (version: 1 | 2) => Type.Object({
  name: Type.String(),
  file: Type.String(),
  status: Literals(['passed', 'failed', 'error', 'skipped']),
  cluster: Nullable(Type.Record(Type.String(), Type.Unknown())),
  networks: Type.Array(NetworkSchema),
  points: Type.Array(PointSchema[version]),
  expectations: Type.Array(ExpectationSchema[version]),
})

const EnvironmentSchema = Type.Object({
  netbenchVersion: Type.String(),
  node: Type.String(),
  kernel: Type.String(),
  platform: Type.String(),
  cpuModel: Type.String(),
  cpuCount: Type.Number(),
  iperf3: NullableString,
  provider: Type.String(),
  tools: Type.Optional(Type.Record(Type.String(), NullableString)),
  lab: Type.Optional(Type.Record(Type.String(), Type.String())),
})

/** The schema of a result file of a readable schemaVersion (READABLE_SCHEMA_VERSIONS). */
export const resultSchema = (version: 1 | 2) => Type.Object({
  schemaVersion: Type.Literal(version),
  runId: Type.String(),
  startedAt: Type.String(),
  durationMs: Type.Number(),
  status: Literals(['passed', 'failed', 'error', 'interrupted']),
  environment: EnvironmentSchema,
  suites: Type.Array(suiteSchema(version)),
  baseline: Type.Optional(Type.Object({
    baseline: Type.Object({ runId: Type.String() }),
    points: Type.Array(Type.Object({ network: Type.String(), label: Type.String(), verdict: Type.String() })),
  })),
})
