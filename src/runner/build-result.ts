import type { PlannedCheck, SuitePlan } from './planned.ts'
import { compareRuns, DEFAULT_TOLERANCE } from '../results/compare.ts'
import type { RunEvent } from '../results/events.ts'
import type { LoadedResult } from '../results/load-result.ts'
import type { PolicyResult } from '../results/policy.ts'
import { SCHEMA_VERSION, type Environment, type ExpectationResult, type NetworkResult, type PointResult, type RunResult, type SuiteResult, type Verdict } from '../results/types.ts'

/** How Vitest ended one test, as the collector saw it. */
export interface TestOutcome {
  file: string
  /** Set for planned expectations; absent for imperative tests. */
  checkId?: string
  name: string
  /** The describe blocks the test sits in, outermost first. */
  describes?: readonly string[]
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

/**
 * A planned expectation as the worker judged it (its `verdict` event). Without a verdict the test
 * broke before it could judge (e.g. the network failed to install), which is an error.
 */
function expectationResult(check: PlannedCheck, pointLabel: string, outcome: TestOutcome | undefined, verdict: Verdict | undefined, fileError: string | undefined): ExpectationResult {
  const base = { text: check.expectation.text, name: check.name, network: check.network, point: check.pointId, pointLabel }
  if (!outcome || outcome.state === 'skipped') {
    return { ...base, status: 'skipped', actual: null, expected: null, unit: null, message: fileError ?? 'not run', needed: null }
  }
  if (!verdict) return { ...base, status: 'error', actual: null, expected: null, unit: null, message: outcome.error ?? fileError ?? 'the point was not measured', needed: null }
  const figures = { actual: verdict.actual, expected: verdict.expected, unit: verdict.unit }
  // Vitest's verdict wins when the test itself broke after judging.
  if (outcome.state === 'failed' && verdict.status === 'passed') return { ...base, status: 'error', ...figures, message: outcome.error, needed: null }
  return { ...base, status: verdict.status, ...figures, message: verdict.message, needed: verdict.needed ?? null }
}

/** What each check is grouped under: its point's or policy step's label, `setup` for setup-time. */
function pointLabels(plan: SuitePlan): Map<string, string> {
  return new Map(plan.networks.flatMap((network) => [...network.points, ...network.policies ?? []].map((point) => [point.id, point.label] as const)))
}

function suiteStatus(expectations: readonly ExpectationResult[], networks: readonly NetworkResult[], fileError: string | undefined, policies: readonly PolicyResult[] = []): SuiteResult['status'] {
  // A policy step whose probe could not run is an environment problem even when no expectation reads it.
  if (fileError || networks.some((network) => network.status === 'error') || expectations.some((e) => e.status === 'error') || policies.some((policy) => policy.status === 'error')) return 'error'
  if (expectations.some((e) => e.status === 'failed')) return 'failed'
  if (expectations.length && expectations.every((e) => e.status === 'skipped')) return 'skipped'
  return 'passed'
}

/** A planned suite: its points, networks and policy steps from the events, its expectations from the verdicts. */
function plannedSuite(plan: SuitePlan, input: BuildInput): SuiteResult {
  const file = plan.suite.file
  const points = new Map<string, PointResult>()
  const networks: NetworkResult[] = []
  const policies: PolicyResult[] = []
  const verdicts = new Map<string, Verdict>()
  let cluster: Record<string, unknown> | null = null
  for (const event of input.events) {
    if (event.file !== file) continue
    if (event.type === 'point') points.set(event.point.id, event.point)
    if (event.type === 'network') networks.push(event.network)
    if (event.type === 'policy') policies.push(event.policy)
    if (event.type === 'verdict') verdicts.set(event.checkId, event.verdict)
    if (event.type === 'suite-start') cluster = event.cluster
  }
  const outcomes = new Map(input.outcomes.filter((o) => o.file === file && o.checkId).map((o) => [o.checkId!, o]))
  const fileError = input.fileErrors.get(file)
  const labels = pointLabels(plan)
  const expectations = plan.checks.map((check) => expectationResult(check, labels.get(check.pointId) ?? 'setup', outcomes.get(check.id), verdicts.get(check.id), fileError))
  return {
    name: plan.suite.name, file, status: suiteStatus(expectations, networks, fileError, policies), cluster, networks,
    points: [...points.values()], expectations, ...policies.length ? { policies } : {}, order: plan.suite.order ?? 'sequential',
  }
}

/** An imperative file: one expectation per test as Vitest ended it, points and networks as its lab reported them. */
function imperativeSuite(file: string, input: BuildInput): SuiteResult {
  const title = input.titles?.get(file) ?? file
  const expectations: ExpectationResult[] = input.outcomes.filter((outcome) => outcome.file === file).map((outcome) => {
    // Under the file's one describe, a test is named without it: the title says it once.
    const underTitle = outcome.name.startsWith(`${title} › `)
    const name = underTitle ? outcome.name.slice(title.length + 3) : outcome.name
    const describes = underTitle ? outcome.describes?.slice(1) : outcome.describes
    return {
      text: name, name, network: null, point: null, pointLabel: describes?.at(-1) ?? null,
      status: outcome.state, actual: null, expected: null, unit: null, message: outcome.error, needed: null,
    }
  })
  const ofFile = input.events.filter((event) => event.file === file)
  const points = ofFile.flatMap((event) => event.type === 'point' ? [event.point] : [])
  // A network installed again (for a new placement) is listed once, as it was last.
  const networks = [...new Map(ofFile.flatMap((event) => event.type === 'network' ? [[event.network.name, event.network] as const] : [])).values()]
  const cluster = ofFile.find((event) => event.type === 'cluster')?.cluster ?? null
  const fileError = input.fileErrors.get(file)
  // An error of the file itself (it failed to import, a hook failed) is reported as an entry of
  // its own unless a test already carries it: else an imperative file could fail silently.
  if (fileError && !expectations.some((expectation) => expectation.message === fileError)) {
    expectations.push(errorEntry('the file', fileError))
  }
  return { name: title, file, status: suiteStatus(expectations, networks, fileError), cluster, networks, points, expectations }
}

function errorEntry(text: string, message: string): ExpectationResult {
  return { text, name: text, network: null, point: null, pointLabel: null, status: 'error', actual: null, expected: null, unit: null, message, needed: null }
}

/** Joins the plan, what the workers measured and judged, and how Vitest ended each test into the result. */
export function buildRunResult(input: BuildInput): RunResult {
  const suites = [...input.plans.map((plan) => plannedSuite(plan, input)), ...input.imperativeFiles.map((file) => imperativeSuite(file, input))]
  // An error thrown where no test could catch it still means the run cannot be trusted: it fails
  // the run and shows in every report, as errors of their own entry.
  if (input.unhandled?.length) {
    suites.push({
      name: 'Errors outside any test', file: 'vitest', status: 'error', cluster: null, networks: [], points: [],
      expectations: input.unhandled.map((message) => errorEntry('unhandled error', message)),
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
