/**
 * Probing a policy step's pods on a cluster: the connectivity matrix of each phase (applying the
 * step's updates in between), probed again while the CNI is still programming, with REJECTs read
 * as blocks and, on Cilium, ipBlock cells that select pods left to the implementation.
 */
import type { PolicyCell } from '../../results/policy.ts'
import type { PolicyStep } from '../../model.ts'
import { probeFrom, type ProbePorts, type ProbeResult } from '../../tools/connect/agent.ts'
import { connectivityMatrix, policyVerdict } from '../../tools/connect/matrix.ts'
import type { PhaseView } from '../../tools/connect/phases.ts'
import type { PolicyPod, SemanticsOptions } from '../../tools/connect/network-policy.ts'
import type { PodEndpoint } from './pod-endpoint.ts'
import { PYTHON_AGENT } from './policy-agent.ts'
import { applyPolicyUpdate, type UpdateContext } from './policy-update.ts'

/**
 * CNIs program policies asynchronously (Cilium and the AWS network policy agent can take tens of
 * seconds): probe again while the matrix does not match yet, up to this long, and say how long.
 * Mutable so tests can shorten it.
 */
export const policyProgramming = { timeoutMs: 30_000 }
const SETTLE_MS = 1000

/**
 * How the recognised CNI reads NetworkPolicy where the API leaves it open. Cilium turns an ipBlock
 * into a CIDR rule (pkg/k8s/network_policy.go), and "by default, CIDR-based selectors do not match
 * in-cluster entities (pods or nodes)" (Documentation/security/policy/layer3.rst; its
 * policy-cidr-match-mode option adds nodes, never pods): an ipBlock never selects one of its pods.
 * That includes GKE Dataplane V2.
 */
export function cniSemantics(cni: string): SemanticsOptions {
  return { ipBlockSelectsPods: !/^cilium\b/.test(cni) }
}

/**
 * A policy engine that REJECTs (kube-router, as k3s runs it; Calico `action: Reject`) refuses a TCP
 * connection exactly as a port nobody listens on. A target whose server answers a probe from its
 * own pod (traffic no NetworkPolicy applies to) is listening: its refusal was the network's, a block.
 */
async function rejectsAsBlocked(observed: Array<{ from: PolicyPod; results: ProbeResult[] }>, endpoints: ReadonlyMap<string, PodEndpoint>, ports: ProbePorts, listening: Map<string, boolean>) {
  for (const { results } of observed) {
    for (const result of results) {
      for (const [port, outcome] of Object.entries(result.tcp)) {
        if (outcome !== 'refused') continue
        if (!listening.has(`${result.name}:${port}`)) {
          const target = endpoints.get(result.name)!
          const [self] = await probeFrom(target, [{ name: result.name, ip: target.ip }], ports, PYTHON_AGENT)
          for (const [selfPort, selfOutcome] of Object.entries(self?.tcp ?? {})) listening.set(`${result.name}:${selfPort}`, selfOutcome === 'allowed')
        }
        if (listening.get(`${result.name}:${port}`)) result.tcp[port] = 'blocked'
      }
    }
  }
  return observed
}

export interface ProbeContext {
  step: PolicyStep
  endpoints: ReadonlyMap<string, PodEndpoint>
  semantics: SemanticsOptions
  signal: AbortSignal | undefined
  /** Per `pod:port`: whether its probe server answers its own pod (see rejectsAsBlocked). */
  listening: Map<string, boolean>
}

interface PhaseOutcome { matrix: PolicyCell[]; refused: string | undefined; waitedMs: number }

/** One phase's matrix, probed again while it does not match yet, up to the programming timeout. */
async function probePhase(view: PhaseView<PolicyPod>, context: ProbeContext): Promise<PhaseOutcome> {
  const { step, endpoints } = context
  const started = Date.now()
  for (let round = 0; ; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
    context.signal?.throwIfAborted()
    const observed = await Promise.all(view.pods.map(async (from) => ({
      from,
      results: await probeFrom(endpoints.get(from.name)!, view.pods.filter((to) => to !== from).map((to) => ({ name: to.name, ip: to.ip })), step.ports, PYTHON_AGENT, step.probeTimeoutMs),
    })))
    const result = connectivityMatrix(await rejectsAsBlocked(observed, endpoints, step.ports, context.listening), view, step.ports, context.semantics)
    const waitedMs = Date.now() - started
    if (result.refused || policyVerdict(result.matrix) === 'enforced' || waitedMs >= policyProgramming.timeoutMs) return { ...result, waitedMs }
  }
}

/** Every phase in turn, each update applied before it; stops at the first probe that could not run. */
export async function probePhases(phases: readonly PhaseView<PolicyPod>[], context: ProbeContext, update: UpdateContext): Promise<PhaseOutcome> {
  const matrix: PolicyCell[] = []
  let waitedMs = 0
  for (const view of phases) {
    if (view.phase > 0) await applyPolicyUpdate(update, phases[view.phase - 1]!, view)
    const phase = await probePhase(view, context)
    matrix.push(...phase.matrix)
    waitedMs += phase.waitedMs
    if (phase.refused) return { matrix, refused: phase.refused, waitedMs }
  }
  return { matrix, refused: undefined, waitedMs }
}
