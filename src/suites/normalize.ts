import { NetbenchError } from '../errors.ts'
import { parseExpectation, ExpectationParseError, caretLine } from '../expect/parse.ts'
import { parseBitrate, parseDuration } from '../units.ts'
import { INSTANCE_PRESETS, type ClusterInput, type StepInput, type SuiteInput } from './schema.ts'
import type { ClusterSpec, Step, Suite } from './model.ts'
import { placeOf, type Locator, type PathSegment } from './validate.ts'
import { nearest } from '../expect/tokens.ts'

export interface NormalizeContext {
  file: string
  locate?: Locator
  /** Networks the provider can build. */
  knownNetworks: readonly string[]
}

/** Turns a shape-valid suite into the typed model, catching what a schema cannot express. */
export function normalizeSuite(input: SuiteInput, context: NormalizeContext): Suite {
  const fail = (path: PathSegment[], message: string, hint: string, code: 'SUITE_INVALID' | 'EXPECTATION_SYNTAX' = 'SUITE_INVALID', detail?: string): never => {
    throw new NetbenchError(code, `${placeOf(context.file, path, context.locate)}: ${message}`, { hint, detail })
  }
  const cluster = normalizeCluster(input.cluster ?? {}, fail)
  const networks = normalizeNetworks(input.networks, context.knownNetworks, fail)
  const steps = input.steps.map((step, index) => normalizeStep(step, index, input.repeat ?? 1, cluster, fail))
  const expectations = (input.expect ?? []).map((text, index) => {
    try {
      return parseExpectation(text)
    } catch (error) {
      if (!(error instanceof ExpectationParseError)) throw error
      return fail(['expect', index], `${error.message} in "${error.text}"`, error.hint, 'EXPECTATION_SYNTAX', caretLine(error.text, error.span))
    }
  })
  return { name: input.name, file: context.file, cluster, networks, steps, expectations }
}

type Fail = (path: PathSegment[], message: string, hint: string) => never

function normalizeCluster(input: ClusterInput, fail: Fail): ClusterSpec {
  const nodes = input.nodes ?? 3
  const zones = input.zones ?? Math.min(3, nodes)
  if (zones > nodes) fail(['cluster', 'zones'], `${zones} zones need at least ${zones} nodes, the suite has ${nodes}`, `set nodes: ${zones} or zones: ${nodes}`)
  let bandwidthBps: number | null = null
  if (input.bandwidth !== undefined && input.bandwidth !== 'none') bandwidthBps = parseBitrate(input.bandwidth) ?? null
  else if (input.bandwidth === undefined && input.instance) bandwidthBps = INSTANCE_PRESETS[input.instance as keyof typeof INSTANCE_PRESETS]
  return { provider: 'local', nodes, zones, instance: input.instance ?? null, bandwidthBps }
}

function normalizeNetworks(names: string[], known: readonly string[], fail: Fail): string[] {
  names.forEach((name, index) => {
    if (!known.includes(name)) {
      fail(['networks', index], `unknown network '${name}'`, `${suggestion(name, known)}use one of ${known.join(', ')}`)
    }
    const first = names.indexOf(name)
    if (first !== index) fail(['networks', index], `network '${name}' is listed twice (also networks[${first}])`, 'list each network once')
  })
  return [...names]
}

function normalizeStep(input: StepInput, index: number, suiteRepeat: number, cluster: ClusterSpec, fail: Fail): Step {
  const kind = input.udp ? 'udp' : 'tcp'
  const body = (input.udp ?? input.tcp)!
  const path: PathSegment[] = ['steps', index, kind]
  const durationMs = parseDuration(body.duration ?? '10s')!
  if (!(durationMs > 0)) fail([...path, 'duration'], `a duration must be greater than zero`, 'write e.g. 10s')
  const omitMs = body.omit === undefined ? 0 : parseDuration(body.omit)!
  if (omitMs >= durationMs) fail([...path, 'omit'], `omit (${omitMs} ms) leaves nothing of the ${durationMs} ms duration`, 'make omit shorter than duration')
  const between = body.between ?? (cluster.zones > 1 ? 'zones' : 'nodes')
  if (between === 'zones' && cluster.zones < 2) fail([...path, 'between'], `between: zones needs at least 2 zones, the cluster has ${cluster.zones}`, 'set cluster.zones: 2 or more, or between: nodes')
  const common = { index, durationMs, omitMs, between, repeat: body.repeat ?? suiteRepeat }
  if (input.udp) {
    return { kind: 'udp', ...common, bitratesBps: input.udp.bitrates.map((text) => parseBitrate(text)!) }
  }
  return { kind: 'tcp', ...common, streams: input.tcp?.streams ?? 1 }
}

function suggestion(word: string, candidates: readonly string[]): string {
  const match = nearest(word, candidates)
  return match ? `did you mean '${match}'? ` : ''
}
