import type { ImplementationDefined, PolicyResult } from '../src/results/policy.ts'

/** What each kind of implementation-defined cell means, for every report. */
export const IMPLEMENTATION_DEFINED: Record<ImplementationDefined, string> = {
  'ipblock-pod': 'an ipBlock holding pod IPs decides them, and this CNI applies ipBlock only to traffic from or to outside the cluster (Cilium)',
}

/**
 * A policy step's matrix as every report shows it: well-defined cells as the policies say, out of
 * all well-defined cells, and the cells left to the implementation, which count for no verdict.
 */
export function policyCells(policy: PolicyResult): { matched: number; total: number; implementationDefined: number; text: string; notes: string[] } {
  const defined = policy.matrix.filter((cell) => !cell.implementationDefined)
  const matched = defined.filter((cell) => cell.observed === cell.expected).length
  const open = policy.matrix.length - defined.length
  const kinds = [...new Set(policy.matrix.flatMap((cell) => cell.implementationDefined ? [cell.implementationDefined] : []))]
  return {
    matched, total: defined.length, implementationDefined: open,
    text: `${matched}/${defined.length}${open ? ` + ${open} implementation-defined` : ''}`,
    notes: kinds.map((kind) => `${policy.network}: ${open} implementation-defined cell${open === 1 ? '' : 's'}: ${IMPLEMENTATION_DEFINED[kind]}`),
  }
}
