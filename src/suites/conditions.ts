import { parseDuration, parsePercent } from '../units.ts'
import { checkedBitrate, checkedDuration } from './quantities.ts'
import type { Fault, LocalClusterSpec } from '../model.ts'
import type { LocalClusterInput, SuiteInput } from './schema.ts'
import { INSTANCE_PRESETS } from './presets.ts'
import type { PathSegment } from './validate.ts'

type Fail = (path: PathSegment[], message: string, hint: string) => never

const zoneOf = (index: number, zones: number) => String.fromCharCode(97 + (index % zones))

/**
 * Underlay conditions of the local lab, per node: rates of node groups (mixed instance sizes),
 * random loss on uplinks (everywhere, per zone or per node) and latency between zones.
 */
export function normalizeConditions(input: LocalClusterInput, spec: LocalClusterSpec, fail: Fail): Partial<LocalClusterSpec> {
  const result: Partial<LocalClusterSpec> = {}
  if (input.groups) {
    const rates: Array<number | null> = []
    const instances: Array<string | null> = []
    input.groups.forEach((group, index) => {
      const rate = group.bandwidth === 'none' ? null
        : group.bandwidth !== undefined ? checkedBitrate(group.bandwidth, ['cluster', 'groups', index, 'bandwidth'], fail)
          : group.instance ? INSTANCE_PRESETS[group.instance as keyof typeof INSTANCE_PRESETS] : spec.bandwidthBps
      for (let i = 0; i < group.nodes; i++) {
        rates.push(rate)
        instances.push(group.instance ?? spec.instance)
      }
    })
    result.nodeBandwidthBps = rates
    result.nodeInstances = instances
  }
  const loss = Array.from({ length: spec.nodes }, () => parsePercent(input.loss ?? '0%') ?? 0)
  input.conditions?.forEach((condition, index) => {
    const path: PathSegment[] = ['cluster', 'conditions', index]
    if ((condition.node === undefined) === (condition.zone === undefined)) fail(path, 'a condition names a node or a zone', "write e.g. { node: n2, loss: 1% } or { zone: b, loss: 1% }")
    if (condition.node !== undefined && Number(condition.node.slice(1)) > spec.nodes) fail([...path, 'node'], `node '${condition.node}' does not exist: the cluster has n1…n${spec.nodes}`, `use n1 to n${spec.nodes}`)
    if (condition.zone !== undefined && condition.zone.charCodeAt(0) - 97 >= spec.zones) fail([...path, 'zone'], `zone '${condition.zone}' does not exist: the cluster has ${spec.zones} zone(s)`, `use a to ${zoneOf(spec.zones - 1, 26)}`)
    if (condition.loss === undefined) fail(path, 'the condition sets nothing', 'add loss: 1%')
    for (let n = 0; n < spec.nodes; n++) {
      if (condition.node === `n${n + 1}` || condition.zone === zoneOf(n, spec.zones)) loss[n] = parsePercent(condition.loss!) ?? 0
    }
  })
  loss.forEach((percent, n) => { if (percent > 100) fail(['cluster', 'loss'], `loss of ${percent}% on n${n + 1} is more than 100%`, 'write a percentage between 0% and 100%') })
  if (loss.some((percent) => percent > 0)) result.nodeLossPercent = loss
  if (input.latency !== undefined) {
    const ms = checkedDuration(input.latency, ['cluster', 'latency'], fail)
    if (spec.zones < 2) fail(['cluster', 'latency'], 'latency is added between zones, and the cluster has one zone', 'set cluster.zones: 2 or more')
    result.zoneLatencyMs = ms
  }
  return result
}

export function normalizeFaults(input: NonNullable<SuiteInput['faults']>, stepCount: number, nodes: number | null, fail: Fail): Fault[] {
  return input.map((fault, index) => {
    const path: PathSegment[] = ['faults', index]
    if (nodes === null) fail(path, 'faults are injected in the local lab only', 'remove faults or use provider: local')
    if (Number(fault.node.slice(1)) > nodes! || fault.node === 'n0') fail([...path, 'node'], `node '${fault.node}' does not exist: the cluster has n1…n${nodes}`, `use n1 to n${nodes}`)
    const stepIndex = fault.step ?? 0
    if (stepIndex >= stepCount) fail([...path, 'step'], `there is no step ${stepIndex}: the suite has ${stepCount}`, `use 0 to ${stepCount - 1}`)
    const forMs = checkedDuration(fault.for, [...path, 'for'], fail)
    const atMs = fault.at === undefined || parseDuration(fault.at) === 0 ? 0 : checkedDuration(fault.at, [...path, 'at'], fail)
    return { node: fault.node, kind: 'uplink-down' as const, stepIndex, atMs, forMs }
  })
}
