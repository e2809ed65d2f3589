import type { PlannedPoint, SuitePlan } from './planned.ts'
import { providerFor } from '../providers/registry.ts'
import type { Cluster, EndpointPair, Network } from '../providers/types.ts'
import type { PointResult } from '../results/types.ts'
import type { PolicyResult } from '../results/policy.ts'
import { isNetbenchError, NetbenchError } from '../errors.ts'
import type { RunContext } from './context.ts'
import { appendEvent } from './events.ts'
import { PointMeasurement, sequenceCounter, type MeasureOptions } from './measure.ts'
import { interleavedSlots, repeatsOf, type Slot } from './order.ts'
import { measureSenderCeiling } from '../tools/iperf3/ceiling.ts'
import { ServerKeeper } from '../tools/iperf3/server.ts'
import type { Endpoint } from '../endpoint.ts'
import { watchInterrupt } from './interrupt.ts'
import { FaultSchedule } from './faults.ts'
import { searchDurationEstimateMs, searchDurations } from './max-rate.ts'
import { trace } from '../trace.ts'

const PER_PROBE_OVERHEAD_MS = 300

/** Probe time of `repeats` repeats of a point (a search: the whole search), for progress estimates. */
function probeTimeMs(point: PlannedPoint, repeats: number): number {
  if (point.search) return searchDurationEstimateMs(point.search, searchDurations(point.durationMs), PER_PROBE_OVERHEAD_MS)
  return (point.durationMs + PER_PROBE_OVERHEAD_MS) * repeats
}

/** Clusters a worker started building before its suite registered (see buildClusterEarly). */
const early = new Map<string, Promise<Cluster>>()
const builtEarly = new Set<string>()

function createCluster(plan: SuitePlan, context: RunContext): Promise<Cluster> {
  const spec = plan.suite.cluster
  appendEvent(context.eventsFile, { type: 'suite-start', file: plan.suite.file, suite: plan.suite.name, points: plan.networks.reduce((total, network) => total + network.points.length, 0), cluster: { ...spec } })
  trace('cluster:create')
  return providerFor(spec.provider).createCluster(spec, { runId: context.runId, runDir: context.runDir }).finally(() => trace('cluster:up'))
}

/**
 * Starts building a suite's cluster as soon as the worker has the plan, while Vitest still imports
 * and collects the suite file (a few hundred milliseconds of the worker's CPU): the lab's commands
 * run meanwhile instead of after. Its session takes it over; once per file.
 */
export function buildClusterEarly(plan: SuitePlan, context: RunContext): void {
  if (builtEarly.has(plan.suite.file)) return
  builtEarly.add(plan.suite.file)
  const cluster = createCluster(plan, context)
  // Its error surfaces when the session takes it over.
  cluster.catch(() => undefined)
  early.set(plan.suite.file, cluster)
}

function policyError(id: string, network: string, stepIndex: number, error: string): PolicyResult {
  return { id, network, stepIndex, status: 'error', error, enforcement: null, pods: [], policies: [], matrix: [] }
}

/** The pairs a point measures: `pairs: N` over distinct nodes, else the network's one pair. */
function pairsFor(network: Network, point: PlannedPoint): EndpointPair[] {
  const count = point.pairs ?? 1
  if (count === 1) return [network.pair(point.between, point.endpoint, point.via)]
  if (!network.pairs) throw new NetbenchError('SUITE_INVALID', `network ${network.name} measures one pair at a time, not pairs: ${count}`, { hint: 'remove pairs from the step' })
  return network.pairs(point.between, point.endpoint, count)
}

/**
 * Everything one suite stands up, inside a Vitest worker: the cluster, the networks, and the
 * measured points, each created once on first use and shared by every expectation that reads it.
 */
export class SuiteSession {
  private cluster: Promise<Cluster> | undefined
  private readonly networks = new Map<string, Promise<Network>>()
  private readonly points = new Map<string, Promise<PointResult>>()
  private readonly policies = new Map<string, Promise<PolicyResult>>()
  /** Senders' loopback ceilings, one per node: what a node's CPU can send at all. */
  private readonly ceilings = new Map<string, Promise<number | null>>()
  /** iperf3 servers kept between a network's probes, stopped when the network goes. */
  private readonly servers = new Map<string, ServerKeeper>()
  private readonly faults: FaultSchedule | undefined
  private readonly pointById: Map<string, PlannedPoint>
  private measuredCount = 0
  private readonly totalPoints: number
  private interleaved: Promise<void> | undefined
  /** Every sample numbered in the order it ran, across networks; senders' ceilings on demand. */
  private readonly measureOptions: MeasureOptions

  private readonly interrupt: ReturnType<typeof watchInterrupt>

  constructor(private readonly plan: SuitePlan, private readonly context: RunContext) {
    this.interrupt = watchInterrupt(context.runDir)
    this.measureOptions = { signal: this.interrupt.signal, nextSequence: sequenceCounter(), senderCeiling: (client, reachedBps, signal) => this.senderCeiling(client, reachedBps, signal) }
    this.pointById = new Map(plan.networks.flatMap((network) => network.points.map((point) => [point.id, point] as const)))
    this.totalPoints = this.pointById.size
    if (plan.suite.faults?.length) this.faults = new FaultSchedule(plan.suite.faults, () => this.getCluster())
  }

  private get file(): string {
    return this.plan.suite.file
  }

  private getCluster(): Promise<Cluster> {
    if (!this.cluster) {
      this.cluster = early.get(this.file) ?? createCluster(this.plan, this.context)
      early.delete(this.file)
    }
    return this.cluster
  }

  network(name: string): Promise<Network> {
    let network = this.networks.get(name)
    if (!network) {
      network = (async () => {
        const cluster = await this.getCluster()
        try {
          trace(`net:install ${name}`)
          const installed = await cluster.install(this.plan.suite.networkSpecs?.find((spec) => spec.name === name) ?? name, this.interrupt.signal)
          trace(`net:up ${name}`)
          appendEvent(this.context.eventsFile, { type: 'network', file: this.file, network: { name, status: 'ok', error: null, setupMs: installed.setupMs, info: installed.describe() } })
          return installed
        } catch (error) {
          const message = isNetbenchError(error) ? error.oneLine : String(error)
          appendEvent(this.context.eventsFile, { type: 'network', file: this.file, network: { name, status: 'error', error: message, setupMs: null, info: {} } })
          throw error
        }
      })()
      this.networks.set(name, network)
    }
    return network
  }

  point(id: string): Promise<PointResult> {
    const known = this.points.get(id)
    if (known) return known
    // Interleaved, a point is measured with all the others, never alone (e.g. when -t skipped the
    // measure test); what is still missing afterwards belongs to a network that failed.
    if (this.plan.suite.order === 'interleaved') {
      return this.measureInterleaved().catch(() => undefined).then(() => this.points.get(id) ?? this.measureAlone(id))
    }
    return this.measureAlone(id)
  }

  private measureAlone(id: string): Promise<PointResult> {
    const planned = this.pointById.get(id)
    if (!planned) throw new Error(`internal: no planned point ${id}`)
    const result = this.measure(planned)
    this.points.set(id, result)
    return result
  }

  private async measure(point: PlannedPoint): Promise<PointResult> {
    this.interrupt.throwIfInterrupted()
    const network = await this.network(point.network)
    const pairs = pairsFor(network, point)
    this.measuredCount++
    appendEvent(this.context.eventsFile, {
      type: 'point-start', file: this.file, network: point.network, label: point.label,
      index: this.measuredCount, total: this.totalPoints, repeat: point.repeat,
      expectedMs: this.remainingMs(point),
    })
    this.faults?.begin(point.network, point.stepIndex)
    const startedAt = Date.now()
    trace(`point:start ${point.id}`)
    const measurement = new PointMeasurement(this.plan.suite.name, point, pairs, this.optionsFor(point.network))
    for (let repeat = 0; repeat < repeatsOf(point); repeat++) await measurement.repeat()
    const result = await measurement.finish()
    const cause = this.faults?.causeFor(point.network, point.stepIndex, startedAt, Date.now(), pairs.flatMap((one) => [one.client.node, one.server.node]))
    if (cause) {
      result.status = 'error'
      result.error = result.error ? `${cause}; ${result.error}` : cause
    }
    const stepPoints = this.plan.networks.find((network) => network.name === point.network)?.points.filter((other) => other.stepIndex === point.stepIndex) ?? []
    if (stepPoints.at(-1)?.id === point.id) await this.faults?.end(point.network, point.stepIndex)
    trace(`point:end ${point.id}`)
    appendEvent(this.context.eventsFile, { type: 'point', file: this.file, point: result })
    return result
  }

  private optionsFor(network: string): MeasureOptions {
    let servers = this.servers.get(network)
    if (!servers) this.servers.set(network, servers = new ServerKeeper())
    return { ...this.measureOptions, servers }
  }

  private senderCeiling(client: Endpoint, reachedBps: number | null, signal?: AbortSignal): Promise<number | null> {
    let ceiling = this.ceilings.get(client.node)
    if (!ceiling) {
      trace('ceiling:start')
      ceiling = measureSenderCeiling(client, reachedBps, signal).finally(() => trace('ceiling:end'))
      this.ceilings.set(client.node, ceiling)
    }
    return ceiling
  }

  /** Probe time from this point to the end of the suite, for the progress line's estimate. */
  private remainingMs(current: PlannedPoint): number {
    const ahead = [...this.pointById.values()].filter((point) => point === current || !this.points.has(point.id))
    return ahead.reduce((total, point) => total + probeTimeMs(point, point.repeat), 0)
  }

  async measureNetwork(name: string): Promise<void> {
    const planned = this.plan.networks.find((network) => network.name === name)
    await this.network(name)
    // Points and policy steps in suite order (a policy is removed again before the next step).
    const items = [
      ...(planned?.points ?? []).map((point) => ({ stepIndex: point.stepIndex, run: () => this.point(point.id) })),
      ...(planned?.policies ?? []).map((policy) => ({ stepIndex: policy.stepIndex, run: () => this.policy(policy.id) })),
    ].sort((a, b) => a.stepIndex - b.stepIndex)
    for (const item of items) await item.run()
  }

  /**
   * Interleaved order: every network up first (all at once), then the schedule of interleavedSlots,
   * one repeat at a time. A network that fails to install is left out; its points then fail with
   * its error when read, and this test fails with it, as a sequential network's measure test does.
   */
  measureInterleaved(): Promise<void> {
    this.interleaved ??= this.runInterleaved()
    return this.interleaved
  }

  private async runInterleaved(): Promise<void> {
    const failures: unknown[] = []
    const up = new Set<string>()
    for (const { name } of this.plan.networks) {
      await this.network(name).then(() => up.add(name), (error: unknown) => failures.push(error))
    }
    const slots = interleavedSlots(this.plan).filter((slot) => up.has(slot.network))
    const open = new Map<string, PointMeasurement>()
    for (const [index, slot] of slots.entries()) {
      this.interrupt.throwIfInterrupted()
      if (slot.kind === 'policy') {
        await this.policy(slot.policyId)
        continue
      }
      await this.sampleSlot(slot, open, { index: index + 1, total: slots.length, remainingMs: this.slotsMs(slots.slice(index)) })
    }
    if (failures.length) throw failures[0]
  }

  private async sampleSlot(slot: Extract<Slot, { kind: 'sample' }>, open: Map<string, PointMeasurement>, progress: { index: number; total: number; remainingMs: number }): Promise<void> {
    const point = this.pointById.get(slot.pointId)!
    // Settled early: a pair this network cannot provide (host and same-node) fails the point alone.
    if (this.points.has(point.id)) return
    const network = await this.network(slot.network)
    let measurement = open.get(point.id)
    if (!measurement) {
      try {
        measurement = new PointMeasurement(this.plan.suite.name, point, pairsFor(network, point), this.optionsFor(point.network))
      } catch (error) {
        const failed = Promise.reject(error)
        failed.catch(() => undefined)
        this.points.set(point.id, failed)
        return
      }
      open.set(point.id, measurement)
    }
    appendEvent(this.context.eventsFile, {
      type: 'point-start', file: this.file, network: point.network, label: point.label,
      index: progress.index, total: progress.total, repeat: point.repeat, sample: slot.repeat + 1, expectedMs: progress.remainingMs,
    })
    await measurement.repeat()
    if (slot.repeat + 1 < slot.of) return
    const result = await measurement.finish()
    this.points.set(point.id, Promise.resolve(result))
    appendEvent(this.context.eventsFile, { type: 'point', file: this.file, point: result })
  }

  private slotsMs(slots: readonly Slot[]): number {
    return slots.reduce((total, slot) => {
      if (slot.kind !== 'sample') return total
      return total + probeTimeMs(this.pointById.get(slot.pointId)!, 1)
    }, 0)
  }

  /** Runs a policy step on its network once; every expectation reading it shares the result. */
  policy(id: string): Promise<PolicyResult> {
    let result = this.policies.get(id)
    if (!result) {
      const planned = this.plan.networks.flatMap((network) => network.policies ?? []).find((policy) => policy.id === id)
      const step = this.plan.suite.policySteps?.find((candidate) => candidate.index === planned?.stepIndex)
      if (!planned || !step) throw new Error(`internal: no planned policy ${id}`)
      result = (async () => {
        const network = await this.network(planned.network)
        const policy: PolicyResult = network.runPolicy
          ? await network.runPolicy(step, id).catch((error: unknown) => policyError(id, planned.network, step.index, isNetbenchError(error) ? error.oneLine : String(error)))
          : policyError(id, planned.network, step.index, `the ${this.plan.suite.cluster.provider} provider cannot run policy steps`)
        appendEvent(this.context.eventsFile, { type: 'policy', file: this.file, policy })
        return policy
      })()
      this.policies.set(id, result)
    }
    return result
  }

  /**
   * Uninstalls a network; a later point that still needs it installs it again. The suite's last
   * network stays for the cluster to remove with itself, where the cluster can (removesNetworks).
   */
  async releaseNetwork(name: string): Promise<void> {
    const network = this.networks.get(name)
    if (!network) return
    if (name === this.plan.networks.at(-1)?.name && (await this.cluster?.catch(() => undefined))?.removesNetworks) return
    this.networks.delete(name)
    trace(`net:release ${name}`)
    await this.closeServers(name)
    await network.then((installed) => installed[Symbol.asyncDispose](), () => undefined)
    trace(`net:released ${name}`)
  }

  private async closeServers(network: string): Promise<void> {
    const servers = this.servers.get(network)
    this.servers.delete(network)
    await servers?.close()
  }

  async dispose(): Promise<void> {
    this.interrupt[Symbol.dispose]()
    // A lab built early for a suite that then needed none (-t matched nothing) goes too.
    if (early.has(this.file)) this.getCluster()
    const cluster = await this.cluster?.catch(() => undefined)
    for (const name of [...this.networks.keys()]) {
      if (cluster?.removesNetworks) await this.closeServers(name)
      else await this.releaseNetwork(name)
    }
    trace('cluster:dispose')
    if (this.cluster) await this.cluster.then((cluster) => cluster[Symbol.asyncDispose](), () => undefined)
    trace('cluster:disposed')
  }
}
