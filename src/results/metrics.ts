/** What one probe run measured. Field names are part of the JSON result contract. */
export interface Metrics {
  /** Received rate (bit/s): what actually crossed the network. */
  throughputBps: number | null
  /** Rate the sender achieved (bit/s); below the offered rate means sender-limited. */
  senderBps: number | null
  lossPercent: number | null
  /** The part of the loss the receiver's own socket dropped (buffer overrun), in percent of sent. */
  lossReceiverPercent: number | null
  /** The rest of the loss: what the network dropped. */
  lossNetworkPercent: number | null
  jitterMs: number | null
  retransmits: number | null
  cpuSenderPercent: number | null
  cpuReceiverPercent: number | null
  /** Latency: median round-trip time of the repeat's echo replies. */
  rttMs: number | null
  /**
   * User + system + softirq CPU of the busier node during the probe, in percent of all its CPUs
   * (/proc/stat; absent in results of earlier versions). Not iperf3's own `cpu*Percent`.
   */
  cpuNodePercent?: number | null
  /** CPU-seconds the nodes spent per second, per Gbit/s received: the datapath's cost of moving data. */
  cpuNodePerGbps?: number | null
}

/** The CPU one kernel spent during a probe, split as /proc/stat counts it. */
export interface KernelCpu {
  /** The nodes this kernel runs: one, or every node of a lab that shares the machine's kernel. */
  nodes: string[]
  cpus: number
  /** Percent of all the kernel's CPUs (user includes nice). */
  userPercent: number
  systemPercent: number
  softirqPercent: number
  /** Length of the window by the kernel's clock. */
  seconds: number
}

/**
 * Node CPU during a probe. `machine`: the nodes share one kernel (the local lab), so the figures
 * are the whole machine's, not a node's; `node`: both ends on one node; `nodes`: one kernel each.
 */
export interface NodeCpu {
  scope: 'machine' | 'node' | 'nodes'
  kernels: KernelCpu[]
}

/** What the shapers on a path did: packets sent, dropped, and dequeues that had to wait for tokens. */
export interface ShaperCounters {
  packets: number
  drops: number
  overlimits: number
}

/** Request/response round trips of a latency step over TCP or UDP (sockperf), in milliseconds. */
export interface RoundTripPercentiles {
  p50: number
  p90: number
  p99: number
  'p99.9': number
  min: number
  max: number
  mean: number
}

/** A repeat's request/response figures; on a point, the medians over its repeats (transactions: their sum). */
export interface RoundTrips {
  protocol: 'tcp' | 'udp'
  rttMs: RoundTripPercentiles
  /** Messages answered in the measured part of the run(s). */
  transactions: number
  /** One message in flight at a time: the rate of a client that waits for every answer. */
  transactionsPerSecond: number
}

/** One run of a probe (a repeat). */
export interface Sample {
  metrics: Metrics
  /** UDP: datagrams sent and lost, as the receiver counted them. */
  packets?: number
  lostPackets?: number
  /** UDP: datagrams the receiver's socket dropped for a full buffer during the run. */
  receiverDrops?: number
  /** UDP payload size chosen from the path MTU. */
  datagramBytes?: number
  /** UDP: the socket buffer iperf3 was given (`-w`), within what the kernel grants. */
  socketBufferBytes?: number
  /** UDP: what the shapers between the endpoints did during the run (the local lab's tbfs). */
  shaper?: ShaperCounters
  /** Latency over TCP or UDP: the round-trip percentiles and transactions per second. */
  roundTrips?: RoundTrips
  /** TCP: the sender's congestion control. */
  congestion?: string
  /** The nodes' CPU around the run (/proc/stat); absent where it could not be read. */
  nodeCpu?: NodeCpu
  mtu: number
  durationMs: number
  /** The tool's own output (iperf3 --json), kept for the report's details view. */
  raw: unknown
  /** `pairs: N`: each pair's figures (`metrics` is their aggregate) and Jain's index of their throughputs. */
  pairs?: PairSample[]
  fairness?: number | null
}

/** One pair of a repeat with `pairs: N`. */
export interface PairSample {
  /** Endpoint names, as a point's from and to. */
  from: string
  to: string
  throughputBps: number | null
  senderBps: number | null
  lossPercent: number | null
  jitterMs: number | null
  retransmits: number | null
  packets: number | null
  lostPackets: number | null
}

export function emptyMetrics(): Metrics {
  return {
    throughputBps: null, senderBps: null, lossPercent: null, lossReceiverPercent: null, lossNetworkPercent: null, jitterMs: null,
    retransmits: null, cpuSenderPercent: null, cpuReceiverPercent: null, rttMs: null, cpuNodePercent: null, cpuNodePerGbps: null,
  }
}
