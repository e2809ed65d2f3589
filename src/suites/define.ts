import type { LatencyStepInput, PolicyStepInput, SuiteInput, TcpStepInput, UdpStepInput } from './schema.ts'
import { REGISTRAR_KEY, type SuiteRegistrar } from '../runner/registrar.ts'

/** Set by the loader while it imports an imperative file: collects what its `test.scoped` calls set. */
export const LAB_OPTIONS_KEY = Symbol.for('netbench.lab-options')

const DECLARED_KEY = Symbol.for('netbench.declared-tests')

/**
 * How many `test`/`describe` calls modules made outside a run: the loader compares it around an
 * import to tell an imperative test file from a file that defines nothing.
 */
export function declaredTests(): number {
  return ((globalThis as Record<symbol, number | undefined>)[DECLARED_KEY]) ?? 0
}

export function countDeclaredTest(): void {
  (globalThis as Record<symbol, number>)[DECLARED_KEY] = declaredTests() + 1
}

/**
 * Declares a suite. Outside a netbench run (editor, `netbench list`) it only returns the
 * definition; inside a run it also registers one Vitest test per expectation.
 */
export function defineSuite(suite: SuiteInput): SuiteInput {
  const registrar = (globalThis as Record<symbol, SuiteRegistrar | undefined>)[REGISTRAR_KEY]
  registrar?.register(suite)
  return suite
}

export function udp(step: UdpStepInput): { udp: UdpStepInput } {
  return { udp: step }
}

export function tcp(step: TcpStepInput = {}): { tcp: TcpStepInput } {
  return { tcp: step }
}

/** A NetworkPolicy step: labelled pods, Kubernetes NetworkPolicies, a connectivity matrix probe. */
export function policy(step: PolicyStepInput): { policy: PolicyStepInput } {
  return { policy: step }
}

/** Round-trip times between the step's pair: `count` echo requests every `interval`. */
export function latency(step: LatencyStepInput = {}): { latency: LatencyStepInput } {
  return { latency: step }
}
