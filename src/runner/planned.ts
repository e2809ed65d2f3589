/**
 * The plan the runner runs, as the planner (src/plan/) hands it over: the points to measure, the
 * policy steps, and one check per expectation and point. Defined here, below the planner, so the
 * runner depends on its input's shape and not on how it is made.
 */
import type { BaselineMatch } from '../results/baseline.ts'
import type { Expectation } from '../expectation.ts'
import type { Between, EndpointKind, LatencyLoad, MaxRateSearchSpec, RoundTripProtocol, Suite, Via } from '../model.ts'

/** One thing to measure: a network × step × offered rate, repeated `repeat` times. */
export interface PlannedPoint {
  id: string
  network: string
  stepIndex: number
  step: 'udp' | 'tcp' | 'latency'
  /** `udp 100M`, `udp max`, `tcp`, `tcp ×4 reverse`, `latency` — plus the placement when a suite has several steps of a kind. */
  label: string
  bitrateBps: number | null
  streams: number | null
  /** UDP `find: 'max'`: search for the highest rate within the loss bound instead of one rate. */
  search?: MaxRateSearchSpec
  /** TCP direction: server to client (-R), or both at once (--bidir). */
  reverse?: boolean
  bidir?: boolean
  /** `pairs: N` above 1: N pairs over distinct nodes at once, the figures their aggregate. */
  pairs?: number
  /** Latency: echo requests per repeat and their spacing; or sockperf round trips over `protocol` for durationMs. */
  latency?: { count: number; intervalMs: number; underLoad: LatencyLoad | null; protocol?: RoundTripProtocol }
  durationMs: number
  omitMs: number
  between: Between
  /** `host`: node to node on any network; absent: pod to pod. */
  endpoint?: EndpointKind
  /** A Service path; absent: straight to the pod. */
  via?: Exclude<Via, 'pod'>
  repeat: number
}

/** A NetworkPolicy step on one network: applied, probed, then removed. */
export interface PlannedPolicy {
  /** `<network>|<step index>|policy`. */
  id: string
  network: string
  stepIndex: number
  label: string
}

/** One expectation applied to one point: one Vitest test. */
export interface PlannedCheck {
  id: string
  expectationIndex: number
  expectation: Expectation
  network: string
  pointId: string
  /** The point of the other network for `N% of <network>`. */
  referencePointId: string | null
  /** The test's own name, e.g. `loss < 5%`. */
  label: string
  /** `weave › udp 100M › loss < 5%`. */
  name: string
  /** With --baseline, for `of baseline` and `baseline + …`: the baseline's point, or why there is none. */
  baseline?: BaselineMatch
  /**
   * Set when the check reads a network-level figure rather than a measured point (`setup-time`);
   * `pointId` is then `<network>|setup`, which names no PlannedPoint.
   */
  target?: { kind: 'setup' } | { kind: 'policy'; stepIndex: number }
}

export interface SuitePlan {
  suite: Suite
  networks: Array<{ name: string; points: PlannedPoint[]; policies?: PlannedPolicy[] }>
  checks: PlannedCheck[]
}
