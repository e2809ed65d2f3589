/**
 * What a NetworkPolicy step measured on one network: the connectivity matrix between the step's
 * labelled pods (TCP connect and UDP echo), each cell with what the policies call for and what was
 * observed, and the verdict. Part of the JSON result (SuiteResult.policies).
 */
export type Reachability = 'allowed' | 'blocked'

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
}

export interface PolicyResult {
  /** `<network>|<step index>|policy`. */
  id: string
  network: string
  stepIndex: number
  /**
   * Decided from the matrix alone, the same way on every target (tools/connect/matrix.ts):
   * enforced: every cell as the policies say (also when they select no pod);
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
