import type { PolicyCell } from '../../results/policy.ts'
import type { NetworkPolicy } from '../../suites/model.ts'
import type { ProbeResult } from './agent.ts'
import { connectionAllowed, type PolicyPod } from './semantics.ts'

export interface ObservedRow<P extends PolicyPod> {
  from: P
  results: readonly ProbeResult[]
}

interface MatrixStep {
  policies: readonly NetworkPolicy[]
  namespaces: Record<string, Record<string, string>>
  ports: { tcp: number; udp: number }
}

/**
 * The connectivity matrix: every probed pair and protocol, what the policies say should happen
 * and what the probe saw. A refused connection means the probe server itself was not listening,
 * which says nothing about policy: the first one is returned so the step can report it as an error.
 */
export function connectivityMatrix<P extends PolicyPod>(observed: readonly ObservedRow<P>[], pods: readonly P[], step: MatrixStep): { matrix: PolicyCell[]; refused: string | undefined } {
  const matrix: PolicyCell[] = []
  let refused: string | undefined
  for (const { from, results } of observed) {
    for (const result of results) {
      const to = pods.find((pod) => pod.name === result.name)!
      for (const protocol of ['tcp', 'udp'] as const) {
        const port = step.ports[protocol]
        const outcome = result[protocol]
        if (outcome === 'refused') refused ??= `${from.name}→${to.name} ${protocol}/${port} was refused: the probe server is not listening`
        matrix.push({
          from: from.name, to: to.name, protocol, port,
          expected: connectionAllowed(step.policies, from, to, protocol, port, step.namespaces) ? 'allowed' : 'blocked',
          observed: outcome === 'refused' ? null : outcome,
        })
      }
    }
  }
  return { matrix, refused }
}
