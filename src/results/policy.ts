/**
 * What a NetworkPolicy step measured on one network: the connectivity matrix between the step's
 * labelled pods (TCP connect and UDP echo), each cell with what the policies call for and what was
 * observed, and the verdict. Part of the JSON result (SuiteResult.policies).
 */
export type Reachability = 'allowed' | 'blocked'

/**
 * Why a cell is left to the CNI, so that it counts for no verdict. `ipblock-pod`: what the
 * policies call for rests on an ipBlock that contains a pod's IP, and the CNI applies ipBlock only
 * to traffic from or to outside the cluster (Cilium). Kubernetes says ipBlock is meant for
 * cluster-external IPs.
 */
export type ImplementationDefined = 'ipblock-pod'

export interface PolicyCell {
  /** Policy pod names (the step's keys), e.g. `client` → `web`. */
  from: string
  to: string
  protocol: 'tcp' | 'udp'
  port: number
  /** 0 as the step was first applied, k after its k-th update (absent in older results: 0). */
  phase?: number
  expected: Reachability
  /** null when the probe itself failed (see PolicyResult.error). */
  observed: Reachability | null
  /** Set when either outcome is correct on this network (absent: the cell is well-defined). */
  implementationDefined?: ImplementationDefined
}

export interface PolicyResult {
  /** `<network>|<step index>|policy`. */
  id: string
  network: string
  stepIndex: number
  /**
   * Decided from the matrix alone, the same way on every target (tools/connect/matrix.ts):
   * enforced: every cell as the policies say (also when they select no pod); cells marked
   * implementationDefined count for no verdict;
   * unsupported: everything got through although some cells should have been blocked — the
   * network ignores NetworkPolicy;
   * violated: anything else;
   * error: the probe could not run (the run exits 3).
   */
  status: 'enforced' | 'violated' | 'unsupported' | 'error'
  error: string | null
  /** How the lab enforced it, e.g. `nftables on the pods' host-side interfaces`; null when not. */
  enforcement: string | null
  pods: Array<{ name: string; endpoint: string; ip: string; namespace: string; labels: Record<string, string> }>
  /** Every policy the step applied, at any phase, as `namespace/name`. */
  policies: string[]
  matrix: PolicyCell[]
}
