import type { ShaperCounters } from '../results/metrics.ts'
import type { PolicyResult } from '../results/policy.ts'
import type { Between, ClusterSpec, EndpointKind, NetworkSpec, PolicyStep, Via } from '../model.ts'
import type { Endpoint } from '../endpoint.ts'

/** How a client reaches the server through a Service: the address and port it sends to. */
export interface ServiceRoute {
  via: Exclude<Via, 'pod'>
  /** The ClusterIP, or the address of the node whose NodePort the client uses. */
  address: string
  /** The port the client sends to for a server listening on `serverPort`. */
  port(serverPort: number): number
  /** For reports, e.g. `ClusterIP 198.19.128.10 → n2-p1` or `NodePort n1:30201 → n2-p1`. */
  label: string
  /** Packets and bytes the Service's DNAT rule translated so far; absent where the provider cannot read it. */
  translated?(): Promise<{ packets: number; bytes: number }>
}

export interface EndpointPair {
  client: Endpoint
  server: Endpoint
  /** Set on Service paths: the client sends to this instead of `server.ip` and the server's port. */
  service?: ServiceRoute
  /** Reads the counters of the shapers between client and server; absent where the provider has none. */
  shapers?: () => Promise<ShaperCounters | undefined>
}

/** A network installed on a cluster: knows its endpoints, nothing about probes. */
export interface Network extends AsyncDisposable {
  readonly name: string
  /** Time from install to every endpoint being reachable. */
  readonly setupMs: number
  /** The pair a step measures between: pods by default, the nodes themselves with `host`. */
  pair(between: Between, endpoint?: EndpointKind, via?: Via): EndpointPair
  /**
   * `count` pairs over distinct nodes, measured at once (`pairs: N`, pod paths only); the first is
   * `pair`'s. Throws exit 2 when the cluster has too few nodes. Absent: the provider measures one pair only.
   */
  pairs?(between: Between, endpoint: EndpointKind | undefined, count: number): EndpointPair[]
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
  /** Disposing the cluster removes the network still installed with it, sooner than one by one. */
  readonly removesNetworks?: boolean
}

export interface ProviderContext {
  runId: string
  runDir: string
}

/**
 * A run's life on this machine, for providers that keep things of a run here (the local lab: its
 * namespaces, processes, temp dirs and an ownership record). The runner calls it through the
 * registry; providers whose objects live elsewhere leave it out.
 */
export interface RunLifecycle {
  /** Prefix of the run's temp directory, so that reaping finds it should the run die. */
  runDirPrefix(runId: string): string
  /** Records this process as the run's owner, before anything is made: a concurrent run leaves it alone. */
  claim(runId: string, runDir: string): Promise<void>
  /** Ends the run's processes now (SIGINT/SIGTERM); its objects stay for `release`. */
  stopProcesses(runId: string): Promise<void>
  /** Removes everything of the run and its ownership record; returns what it removed. */
  release(runId: string): Promise<string[]>
  /** Removes what runs whose owner is gone left behind (never `exceptRunId`); returns what it removed. */
  reapDeadRuns(exceptRunId?: string): Promise<string[]>
  /** Facts about this machine for the result's environment; says on `stream` what they cost. */
  facts(stream: NodeJS.WritableStream): Promise<Record<string, string>>
}

/** What `netbench clean` removed, and what it left because its run is alive. */
export interface CleanReport {
  removed: string[]
  kept: string[]
}

export interface CleanOptions {
  /** Kubeconfig contexts to clean (`--context`); empty: the current one. */
  contexts: readonly string[]
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
  /** Present when the provider keeps things of a run on this machine. */
  readonly lifecycle?: RunLifecycle
  /**
   * What the CLI process found out that the run's workers may reuse instead of finding it out
   * again (the lab: its kernel-feature probes); undefined when there is nothing yet.
   */
  handOff?(): Promise<unknown>
  /** In a worker: takes what `handOff` gave in the CLI. */
  takeOver?(state: unknown): void
  /** `netbench clean`: removes what dead runs left behind; leaves live runs alone. */
  cleanDeadRuns?(options: CleanOptions): Promise<CleanReport>
  /**
   * Cleaned only when `netbench clean` names the provider (`--kube`): it needs a cluster's
   * credentials, so a plain `netbench clean` does not go looking for one.
   */
  readonly cleanWhenNamed?: boolean
}
