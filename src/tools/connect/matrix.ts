import type { PolicyCell, PolicyResult } from '../../results/policy.ts'
import type { ProbePorts, ProbeResult } from './agent.ts'
import type { PhaseView } from './phases.ts'
import { connectionAllowed, type PolicyPod, type SemanticsOptions } from './network-policy.ts'

export interface ObservedRow<P extends PolicyPod> {
  from: P
  results: readonly ProbeResult[]
}

/**
 * The connectivity matrix of one phase: every probed pair, protocol and port, what the policies
 * say should happen and what the probe saw. A refused connection means the probe server itself
 * was not listening, which says nothing about policy: the first one is returned so the step can
 * report it as an error. Where the CNI's ipBlock selects no pod (`ipBlockSelectsPods: false`), a
 * cell whose expectation changes with that reading is marked implementation-defined.
 */
export function connectivityMatrix<P extends PolicyPod>(observed: readonly ObservedRow<P>[], view: PhaseView<P>, ports: ProbePorts, semantics: SemanticsOptions = {}): { matrix: PolicyCell[]; refused: string | undefined } {
  const matrix: PolicyCell[] = []
  let refused: string | undefined
  const current = (pod: P) => view.pods.find((candidate) => candidate.name === pod.name)!
  for (const { from, results } of observed) {
    for (const result of results) {
      const to = view.pods.find((pod) => pod.name === result.name)!
      for (const protocol of ['tcp', 'udp'] as const) {
        for (const port of ports[protocol]) {
          const outcome = result[protocol][String(port)]
          if (outcome === 'refused' || outcome === undefined) refused ??= `${from.name}→${to.name} ${protocol}/${port} was ${outcome ?? 'not probed'}: the probe server is not listening`
          const allowed = connectionAllowed(view.policies, current(from), to, protocol, port, view.namespaces)
          const dependsOnIpBlock = semantics.ipBlockSelectsPods === false && connectionAllowed(view.policies, current(from), to, protocol, port, view.namespaces, semantics) !== allowed
          matrix.push({
            from: from.name, to: to.name, protocol, port, phase: view.phase,
            expected: allowed ? 'allowed' : 'blocked',
            observed: outcome === 'refused' || outcome === undefined ? null : outcome,
            ...dependsOnIpBlock ? { implementationDefined: 'ipblock-pod' as const } : {},
          })
        }
      }
    }
  }
  return { matrix, refused }
}

/**
 * The one verdict rule of every target, from the matrix alone: `enforced` when every cell is as
 * the policies say (a policy that selects no pod leaves every cell open: nothing to violate);
 * `unsupported` when cells that should have been blocked all got through and nothing else went
 * wrong — the network ignores NetworkPolicy; `violated` otherwise. Implementation-defined cells
 * are right either way, so they count for none.
 */
export function policyVerdict(matrix: readonly PolicyCell[]): Exclude<PolicyResult['status'], 'error'> {
  const defined = matrix.filter((cell) => !cell.implementationDefined)
  if (defined.every((cell) => cell.observed === cell.expected)) return 'enforced'
  const shouldBlock = defined.filter((cell) => cell.expected === 'blocked')
  if (shouldBlock.length && defined.every((cell) => cell.observed === 'allowed')) return 'unsupported'
  return 'violated'
}
