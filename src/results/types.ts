import type { Between, Via } from '../model.ts'
import type { Metrics, NodeCpu, PairSample, RoundTrips, ShaperCounters } from './metrics.ts'
import type { NodeCpuSummary } from './node-cpu.ts'
import type { PolicyResult } from './policy.ts'

/**
 * The JSON result: the one contract every reporter reads (`--output`, `netbench report`).
 * Bump SCHEMA_VERSION on any breaking change to these shapes.
 */
export const SCHEMA_VERSION = 2

/**
 * Versions `netbench report`, `compare` and `--baseline` still read: a version-1 file gets the
 * fields version 2 added, derived from what it has (upgrade.ts).
 */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, SCHEMA_VERSION]

export interface SampleResult {
  metrics: Metrics
  packets: number | null
  lostPackets: number | null
  /** Datagrams the receiver's socket dropped for a full buffer (receiver overrun). */
  receiverDrops: number | null
  datagramBytes: number | null
  /** UDP: the socket buffer iperf3 was given (`-w`); null before it was recorded. */
  socketBufferBytes?: number | null
  /** UDP: what the shapers between the ends did (local lab); null where none were read. */
  shaper?: ShaperCounters | null
  /** The nodes' CPU during the run, per kernel (/proc/stat); null where it could not be read. */
  nodeCpu?: NodeCpu | null
  mtu: number
  durationMs: number
  /**
   * Where this sample ran in its suite's measuring order, 1-based, across all networks (absent in
   * results of earlier versions): with interleaved order, A's and B's repeats alternate.
   */
  sequence?: number
  /** Latency over TCP or UDP: this repeat's round-trip percentiles and transactions per second. */
  roundTrips?: RoundTrips
  /** `pairs: N` (N > 1): each pair's own figures in this repeat; `metrics` holds their aggregate. */
  pairs?: PairSample[]
  /** `pairs: N`: Jain's fairness index of the pairs' throughputs in this repeat, (Σx)² / (n·Σx²). */
  fairness?: number | null
}

export interface PointResult {
  id: string
  suite: string
  network: string
  step: 'udp' | 'tcp' | 'latency'
  /** The step's place in the suite (0-based); -1 for a point an imperative test measured. */
  stepIndex: number
  /** `udp 100M`, `tcp ×4 reverse (zones, host)`: for display only, the fields below say the same. */
  label: string
  /** Offered rate in bit/s (UDP); null for TCP and latency. (Version 1 called it `bitrate`.) */
  bitrateBps: number | null
  streams: number | null
  /** TCP: who sends — the client (forward), the server (iperf3 -R) or both at once (--bidir); null for UDP and latency. */
  direction: Direction | null
  /** `host`: node to node in the nodes' own network namespaces; `pod`: pod to pod. */
  endpoint: 'pod' | 'host'
  between: Between
  /** The Service path the client took (absent: straight to the pod, as in every version-1 result). */
  via?: Exclude<Via, 'pod'>
  /** On a Service path: the route (`ClusterIP 198.18.64.1 → n2-p1`) and what its DNAT translated during the point. */
  service?: ServicePath
  /** Endpoint names (`n1`, `n2`) and where they are. */
  from: string | null
  to: string | null
  status: 'ok' | 'error'
  error: string | null
  /** Medians over the samples. */
  metrics: Metrics
  /** Spread of each metric over the samples (repeats). */
  stats: Partial<Record<keyof Metrics, MetricStats>>
  /** UDP: what held the point back — the sender, the receiver's socket or the network; null if nothing. */
  limitedBy: LimitedBy | null
  /** UDP, sender short of the offered rate: the client's sending rate on loopback, once per node and run. */
  senderCeilingBps?: number | null
  /** `find: 'max'`: the highest rate within the loss bound, and every probe it took to find it. */
  search?: SearchSummary
  /** Latency: every echo reply's round-trip time (ms), all repeats; stats like rtt.p99 read these. */
  rttsMs?: number[]
  /** Latency: request/response round trips over this protocol (sockperf); absent: ping. */
  protocol?: 'tcp' | 'udp'
  /** Latency over TCP or UDP (sockperf): medians of the repeats' percentiles and TPS; rtt.p99 and tps read the repeats'. */
  roundTrips?: RoundTrips
  /** Latency under load: what the load carried while the pings ran (received bit/s, per repeat). */
  load?: { kind: 'tcp' | 'udp'; offeredBps: number | null; throughputBps: Array<number | null> }
  /** TCP: congestion control the sender used (`end.sender_tcp_congestion`). */
  congestion?: string | null
  /**
   * `pairs: N` (N > 1): how many pairs ran at once over distinct nodes; the metrics are their
   * aggregate (throughput and retransmits summed, loss over all packets, the worst jitter), each
   * sample keeps every pair's, and `from`/`to` list the pairs' ends comma-separated.
   */
  pairs?: number
  /** `pairs: N`: median over the repeats of Jain's fairness index of the pairs' throughputs (0–1]. */
  fairness?: number | null
  /** UDP and TCP: the nodes' CPU split over the repeats (the figures are metrics.cpuNode*); scope `machine` in the lab. */
  nodeCpu?: NodeCpuSummary
  samples: SampleResult[]
  /** The tool's raw output per sample (iperf3 --json). */
  raw: unknown[]
}

export type Direction = 'forward' | 'reverse' | 'bidir'

export interface ServicePath {
  route: string
  /**
   * Client-to-Service packets and bytes the Service's DNAT translated over the point's repeats
   * (every packet of a translated connection, not only the first the NAT rule sees); null where
   * the provider cannot read them.
   */
  translatedPackets: number | null
  translatedBytes: number | null
}

export interface SearchSummary {
  maxRateBps: number | null
  lossBoundPercent: number
  fromBps: number
  toBps: number
  resolution: number
  /** `to` passed: the real limit lies above what was searched. */
  reachedUpperBound: boolean
  /** A failing probe's sender fell short of the offered rate: the sender set the limit, not the network. */
  senderLimited: boolean
  probes: SearchProbeResult[]
}

/** One probe of a search; results before the short-trial search lack `phase` and `durationMs` (every probe then ran the full duration). */
export interface SearchProbeResult {
  offeredBps: number
  senderBps: number | null
  receivedBps: number | null
  lossPercent: number | null
  passed: boolean
  reason: 'loss' | 'sender' | null
  /** A short bisection trial, or the full-duration confirmation of the rate found. */
  phase?: 'trial' | 'confirm'
  durationMs?: number
}

/** One metric over a point's repeats; the interval is Student-t 95% of the mean (null for n < 2). */
export interface MetricStats {
  n: number
  median: number
  mean: number
  min: number
  max: number
  stddev: number
  ci95: [number, number] | null
}

export type ExpectationStatus = 'passed' | 'failed' | 'error' | 'skipped'

export interface ExpectationResult {
  /** The expectation as written in the suite. */
  text: string
  /** The test name: `host › udp 100M › loss < 5%`. */
  name: string
  network: string | null
  /** The id of the point (or policy step) the expectation read. */
  point: string | null
  /**
   * What the expectation is grouped under: the point's label (`udp 100M`), `setup` or a policy
   * step's label; for an imperative test, its enclosing describe (null at the top level).
   */
  pointLabel: string | null
  status: ExpectationStatus
  actual: number | null
  expected: number | null
  /** bps, percent, ms or count: how to show actual and expected. */
  unit: string | null
  message: string | null
  /** The bound in words (`needed >= 405.0 Mbit/s (90% of offered …)`), shown beside the actual; null where the message says none. */
  needed: string | null
}

/**
 * How the worker judged one planned expectation, sent as a `verdict` event: the main process
 * copies it into the ExpectationResult and never judges again.
 */
export interface Verdict {
  status: Exclude<ExpectationStatus, 'skipped'>
  actual: number | null
  expected: number | null
  unit: 'bps' | 'percent' | 'ms' | 'count'
  /** `measured 438.2 Mbit/s, needed >= 405 Mbit/s (90% of offered)`. */
  message: string
  /** The message's bound part when it has one: `needed >= 405 Mbit/s (90% of offered)`. */
  needed?: string
}

export interface NetworkResult {
  name: string
  status: 'ok' | 'error'
  error: string | null
  setupMs: number | null
  /** What the provider says about the network (mtu, encapsulation, versions); `warnings`: see networkWarnings. */
  info: Record<string, unknown>
}

/**
 * The network's `info.warnings` (kube: a pair of nodes of different instance types, …): things
 * the reader must know to trust the figures. Anything but a list of strings counts as none.
 */
export function networkWarnings(network: Pick<NetworkResult, 'info'>): string[] {
  const warnings = network.info.warnings
  return Array.isArray(warnings) ? warnings.filter((warning): warning is string => typeof warning === 'string') : []
}

export interface SuiteResult {
  name: string
  file: string
  status: 'passed' | 'failed' | 'error' | 'skipped'
  cluster: Record<string, unknown> | null
  networks: NetworkResult[]
  points: PointResult[]
  expectations: ExpectationResult[]
  /** NetworkPolicy steps: one result per network and policy step (absent when the suite has none). */
  policies?: PolicyResult[]
  /** How repeats were scheduled across networks (absent in results of earlier versions: sequential). */
  order?: 'sequential' | 'interleaved'
}

export interface Environment {
  netbenchVersion: string
  node: string
  kernel: string
  platform: string
  cpuModel: string
  cpuCount: number
  iperf3: string | null
  provider: string
  /** Versions of the other programs the lab runs (Debian package versions where known). */
  tools?: Record<string, string | null>
  /** How the lab shapes and probes, so the run can be reproduced. */
  lab?: Record<string, string>
}

export interface RunResult {
  schemaVersion: typeof SCHEMA_VERSION
  runId: string
  startedAt: string
  durationMs: number
  status: 'passed' | 'failed' | 'error' | 'interrupted'
  environment: Environment
  suites: SuiteResult[]
  /** With `--baseline`: every point compared with the baseline run's (absent otherwise). */
  baseline?: Comparison
}

/**
 * What held a UDP point back: the sending host, the receiving socket, the network (it dropped the
 * excess), or the link (its shaper held the sender to the link rate: pushed back, dropped nothing).
 */
export type LimitedBy = 'sender' | 'receiver' | 'network' | 'link'

export interface ConfidenceInterval {
  mean: number
  low: number
  high: number
}

// What `--baseline`, `netbench report --baseline` and `netbench compare` found (RunResult.baseline).

/** How far a metric may move for the worse before it is a regression. */
export interface Tolerance {
  /** Throughput may drop by this share of the baseline, in percent. */
  percent: number
  /** Loss may rise by this many percentage points (a relative change of a near-zero loss means nothing). */
  lossPoints: number
}

export type ChangeVerdict = 'regression' | 'improvement' | 'unchanged' | 'noise' | 'missing'

export interface MetricChange {
  metric: string
  unit: 'bps' | 'percent' | 'ms' | 'count'
  gated: boolean
  /** Medians over the samples. */
  baseline: number | null
  current: number | null
  delta: number | null
  /** The delta in percent of the baseline; null when the baseline is zero or missing. */
  deltaPercent: number | null
  baselineCi: ConfidenceInterval | null
  currentCi: ConfidenceInterval | null
  verdict: ChangeVerdict
  decidedBy: string
}

export interface PointChange {
  suite: string
  network: string
  label: string
  step: PointResult['step']
  bitrateBps: number | null
  presence: 'both' | 'baseline-only' | 'current-only'
  baselineError: string | null
  currentError: string | null
  /** The current run's sender could not reach the offered rate: a throughput drop is the host's. */
  senderLimited: boolean
  /** The worst verdict of the gated metrics. */
  verdict: ChangeVerdict
  metrics: MetricChange[]
}

export interface RunRef {
  runId: string
  startedAt: string
  file: string | null
}

export interface Comparison {
  baseline: RunRef
  current: RunRef
  tolerance: Tolerance
  points: PointChange[]
  regressions: number
  improvements: number
}
