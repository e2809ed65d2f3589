import { afterAll, describe, test } from 'vitest'
import { evaluate } from '../expect/evaluate.ts'
import { evaluatePolicy, evaluateSetupTime } from '../expect/network-checks.ts'
import { isNetbenchError } from '../errors.ts'
import type { PlannedCheck, SuitePlan } from './planned.ts'
import type { Verdict } from '../results/types.ts'
import type { RunContext } from './context.ts'
import { appendEvent } from './events.ts'
import { SuiteSession } from './session.ts'

/** Long enough for the slowest sweep; a hung probe is ended by its own timeout first. */
const NO_TIMEOUT = 24 * 3600 * 1000

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) groups.set(key(item), [...groups.get(key(item)) ?? [], item])
  return groups
}

/**
 * Judges one check against what it reads, measuring it first if need be. A network that failed to
 * install, or a reference point that was never measured, is judged as such (an error verdict).
 */
async function judgeCheck(check: PlannedCheck, session: SuiteSession): Promise<Verdict> {
  if (check.target?.kind === 'policy') return evaluatePolicy(check.expectation, await session.policy(check.pointId))
  if (check.target?.kind === 'setup') {
    const name = check.network
    const network = await session.network(name).then(
      ({ setupMs }) => ({ name, status: 'ok' as const, error: null, setupMs }),
      (error: unknown) => ({ name, status: 'error' as const, error: isNetbenchError(error) ? error.oneLine : String(error), setupMs: null }))
    return evaluateSetupTime(check.expectation, network)
  }
  const point = await session.point(check.pointId)
  const reference = check.referencePointId ? await session.point(check.referencePointId).catch(() => null) : null
  return evaluate(check.expectation, point, reference, check.baseline)
}

/**
 * Registers a planned suite as Vitest tests:
 *   describe(suite) › describe(network) › [measure] + describe(point) › test(expectation)
 * Each network's first test measures all its points in order; an expectation then only reads its
 * point. Expectations comparing two networks come last, when both have been measured.
 */
export function registerSuite(plan: SuitePlan, context: RunContext): void {
  const session = new SuiteSession(plan, context)
  const file = plan.suite.file
  const pointLabel = new Map(plan.networks.flatMap((network) => network.points.map((point) => [point.id, point.label] as const)))

  const registerChecks = (checks: readonly PlannedCheck[]) => {
    for (const [pointId, group] of groupBy(checks, (check) => check.pointId)) {
      describe(pointLabel.get(pointId) ?? group[0]?.target?.kind ?? pointId, () => {
        for (const check of group) {
          test(check.label, { timeout: NO_TIMEOUT, meta: { netbench: { kind: 'check', file, checkId: check.id } } }, async () => {
            // Judged here only: the result is assembled from this event, not judged again.
            const verdict = await judgeCheck(check, session)
            appendEvent(context.eventsFile, { type: 'verdict', file, checkId: check.id, verdict })
            if (verdict.status !== 'passed') throw new Error(verdict.message)
          })
        }
      })
    }
  }

  describe(plan.suite.name, () => {
    afterAll(() => session.dispose(), NO_TIMEOUT)
    const crossNetwork = plan.checks.filter((check) => check.referencePointId !== null)
    const interleaved = plan.suite.order === 'interleaved'
    // Interleaved: one test measures every network, their repeats alternating; checks follow.
    if (interleaved) {
      const networks = plan.networks.map((network) => network.name).join(', ')
      test('measure (interleaved)', { timeout: NO_TIMEOUT, meta: { netbench: { kind: 'measure', file, network: networks } } }, () => session.measureInterleaved())
    }
    for (const network of plan.networks) {
      describe(network.name, () => {
        if (!interleaved) test('measure', { timeout: NO_TIMEOUT, meta: { netbench: { kind: 'measure', file, network: network.name } } }, () => session.measureNetwork(network.name))
        registerChecks(plan.checks.filter((check) => check.network === network.name && check.referencePointId === null))
        afterAll(() => session.releaseNetwork(network.name), NO_TIMEOUT)
      })
    }
    for (const [network, checks] of groupBy(crossNetwork, (check) => check.network)) {
      describe(network, () => registerChecks(checks))
    }
  })
}
