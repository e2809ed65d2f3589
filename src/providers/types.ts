import type { ShaperCounters } from '../results/metrics.ts'
import type { PolicyResult } from '../results/policy.ts'
import type { Between, ClusterSpec, EndpointKind, NetworkSpec, PolicyStep } from '../model.ts'
import type { Endpoint } from '../endpoint.ts'

export interface EndpointPair {
  client: Endpoint
  server: Endpoint
  /** Reads the counters of the shapers between client and server; absent where the provider has none. */
  shapers?: () => Promise<ShaperCounters | undefined>
}

/** A network installed on a cluster: knows its endpoints, nothing about probes. */
export interface Network extends AsyncDisposable {
  readonly name: string
  /** Time from install to every endpoint being reachable. */
  readonly setupMs: number
  /** The pair a step measures between: pods by default, the nodes themselves with `host`. */
  pair(between: Between, endpoint?: EndpointKind): EndpointPair
  /** Facts for the report (MTU, encapsulation, versions). */
  describe(): Record<string, unknown>
  /**
   * Applies a NetworkPolicy step, probes the connectivity matrix and removes the policies again.
   * Networks that do not enforce policy still probe (and report `unsupported`). Absent: the
   * provider cannot run policy steps.
   */
  runPolicy?(step: PolicyStep, id: string, signal?: AbortSignal): Promise<PolicyResult>
}

export interface ClusterNode {
  name: string
  zone: string
  ip: string
}

export interface Cluster extends AsyncDisposable {
  readonly nodes: readonly ClusterNode[]
  /** A plain name builds that CNI with its defaults; a spec names a variant with options. */
  install(network: string | NetworkSpec, signal?: AbortSignal): Promise<Network>
  /** Fault injection (the suite's fault schedule): takes a node's uplink down, or up again. */
  setUplink?(node: string, up: boolean): Promise<void>
}

export interface ProviderContext {
  runId: string
  runDir: string
}

export interface Provider {
  readonly name: string
  /** Networks this provider can build; used to validate suites before anything is provisioned. */
  readonly networks: readonly string[]
  /**
   * How many networks besides `host` one cluster holds up at once; absent: any number. Interleaved
   * order keeps every network of a suite up together, so it needs the suite to fit.
   */
  readonly networksAtOnce?: number
  /** Environment checks (root, programs, kernel features); throws exit-3 errors. */
  preflight(spec: ClusterSpec, networks: readonly (string | NetworkSpec)[]): Promise<void>
  createCluster(spec: ClusterSpec, context: ProviderContext): Promise<Cluster>
  /**
   * Removes what a run made outside this machine (kube namespaces, k3s containers), from the CLI
   * process: after the run, and on SIGINT/SIGTERM with `wait: false` so probes in flight end now.
   * Returns what it removed. Providers whose cluster disposal is enough leave it out.
   */
  removeRun?(runId: string, specs: readonly ClusterSpec[], options: { wait: boolean }): Promise<string[]>
}
