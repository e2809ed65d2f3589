/**
 * Names, labels and annotations of everything netbench creates in a Kubernetes cluster. A run's
 * objects live in one namespace, `netbench-<run id>`, labelled so that `netbench clean --kube`
 * can find the namespaces of runs that are no longer alive.
 */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by'
export const MANAGED_BY = 'netbench'
export const NAME_LABEL = 'app.kubernetes.io/name'
export const RUN_LABEL = 'netbench.io/run'
export const NETWORK_LABEL = 'netbench.io/network'
export const ENDPOINT_LABEL = 'netbench.io/endpoint'
/** The endpoint pod's own name, so a Service can select exactly that pod. */
export const POD_LABEL = 'netbench.io/pod'
/** What the EndpointSlice controller labels a Service's slices with. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'

/** Who owns a run, so a later `netbench clean --kube` can tell a live run from a dead one. */
export const OWNER_HOST_ANNOTATION = 'netbench.io/owner-host'
export const OWNER_PID_ANNOTATION = 'netbench.io/owner-pid'
export const OWNER_START_ANNOTATION = 'netbench.io/owner-start'
/** Renewed every HEARTBEAT_INTERVAL_MS while the run is alive. */
export const HEARTBEAT_ANNOTATION = 'netbench.io/heartbeat'
export const HEARTBEAT_INTERVAL_MS = 60_000
/** A run whose heartbeat is older than this is dead (three missed beats). */
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_INTERVAL_MS

/** The container every endpoint pod runs; iperf3 is exec'd into it. */
export const CONTAINER = 'netbench'

/**
 * Pinned default image: netshoot carries iperf3, iproute2 (`ip -json`), a shell and coreutils.
 * Any image with iperf3 3.x, sh and ip works (`cluster.podImage`).
 */
export const DEFAULT_POD_IMAGE = 'nicolaka/netshoot:v0.13'

export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`

export function namespaceOf(runId: string): string {
  return `netbench-${runId}`
}

export function runSelector(runId: string): string {
  return `${MANAGED_SELECTOR},${RUN_LABEL}=${runId}`
}

export function networkSelector(runId: string, network: string): string {
  return `${runSelector(runId)},${NETWORK_LABEL}=${network}`
}

/** DNS-1123 label: what namespace and pod names must be. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
