import type { Readable } from 'node:stream'

export interface ExecOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

export interface ExecResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** A long-running program inside an endpoint (an iperf3 server, a BIRD daemon). */
export interface RunningProcess {
  /** PID on this machine, when the provider runs processes locally. */
  readonly pid: number | undefined
  readonly stdout: Readable
  readonly stderr: Readable
  /** Settles when the program has exited, whatever the reason. */
  readonly exited: Promise<ExecResult>
  /** Ends the program (SIGTERM, then SIGKILL) and waits for it. Idempotent. */
  stop(): Promise<void>
}

/**
 * Where a probe runs: a node or a pod. Providers implement this; tools only use it, so a tool
 * knows nothing about namespaces, containers or clusters.
 */
export interface PortRange {
  first: number
  last: number
}

export interface Endpoint {
  /** Stable short name used in results, e.g. `n1` (node) or `n1-p1` (pod). */
  readonly name: string
  /** What a reader should see, e.g. `node n1 (zone a)`. */
  readonly label: string
  readonly node: string
  readonly zone: string
  /** Address peers use to reach this endpoint. */
  readonly ip: string
  /** MTU of the endpoint's interface towards its peers. */
  readonly mtu: number
  /** Ports a server here may listen on (a cluster firewall's opening); default 50 from 5201. */
  readonly ports?: PortRange
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>
  start(argv: readonly string[]): RunningProcess
  /**
   * What `cat <paths>` inside the endpoint prints, read without starting a program where the
   * provider can (the lab reads from this process). Counters read around every probe go this way.
   */
  readFiles?(paths: readonly string[], options?: ExecOptions): Promise<ExecResult>
}

/** `cat <paths>` in the endpoint: its own reader where it has one, else an exec. */
export function catFiles(endpoint: Endpoint, paths: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  return endpoint.readFiles ? endpoint.readFiles(paths, options) : endpoint.exec(['cat', ...paths], options)
}

/**
 * Where a client sends instead of the server's own address and port: a Service in front of the
 * server. Tools only translate the address and port; they know nothing of Services.
 */
export interface Destination {
  address: string
  /** The port to send to for a server listening on `serverPort`. */
  port(serverPort: number): number
}
