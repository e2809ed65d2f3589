import type { PolicyResult } from '../../src/results/policy.ts'
import { policyCells } from '../policy-cells.ts'

export interface PolicyRow {
  network: string
  /** A pill class: enforced passes, unsupported is skipped-grey, the rest fail. */
  pill: 'passed' | 'skipped' | 'failed' | 'error'
  status: PolicyResult['status']
  cells: string
  enforcedBy: string
}

/** NetworkPolicy steps as the report shows them, and what the implementation-defined cells mean. */
export function policySection(policies: readonly PolicyResult[] = []): { rows: PolicyRow[]; notes: string[] } {
  const pill = (status: PolicyResult['status']): PolicyRow['pill'] => status === 'enforced' ? 'passed' : status === 'unsupported' ? 'skipped' : status === 'error' ? 'error' : 'failed'
  const rows = policies.map((policy) => ({
    network: policy.network, pill: pill(policy.status), status: policy.status, cells: policyCells(policy).text,
    enforcedBy: policy.status === 'error' ? policy.error ?? '' : policy.enforcement ?? '—',
  }))
  return { rows, notes: policies.flatMap((policy) => policyCells(policy).notes) }
}
