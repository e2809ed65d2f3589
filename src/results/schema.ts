import { Type, type TSchema } from '@sinclair/typebox'

/**
 * The shape a result file must have before any reporter reads it (`netbench report`, `compare`,
 * `--baseline`): the fields of types.ts that reporters depend on. Extra fields are allowed so a
 * result written by a newer netbench of the same schemaVersion still loads.
 */
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const NullableNumber = Nullable(Type.Number())
const NullableString = Nullable(Type.String())

const MetricsSchema = Type.Object({
  throughputBps: NullableNumber,
  senderBps: NullableNumber,
  lossPercent: NullableNumber,
  jitterMs: NullableNumber,
  retransmits: NullableNumber,
  cpuSenderPercent: NullableNumber,
  cpuReceiverPercent: NullableNumber,
})

const SampleSchema = Type.Object({
  metrics: MetricsSchema,
  packets: NullableNumber,
  lostPackets: NullableNumber,
  datagramBytes: NullableNumber,
  mtu: Type.Number(),
  durationMs: Type.Number(),
})

const PointSchema = Type.Object({
  id: Type.String(),
  suite: Type.String(),
  network: Type.String(),
  step: Type.Union([Type.Literal('udp'), Type.Literal('tcp'), Type.Literal('latency')]),
  label: Type.String(),
  bitrate: NullableNumber,
  streams: NullableNumber,
  between: Type.String(),
  from: NullableString,
  to: NullableString,
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  error: NullableString,
  metrics: MetricsSchema,
  samples: Type.Array(SampleSchema),
  raw: Type.Array(Type.Unknown()),
})

const ExpectationSchema = Type.Object({
  text: Type.String(),
  name: Type.String(),
  network: NullableString,
  point: NullableString,
  status: Type.Union(['passed', 'failed', 'error', 'skipped'].map((status) => Type.Literal(status))),
  actual: NullableNumber,
  expected: NullableNumber,
  unit: NullableString,
  message: NullableString,
})

const NetworkSchema = Type.Object({
  name: Type.String(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  error: NullableString,
  setupMs: NullableNumber,
  info: Type.Record(Type.String(), Type.Unknown()),
})

const SuiteSchema = Type.Object({
  name: Type.String(),
  file: Type.String(),
  status: Type.Union(['passed', 'failed', 'error', 'skipped'].map((status) => Type.Literal(status))),
  cluster: Nullable(Type.Record(Type.String(), Type.Unknown())),
  networks: Type.Array(NetworkSchema),
  points: Type.Array(PointSchema),
  expectations: Type.Array(ExpectationSchema),
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

export const RunResultSchema = Type.Object({
  schemaVersion: Type.Number(),
  runId: Type.String(),
  startedAt: Type.String(),
  durationMs: Type.Number(),
  status: Type.Union(['passed', 'failed', 'error', 'interrupted'].map((status) => Type.Literal(status))),
  environment: EnvironmentSchema,
  suites: Type.Array(SuiteSchema),
  baseline: Type.Optional(Type.Object({
    baseline: Type.Object({ runId: Type.String() }),
    points: Type.Array(Type.Object({ network: Type.String(), label: Type.String(), verdict: Type.String() })),
  })),
})
