import { evaluate } from '../expect/evaluate.ts'
import { networkCheckResult } from '../expect/network-checks.ts'
import type { PolicyResult } from './policy.ts'
import type { SuitePlan } from '../plan/plan.ts'
import type { RunEvent } from '../runner/events.ts'
import { compareRuns, DEFAULT_TOLERANCE } from './compare.ts'
import type { LoadedResult } from './load-result.ts'
import { SCHEMA_VERSION, type Environment, type ExpectationResult, type NetworkResult, type PointResult, type RunResult, type SuiteResult } from './types.ts'

/** How Vitest ended one test, as the collector saw it. */
export interface TestOutcome {
  file: string
  /** Set for planned expectations; absent for imperative tests. */
  checkId?: string
  name: string
  state: 'passed' | 'failed' | 'skipped'
  error: string | null
}

export interface BuildInput {
  runId: string
  startedAt: Date
  environment: Environment
  plans: SuitePlan[]
  /** Files that have no plan (imperative suites). */
  imperativeFiles: string[]
  /** An imperative file's title (its one top-level describe, else its path); the file path when absent. */
  titles?: ReadonlyMap<string, string>
  events: RunEvent[]
  outcomes: TestOutcome[]
  /** Errors Vitest reported for a whole file (import failure, hook failure). */
  fileErrors: Map<string, string>
  interrupted: boolean
  /** Errors Vitest reported outside any test (a rejection nobody awaited, an error in a timer). */
  unhandled?: readonly string[]
  /** `--baseline`: every point is compared with it (RunResult.baseline). */
  baseline?: LoadedResult
}

function checkResult(plan: SuitePlan, checkId: string, outcome: TestOutcome | undefined, points: Map<string, PointResult>, fileError: string | undefined): ExpectationResult {
  const check = plan.checks.find((candidate) => candidate.id === checkId)!
  const base = { text: check.expectation.text, name: check.name, network: check.network, point: check.pointId }
  if (!outcome || outcome.state === 'skipped') {
    return { ...base, status: 'skipped', actual: null, expected: null, unit: null, message: fileError ?? 'not run' }
  }
  const point = points.get(check.pointId)
  const reference = check.referencePointId ? points.get(check.referencePointId) ?? null : null
  if (!point) return { ...base, status: 'error', actual: null, expected: null, unit: null, message: outcome.error ?? fileError ?? 'the point was not measured' }
  const verdict = evaluate(check.expectation, point, reference, check.baseline)
  // Vitest's verdict wins when the test itself broke (e.g. the network failed to install).
  if (outcome.state === 'failed' && verdict.status === 'passed') {
    return { ...base, status: 'error', actual: verdict.actual, expected: verdict.expected, unit: verdict.unit, message: outcome.error }
  }
  return { ...base, status: verdict.status, actual: verdict.actual, expected: verdict.expected, unit: verdict.unit, message: verdict.message }
}

function suiteStatus(expectations: readonly ExpectationResult[], networks: readonly NetworkResult[], fileError: string | undefined, policies: readonly PolicyResult[] = []): SuiteResult['status'] {
  // A policy step whose probe could not run is an environment problem even when no expectation reads it.
  if (fileError || networks.some((network) => network.status === 'error') || expectations.some((e) => e.status === 'error') || policies.some((policy) => policy.status === 'error')) return 'error'
  if (expectations.some((e) => e.status === 'failed')) return 'failed'
  if (expectations.length && expectations.every((e) => e.status === 'skipped')) return 'skipped'
  return 'passed'
}

/** Joins the plan, what the workers measured and how Vitest ended each test into the result. */
export function buildRunResult(input: BuildInput): RunResult {
  const suites: SuiteResult[] = []
  const outcomesOf = (file: string) => input.outcomes.filter((outcome) => outcome.file === file)
  for (const plan of input.plans) {
    const file = plan.suite.file
    const points = new Map<string, PointResult>()
    const networks: NetworkResult[] = []
    const policies: PolicyResult[] = []
    let cluster: Record<string, unknown> | null = null
    for (const event of input.events) {
      if (event.file !== file) continue
      if (event.type === 'point') points.set(event.point.id, event.point)
      if (event.type === 'network') networks.push(event.network)
      if (event.type === 'policy') policies.push(event.policy)
      if (event.type === 'suite-start') cluster = event.cluster
    }
    const outcomes = new Map(outcomesOf(file).filter((o) => o.checkId).map((o) => [o.checkId!, o]))
    const fileError = input.fileErrors.get(file)
    const expectations = plan.checks.map((check) => check.target
      ? networkCheckResult(check, outcomes.get(check.id), networks, fileError, policies)
      : checkResult(plan, check.id, outcomes.get(check.id), points, fileError))
    suites.push({
      name: plan.suite.name, file, status: suiteStatus(expectations, networks, fileError, policies), cluster, networks,
      points: [...points.values()], expectations, ...policies.length ? { policies } : {}, order: plan.suite.order ?? 'sequential',
    })
  }
  for (const file of input.imperativeFiles) {
    const title = input.titles?.get(file) ?? file
    // Under the file's one describe, a test is named without it: the title says it once.
    const name = (full: string) => full.startsWith(`${title} › `) ? full.slice(title.length + 3) : full
    const expectations: ExpectationResult[] = outcomesOf(file).map((outcome) => ({
      text: name(outcome.name), name: name(outcome.name), network: null, point: null,
      status: outcome.state, actual: null, expected: null, unit: null, message: outcome.error,
    }))
    const ofFile = input.events.filter((event) => event.file === file)
    const points = ofFile.flatMap((event) => event.type === 'point' ? [event.point] : [])
    // A network installed again (for a new placement) is listed once, as it was last.
    const networks = [...new Map(ofFile.flatMap((event) => event.type === 'network' ? [[event.network.name, event.network] as const] : [])).values()]
    const cluster = ofFile.find((event) => event.type === 'cluster')?.cluster ?? null
    const fileError = input.fileErrors.get(file)
    // An error of the file itself (it failed to import, a hook failed) is reported as an entry of
    // its own unless a test already carries it: else an imperative file could fail silently.
    if (fileError && !expectations.some((expectation) => expectation.message === fileError)) {
      expectations.push({ text: 'the file', name: 'the file', network: null, point: null, status: 'error', actual: null, expected: null, unit: null, message: fileError })
    }
    suites.push({ name: title, file, status: suiteStatus(expectations, networks, fileError), cluster, networks, points, expectations })
  }
  // An error thrown where no test could catch it still means the run cannot be trusted: it fails
  // the run and shows in every report, as errors of their own entry.
  if (input.unhandled?.length) {
    suites.push({
      name: 'Errors outside any test', file: 'vitest', status: 'error', cluster: null, networks: [], points: [],
      expectations: input.unhandled.map((message) => ({
        text: 'unhandled error', name: 'unhandled error', network: null, point: null,
        status: 'error' as const, actual: null, expected: null, unit: null, message,
      })),
    })
  }
  const statuses = suites.map((suite) => suite.status)
  const status: RunResult['status'] = input.interrupted ? 'interrupted'
    : statuses.includes('error') ? 'error' : statuses.includes('failed') ? 'failed' : 'passed'
  const result: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    runId: input.runId,
    startedAt: input.startedAt.toISOString(),
    durationMs: Date.now() - input.startedAt.getTime(),
    status,
    environment: input.environment,
    suites,
  }
  if (input.baseline) result.baseline = compareRuns(input.baseline.result, result, DEFAULT_TOLERANCE, { baseline: input.baseline.file })
  return result
}
