import type { Between } from '../suites/model.ts'
import type { Metrics, ShaperCounters } from './metrics.ts'
import type { LimitedBy } from './attribution.ts'
import type { Comparison } from './compare.ts'
import type { PolicyResult } from './policy.ts'

/**
 * The JSON result: the one contract every reporter reads (`--output`, `netbench report`).
 * Bump SCHEMA_VERSION on any breaking change to these shapes.
 */
export const SCHEMA_VERSION = 1

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
  mtu: number
  durationMs: number
  /**
   * Where this sample ran in its suite's measuring order, 1-based, across all networks (absent in
   * results of earlier versions): with interleaved order, A's and B's repeats alternate.
   */
  sequence?: number
}

export interface PointResult {
  id: string
  suite: string
  network: string
  step: 'udp' | 'tcp' | 'latency'
  label: string
  /** Offered rate in bit/s (UDP); null for TCP. */
  bitrate: number | null
  streams: number | null
  between: Between
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
  /** Latency under load: what the load carried while the pings ran (received bit/s, per repeat). */
  load?: { kind: 'tcp' | 'udp'; offeredBps: number | null; throughputBps: Array<number | null> }
  /** TCP: congestion control the sender used (`end.sender_tcp_congestion`). */
  congestion?: string | null
  samples: SampleResult[]
  /** The tool's raw output per sample (iperf3 --json). */
  raw: unknown[]
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
  point: string | null
  status: ExpectationStatus
  actual: number | null
  expected: number | null
  /** bps, percent, ms or count: how to show actual and expected. */
  unit: string | null
  message: string | null
}

export interface NetworkResult {
  name: string
  status: 'ok' | 'error'
  error: string | null
  setupMs: number | null
  info: Record<string, unknown>
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
