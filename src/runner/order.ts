import type { PlannedPoint, SuitePlan } from './planned.ts'

/** One thing to run in interleaved order: one repeat of a point, or a policy step on one network. */
export type Slot =
  | { kind: 'sample'; network: string; pointId: string; repeat: number; of: number }
  | { kind: 'policy'; network: string; policyId: string }

/** Repeats a point is measured in: a max-rate search is one (its probes are its own). */
export function repeatsOf(point: PlannedPoint): number {
  return point.search ? 1 : point.repeat
}

/**
 * The interleaved schedule: steps in suite order; within a step, each point's repeats alternate
 * across the networks (A#1, B#1, A#2, B#2, …) so that whatever drifts on the machine during a
 * step hits every network alike. Every network has the same points in the same order (planSuite).
 */
export function interleavedSlots(plan: SuitePlan): Slot[] {
  const [first] = plan.networks
  if (!first) return []
  const steps = [...new Set([...first.points.map((point) => point.stepIndex), ...(first.policies ?? []).map((policy) => policy.stepIndex)])].sort((a, b) => a - b)
  const slots: Slot[] = []
  for (const step of steps) {
    first.points.forEach((point, index) => {
      if (point.stepIndex !== step) return
      for (let repeat = 0; repeat < repeatsOf(point); repeat++) {
        for (const network of plan.networks) slots.push({ kind: 'sample', network: network.name, pointId: network.points[index]!.id, repeat, of: repeatsOf(point) })
      }
    })
    for (const network of plan.networks) {
      for (const policy of network.policies ?? []) if (policy.stepIndex === step) slots.push({ kind: 'policy', network: network.name, policyId: policy.id })
    }
  }
  return slots
}
