import { NetbenchError } from '../errors.ts'
import { parseExpectation, ExpectationParseError, caretLine } from '../expect/parse.ts'
import { parseBitrate, parseDuration } from '../units.ts'
import { INSTANCE_PRESETS, NETWORK_OPTIONS, type ClusterInput, type LocalClusterInput, type NetworkInput, type NetworkOptionName, type StepInput, type SuiteInput } from './schema.ts'
import type { ClusterSpec, LocalClusterSpec, NetworkOptions, NetworkSpec, Step, Suite } from './model.ts'
import { checkNetworkFields, normalizeK3sCluster, normalizeKubeCluster, placementsOf } from './remote-cluster.ts'
import { normalizePolicyStep } from './policy-step.ts'
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
  const cluster = normalizeCluster(input.cluster ?? {}, input.networks, context.file, fail)
  checkNetworkFields(input.networks, cluster.provider, fail)
  // On kube and k3s a network is whatever CNI the cluster runs: any name goes (k3s checks manifests).
  const known = cluster.provider === 'local' ? context.knownNetworks : input.networks.flatMap((entry) => typeof entry === 'string' ? [entry] : [entry.name, entry.cni ?? entry.name])
  const networkSpecs = normalizeNetworks(input.networks, known, fail)
  const networks = networkSpecs.map((spec) => spec.name)
  const steps = input.steps.flatMap((step, index) => step.policy ? [] : [normalizeStep(step, index, input.repeat ?? 1, cluster, fail)])
  const capacity = cluster.provider === 'local' ? { nodes: cluster.nodes, podsPerNode: cluster.pods ?? 2 } : null
  const policySteps = input.steps.flatMap((step, index) => step.policy ? [normalizePolicyStep(step.policy, index, capacity, fail)] : [])
  if (cluster.provider !== 'local') cluster.placements = placementsOf(steps)
  const expectations = (input.expect ?? []).map((text, index) => {
    try {
      return parseExpectation(text)
    } catch (error) {
      if (!(error instanceof ExpectationParseError)) throw error
      return fail(['expect', index], `${error.message} in "${error.text}"`, error.hint, 'EXPECTATION_SYNTAX', caretLine(error.text, error.span))
    }
  })
  return { name: input.name, file: context.file, cluster, networks, networkSpecs, steps, ...policySteps.length ? { policySteps } : {}, expectations }
}

type Fail = (path: PathSegment[], message: string, hint: string) => never

function normalizeCluster(input: ClusterInput, networks: readonly NetworkInput[], file: string, fail: Fail): ClusterSpec {
  if (input.provider === 'kube') return normalizeKubeCluster(input, networks, fail)
  if (input.provider === 'k3s') return normalizeK3sCluster(input, networks, file, fail)
  return normalizeLocalCluster(input, fail)
}

function normalizeLocalCluster(input: LocalClusterInput, fail: Fail): LocalClusterSpec {
  const nodes = input.nodes ?? 3
  const zones = input.zones ?? Math.min(3, nodes)
  if (zones > nodes) fail(['cluster', 'zones'], `${zones} zones need at least ${zones} nodes, the suite has ${nodes}`, `set nodes: ${zones} or zones: ${nodes}`)
  let bandwidthBps: number | null = null
  if (input.bandwidth !== undefined && input.bandwidth !== 'none') bandwidthBps = parseBitrate(input.bandwidth) ?? null
  else if (input.bandwidth === undefined && input.instance) bandwidthBps = INSTANCE_PRESETS[input.instance as keyof typeof INSTANCE_PRESETS]
  return { provider: 'local', nodes, zones, instance: input.instance ?? null, bandwidthBps, pods: input.pods ?? 2 }
}

/**
 * Plain names build the CNI of that name; the object form names a variant (`calico-vxlan`) of a
 * CNI with options. Names must be unique: they prefix test names and select expectations.
 */
function normalizeNetworks(entries: NetworkInput[], known: readonly string[], fail: Fail): NetworkSpec[] {
  const specs = entries.map((entry, index): NetworkSpec => {
    if (typeof entry === 'string') {
      if (!known.includes(entry)) fail(['networks', index], `unknown network '${entry}'`, `${suggestion(entry, known)}use one of ${known.join(', ')}`)
      return { name: entry, cni: entry, options: {} }
    }
    const cni = entry.cni ?? entry.name
    if (!known.includes(cni)) {
      const field = entry.cni === undefined ? 'name' : 'cni'
      fail(['networks', index, field], `unknown CNI '${cni}'`, `${suggestion(cni, known)}use one of ${known.join(', ')}${field === 'name' ? `, or name the variant and add cni: e.g. { name: '${entry.name}', cni: 'calico' }` : ''}`)
    }
    const options: NetworkOptions = {}
    for (const option of Object.keys(NETWORK_OPTIONS) as NetworkOptionName[]) {
      const value = entry[option]
      if (value === undefined) continue
      const applies: readonly string[] = NETWORK_OPTIONS[option].cnis
      if (!applies.includes(cni)) fail(['networks', index, option], `'${option}' is an option of ${applies.join(' and ')}, not of ${cni}`, `remove it, or set cni: ${applies[0]}`)
      Object.assign(options, { [option]: value })
    }
    return { name: entry.name, cni, options }
  })
  specs.forEach((spec, index) => {
    const first = specs.findIndex((other) => other.name === spec.name)
    if (first !== index) {
      const hint = typeof entries[index] === 'string' ? 'list each network once' : `give each variant its own name, e.g. '${spec.cni}-${Object.values(spec.options).join('-') || 'b'}'`
      fail(['networks', index], `network '${spec.name}' is listed twice (also networks[${first}])`, hint)
    }
  })
  return specs
}

function normalizeStep(input: StepInput, index: number, suiteRepeat: number, cluster: ClusterSpec, fail: Fail): Step {
  const kind = input.udp ? 'udp' : 'tcp'
  const body = (input.udp ?? input.tcp)!
  const path: PathSegment[] = ['steps', index, kind]
  const durationMs = parseDuration(body.duration ?? '10s')!
  if (!(durationMs > 0)) fail([...path, 'duration'], `a duration must be greater than zero`, 'write e.g. 10s')
  const omitMs = body.omit === undefined ? 0 : parseDuration(body.omit)!
  if (omitMs >= durationMs) fail([...path, 'omit'], `omit (${omitMs} ms) leaves nothing of the ${durationMs} ms duration`, 'make omit shorter than duration')
  // kube: zones are whatever the nodes' labels say, known only once connected (checked then).
  const zones = cluster.provider === 'kube' ? null : cluster.zones
  const between = body.between ?? (zones !== null && zones > 1 ? 'zones' : 'nodes')
  if (between === 'zones' && zones !== null && zones < 2) fail([...path, 'between'], `between: zones needs at least 2 zones, the cluster has ${zones}`, 'set cluster.zones: 2 or more, or between: nodes')
  if (cluster.provider === 'local' && body.endpoint !== 'host' && between === 'same-node' && (cluster.pods ?? 2) < 2) fail([...path, 'between'], 'between: same-node needs 2 pods per node, the cluster has 1', 'set cluster.pods: 2 or more')
  if (body.endpoint === 'host' && between === 'same-node') fail([...path, 'between'], 'between: same-node with endpoint: host measures a node with itself', 'use between: nodes or zones for endpoint: host')
  const common = { index, durationMs, omitMs, between, ...(body.endpoint === 'host' ? { endpoint: 'host' as const } : {}), repeat: body.repeat ?? suiteRepeat }
  if (input.udp) {
    return { kind: 'udp', ...common, bitratesBps: input.udp.bitrates.map((text) => parseBitrate(text)!) }
  }
  return { kind: 'tcp', ...common, streams: input.tcp?.streams ?? 1 }
}

function suggestion(word: string, candidates: readonly string[]): string {
  const match = nearest(word, candidates)
  return match ? `did you mean '${match}'? ` : ''
}
