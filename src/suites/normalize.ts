import { NetbenchError } from '../errors.ts'
import { parseExpectation, ExpectationParseError, caretLine } from '../expect/parse.ts'
import { parsePercent } from '../units.ts'
import { clip, visibleLine } from '../text.ts'
import { checkedBitrate, checkedDuration } from './quantities.ts'
import type { ClusterInput, LocalClusterInput, NetworkInput, StepInput, SuiteInput } from './schema.ts'
import { INSTANCE_PRESETS, NETWORK_OPTIONS, type NetworkOptionName } from './presets.ts'
import type { Between, ClusterSpec, LocalClusterSpec, NetworkOptions, NetworkSpec, Step, Suite, UdpStep, Via } from '../model.ts'
import { checkNetworkFields, normalizeK3sCluster, normalizeKubeCluster, placementsOf } from './remote-cluster.ts'
import { normalizeConditions, normalizeFaults } from './conditions.ts'
import { normalizePolicyStep } from './policy-step.ts'
import { placeOf, type Locator, type PathSegment } from './validate.ts'
import { nearest } from '../expect/tokens.ts'
import { nodesForPairs, pairsNeed } from '../node-pairs.ts'

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
  else {
    const vias = [...new Set(steps.flatMap((step) => step.via && step.via !== 'pod' ? [step.via] : []))]
    if (vias.length) cluster.vias = vias
  }
  if (steps.some((step) => step.kind === 'latency' && step.protocol)) cluster.programs = ['sockperf']
  if (cluster.provider === 'kube' && policySteps.length) cluster.networkPolicies = true
  const expectations = (input.expect ?? []).map((text, index) => {
    try {
      return parseExpectation(text)
    } catch (error) {
      if (!(error instanceof ExpectationParseError)) throw error
      return fail(['expect', index], `${error.message} in "${clip(visibleLine(error.text), 80)}"`, error.hint, 'EXPECTATION_SYNTAX', caretLine(error.text, error.span))
    }
  })
  const faults = normalizeFaults(input.faults ?? [], input.steps.length, cluster.provider === 'local' ? cluster.nodes : null, fail)
  const order = input.order ?? 'sequential'
  // A fault spans one network's step; with networks alternating it would hit whichever runs then.
  if (order === 'interleaved' && faults.length) fail(['order'], "order: 'interleaved' alternates networks within a step, so a fault would hit whichever network runs then", "use order: 'sequential' with faults")
  return { name: input.name, file: context.file, cluster, networks, networkSpecs, steps, ...policySteps.length ? { policySteps } : {}, ...faults.length ? { faults } : {}, order, expectations }
}

type Fail = (path: PathSegment[], message: string, hint: string) => never

function normalizeCluster(input: ClusterInput, networks: readonly NetworkInput[], file: string, fail: Fail): ClusterSpec {
  if (input.provider === 'kube') return normalizeKubeCluster(input, networks, fail)
  if (input.provider === 'k3s') return normalizeK3sCluster(input, networks, file, fail)
  return normalizeLocalCluster(input, fail)
}

function normalizeLocalCluster(input: LocalClusterInput, fail: Fail): LocalClusterSpec {
  const groupNodes = input.groups?.reduce((sum, group) => sum + group.nodes, 0)
  if (groupNodes !== undefined && input.nodes !== undefined && groupNodes !== input.nodes) {
    fail(['cluster', 'groups'], `the node groups add up to ${groupNodes} nodes, cluster.nodes says ${input.nodes}`, `set nodes: ${groupNodes} or resize the groups`)
  }
  const nodes = input.nodes ?? groupNodes ?? 3
  const zones = input.zones ?? Math.min(3, nodes)
  if (zones > nodes) fail(['cluster', 'zones'], `${zones} zones need at least ${zones} nodes, the suite has ${nodes}`, `set nodes: ${zones} or zones: ${nodes}`)
  let bandwidthBps: number | null = null
  if (input.bandwidth !== undefined && input.bandwidth !== 'none') bandwidthBps = checkedBitrate(input.bandwidth, ['cluster', 'bandwidth'], fail)
  else if (input.bandwidth === undefined && input.instance) bandwidthBps = INSTANCE_PRESETS[input.instance as keyof typeof INSTANCE_PRESETS]
  const spec: LocalClusterSpec = { provider: 'local', nodes, zones, instance: input.instance ?? null, bandwidthBps, pods: input.pods ?? 2 }
  return { ...spec, ...normalizeConditions(input, spec, fail) }
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

const SEARCH_DEFAULTS = { from: '10M', to: '10G', resolution: '5%', loss: '<= 0.5%' }
const LATENCY_DEFAULTS = { count: 200, intervalMs: 10, duration: '2s' }

/**
 * ping paces `count` echo requests every `interval`; sockperf (tcp, udp) sends back to back for a
 * `duration` of whole seconds (its `-t`). Each rejects the other's fields.
 */
function latencyDuration(latency: NonNullable<StepInput['latency']>, path: PathSegment[], fail: Fail): number {
  const protocol = latency.protocol ?? 'icmp'
  if (protocol !== 'icmp') {
    const paced = (['count', 'interval'] as const).find((field) => latency[field] !== undefined)
    if (paced) fail([...path, paced], `${paced} paces ping; protocol: ${protocol} sends request after request for a duration`, `remove ${paced} and set duration, e.g. duration: 2s`)
    const durationMs = checkedDuration(latency.duration ?? LATENCY_DEFAULTS.duration, [...path, 'duration'], fail)
    if (!Number.isInteger(durationMs / 1000)) fail([...path, 'duration'], `sockperf runs whole seconds, not ${durationMs} ms`, 'use 1s, 2s, …')
    return durationMs
  }
  if (latency.duration !== undefined) fail([...path, 'duration'], 'a ping latency step runs count × interval', "remove duration, or set protocol: 'tcp' or 'udp' for request/response round trips")
  const intervalMs = latency.interval === undefined ? LATENCY_DEFAULTS.intervalMs : checkedDuration(latency.interval, [...path, 'interval'], fail)
  if (!(intervalMs >= 2)) fail([...path, 'interval'], `an interval of ${intervalMs} ms is too short for ping`, 'use 2ms or more, e.g. 10ms')
  return (latency.count ?? LATENCY_DEFAULTS.count) * intervalMs
}

function normalizeStep(input: StepInput, index: number, suiteRepeat: number, cluster: ClusterSpec, fail: Fail): Step {
  const kind = input.udp ? 'udp' : input.tcp ? 'tcp' : 'latency'
  const body = (input.udp ?? input.tcp ?? input.latency)!
  const path: PathSegment[] = ['steps', index, kind]
  let durationMs: number
  let omitMs = 0
  if (input.latency) {
    durationMs = latencyDuration(input.latency, path, fail)
  } else {
    const probe = (input.udp ?? input.tcp)!
    durationMs = checkedDuration(probe.duration ?? '10s', [...path, 'duration'], fail)
    omitMs = probe.omit === undefined ? 0 : checkedDuration(probe.omit, [...path, 'omit'], fail)
    if (omitMs >= durationMs) fail([...path, 'omit'], `omit (${omitMs} ms) leaves nothing of the ${durationMs} ms duration`, 'make omit shorter than duration')
  }
  // kube: zones are whatever the nodes' labels say, known only once connected (checked then).
  const zones = cluster.provider === 'kube' ? null : cluster.zones
  const between = body.between ?? (zones !== null && zones > 1 ? 'zones' : 'nodes')
  if (between === 'zones' && zones !== null && zones < 2) fail([...path, 'between'], `between: zones needs at least 2 zones, the cluster has ${zones}`, 'set cluster.zones: 2 or more, or between: nodes')
  if (cluster.provider === 'local' && body.endpoint !== 'host' && between === 'same-node' && (cluster.pods ?? 2) < 2) fail([...path, 'between'], 'between: same-node needs 2 pods per node, the cluster has 1', 'set cluster.pods: 2 or more')
  if (body.endpoint === 'host' && between === 'same-node') fail([...path, 'between'], 'between: same-node with endpoint: host measures a node with itself', 'use between: nodes or zones for endpoint: host')
  const via = checkedVia(input, body, path, fail)
  const common = { index, durationMs, omitMs, between, ...(body.endpoint === 'host' ? { endpoint: 'host' as const } : {}), ...via ? { via } : {}, repeat: body.repeat ?? suiteRepeat }
  if (input.latency) {
    const load = input.latency.underLoad
    const underLoad = load === undefined ? null : load === 'tcp' ? { kind: 'tcp' as const } : { kind: 'udp' as const, bitrateBps: checkedBitrate(load, [...path, 'underLoad'], fail) }
    const protocol = input.latency.protocol === undefined || input.latency.protocol === 'icmp' ? {} : { protocol: input.latency.protocol }
    return { kind: 'latency', ...common, count: input.latency.count ?? LATENCY_DEFAULTS.count, intervalMs: durationMs / (input.latency.count ?? LATENCY_DEFAULTS.count), underLoad, ...protocol }
  }
  const pairs = checkedPairs((input.udp ?? input.tcp)?.pairs, between, cluster, [...path, 'pairs'], fail)
  // Each pair would need its own Service in front of its own server: pairs measure pod paths.
  if (pairs && via) fail([...path, 'pairs'], `pairs measure pod paths at once; via: ${via} measures one client through a Service`, 'remove pairs, or put the Service path in a step of its own')
  if (input.udp) {
    const rates = udpRates(input.udp, path, fail)
    if (rates.search && pairs) fail([...path, 'pairs'], "find: 'max' searches one pair's rate; it cannot search with several pairs", "remove pairs, or use fixed bitrates with pairs")
    return { kind: 'udp', ...common, ...rates, ...pairs ? { pairs } : {} }
  }
  const streams = input.tcp?.streams ?? 1
  if (input.tcp?.reverse && input.tcp.bidir) fail([...path, 'bidir'], 'reverse and bidir exclude each other', 'keep one: reverse (server sends) or bidir (both directions)')
  return { kind: 'tcp', ...common, streams: Array.isArray(streams) ? streams : [streams], reverse: input.tcp?.reverse ?? false, bidir: input.tcp?.bidir ?? false, ...pairs ? { pairs } : {} }
}

/**
 * `pairs` above 1 (1 and absent: undefined, a step's plain pair). Where the cluster's node count
 * is in the suite (local, k3s) it must hold the pairs' distinct nodes; kube checks once connected.
 */
function checkedPairs(pairs: number | undefined, between: Between, cluster: ClusterSpec, path: PathSegment[], fail: Fail): number | undefined {
  if (pairs === undefined || pairs === 1) return undefined
  if (cluster.provider === 'kube') return pairs
  const needed = nodesForPairs(between, pairs)
  if (needed > cluster.nodes) {
    const fits = Math.floor(cluster.nodes / (needed / pairs))
    fail(path, `${pairsNeed(between, pairs)}; cluster.nodes is ${cluster.nodes}`, `set cluster.nodes: ${needed}${fits >= 1 ? ` or pairs: ${fits}` : ''}`)
  }
  return pairs
}

/**
 * A Service path (absent for the pod path). Its client is a pod: a node's own stack reaches a
 * Service too, but `endpoint: host` measures the nodes, with no pod behind a Service to select.
 * ICMP echo is never translated by kube-proxy (its Services are TCP, UDP or SCTP ports), so ping
 * cannot take a Service path; sockperf's request/response round trips can.
 */
function checkedVia(input: StepInput, body: { endpoint?: string; via?: Via }, path: PathSegment[], fail: Fail): Exclude<Via, 'pod'> | undefined {
  if (body.via === undefined || body.via === 'pod') return undefined
  if (body.endpoint === 'host') fail([...path, 'via'], `via: ${body.via} reaches a pod through a Service; endpoint: host measures the nodes themselves`, 'remove via, or remove endpoint: host')
  if (input.latency && (input.latency.protocol ?? 'icmp') === 'icmp') {
    fail([...path, 'via'], `via: ${body.via} goes through a Service, which translates TCP and UDP ports, never ping's ICMP echo`, "set protocol: 'tcp' (or 'udp') for request/response round trips through the Service")
  }
  return body.via
}

/** Fixed rates, or the bounds of a max-rate search; exactly one of the two. */
function udpRates(udp: NonNullable<StepInput['udp']>, path: PathSegment[], fail: Fail): Pick<UdpStep, 'bitratesBps' | 'search'> {
  const searchFields = (['loss', 'from', 'to', 'resolution'] as const).filter((field) => udp[field] !== undefined)
  if (udp.find !== 'max') {
    if (searchFields.length) fail([...path, searchFields[0]!], `'${searchFields[0]}' belongs to a max-rate search`, "add find: 'max', or remove it")
    if (!udp.bitrates) fail(path, 'a udp step needs bitrates or a search', "add bitrates: [10M, 100M] or find: 'max'")
    return { bitratesBps: udp.bitrates!.map((text, index) => checkedBitrate(text, [...path, 'bitrates', index], fail)), search: null }
  }
  if (udp.bitrates) fail([...path, 'bitrates'], "a search step finds its own rates", "remove bitrates, or remove find: 'max'")
  const fromBps = checkedBitrate(udp.from ?? SEARCH_DEFAULTS.from, [...path, 'from'], fail)
  const toBps = checkedBitrate(udp.to ?? SEARCH_DEFAULTS.to, [...path, 'to'], fail)
  if (toBps <= fromBps) fail([...path, 'to'], `the search range is empty: to (${udp.to}) must be above from (${udp.from ?? SEARCH_DEFAULTS.from})`, 'raise to or lower from')
  const resolution = parsePercent(udp.resolution ?? SEARCH_DEFAULTS.resolution)! / 100
  if (!(resolution > 0)) fail([...path, 'resolution'], 'a resolution of 0% never ends', 'use e.g. 5%')
  const lossBoundPercent = parsePercent((udp.loss ?? SEARCH_DEFAULTS.loss).replace(/^<=?\s*/, ''))!
  return { bitratesBps: [], search: { fromBps, toBps, resolution, lossBoundPercent } }
}

function suggestion(word: string, candidates: readonly string[]): string {
  const match = nearest(word, candidates)
  return match ? `did you mean '${match}'? ` : ''
}
