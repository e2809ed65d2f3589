import type { Expectation } from '../expect/parse.ts'
import type { BETWEEN } from './schema.ts'

export type Between = typeof BETWEEN[number]

interface StepCommon {
  /** Position in `steps`, so messages and results can point back at the suite. */
  index: number
  durationMs: number
  omitMs: number
  between: Between
  repeat: number
}

export interface UdpStep extends StepCommon {
  kind: 'udp'
  bitratesBps: number[]
}

export interface TcpStep extends StepCommon {
  kind: 'tcp'
  streams: number
}

export type Step = UdpStep | TcpStep

export interface ClusterSpec {
  provider: 'local'
  nodes: number
  zones: number
  instance: string | null
  /** Uplink rate each node is shaped to; null when unshaped. */
  bandwidthBps: number | null
}

/** A suite after validation: units resolved, defaults applied, expectations parsed. */
export interface Suite {
  name: string
  file: string
  cluster: ClusterSpec
  networks: string[]
  steps: Step[]
  expectations: Expectation[]
}
