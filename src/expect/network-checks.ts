import { formatValue } from '../results/format.ts'
import type { PolicyResult } from '../results/policy.ts'
import type { NetworkResult, Verdict } from '../results/types.ts'
import { holds } from './evaluate.ts'
import type { Expectation } from './parse.ts'

/**
 * `calico setup-time < 5s`: the network's install time (until every pod reached every other; for
 * Calico with BGP, until it converged) against an absolute time.
 */
export function evaluateSetupTime(expectation: Expectation, network: Pick<NetworkResult, 'name' | 'status' | 'error' | 'setupMs'> | undefined): Verdict {
  const error = (message: string): Verdict => ({ status: 'error', actual: null, expected: null, unit: 'ms', message })
  if (!network) return error('the network was not installed')
  if (network.status === 'error') return error(`the network failed to install: ${network.error ?? 'unknown error'}`)
  if (network.setupMs === null) return error(`${network.name} reported no setup time`)
  if (expectation.bound.kind !== 'absolute') return error('setup-time is compared with an absolute time')
  const expected = expectation.bound.value
  const actual = network.setupMs
  const needed = `needed ${expectation.comparator} ${formatValue(expected, 'ms')}`
  return {
    status: holds[expectation.comparator](actual, expected) ? 'passed' : 'failed',
    actual,
    expected,
    unit: 'ms',
    message: `measured ${formatValue(actual, 'ms')}, ${needed}`,
    needed,
  }
}

/**
 * `calico policy enforced` / `flannel policy unsupported` against a policy step's result. The
 * figures are the matrix cells that matched the policies (actual) out of all well-defined cells (expected).
 */
export function evaluatePolicy(expectation: Expectation, result: PolicyResult | undefined): Verdict {
  const wanted = expectation.policy ?? 'enforced'
  if (!result) return { status: 'error', actual: null, expected: null, unit: 'count', message: 'the policy step did not run' }
  if (result.status === 'error') return { status: 'error', actual: null, expected: null, unit: 'count', message: `the policy probe failed: ${result.error ?? 'unknown error'}` }
  // Cells left to the CNI (e.g. ipBlock between Cilium pods) count for no verdict.
  const defined = result.matrix.filter((cell) => !cell.implementationDefined)
  const open = result.matrix.length - defined.length
  const matched = defined.filter((cell) => cell.observed === cell.expected).length
  const total = defined.length
  const wrong = defined.filter((cell) => cell.observed !== cell.expected).slice(0, 3)
    .map((cell) => `${cell.from}→${cell.to} ${cell.protocol}/${cell.port} ${cell.observed ?? 'not probed'} (policy says ${cell.expected})`)
  const detail = result.status === 'unsupported'
    ? `${result.network} does not enforce NetworkPolicy: ${total - matched} of ${total} probes reached pods the policies block`
    : result.status === 'enforced'
      ? `all ${total} probes matched the policies`
      : `${total - matched} of ${total} probes did not match the policies: ${wrong.join(', ')}`
  return { status: result.status === wanted ? 'passed' : 'failed', actual: matched, expected: total, unit: 'count', message: `policy ${result.status}: ${detail}${open ? ` (${open} implementation-defined, not counted)` : ''}` }
}
