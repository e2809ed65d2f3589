import { NetbenchError } from '../errors.ts'
import type { PlannedPoint } from '../plan/plan.ts'
import { providerFor } from '../providers/registry.ts'
import type { Cluster, Network } from '../providers/types.ts'
import type { PointResult } from '../results/types.ts'
import type { RunContext } from '../runner/context.ts'
import { appendEvent } from '../runner/events.ts'
import { measurePoint, sequenceCounter } from '../runner/measure.ts'
import { watchInterrupt } from '../runner/interrupt.ts'
import type { Between, LocalClusterSpec } from '../suites/model.ts'
import { INSTANCE_PRESETS } from '../suites/schema.ts'
import { formatBitrate, parseBitrate, parseDuration } from '../units.ts'

export interface LabClusterOptions {
  nodes?: number
  zones?: number
  instance?: keyof typeof INSTANCE_PRESETS
  bandwidth?: string | 'none'
}

interface ProbeOptions {
  network?: string
  duration?: string
  between?: Between
  repeat?: number
}

/** The `lab` fixture of the imperative form: measure what you like, get a PointResult back. */
export class Lab {
  private cluster: Promise<Cluster> | undefined
  private readonly networks = new Map<string, Promise<Network>>()
  private count = 0
  /** Samples numbered across the file's probes, as a suite's are (SampleResult.sequence). */
  private readonly nextSequence = sequenceCounter()

  private readonly interrupt: ReturnType<typeof watchInterrupt>

  constructor(private readonly spec: LocalClusterSpec, private readonly context: RunContext, private readonly file: string) {
    this.interrupt = watchInterrupt(context.runDir)
  }

  static spec(options: LabClusterOptions): LocalClusterSpec {
    const nodes = options.nodes ?? 3
    const bandwidthBps = options.bandwidth === 'none' ? null
      : options.bandwidth ? parseBitrate(options.bandwidth) ?? null
      : options.instance ? INSTANCE_PRESETS[options.instance] : null
    return { provider: 'local', nodes, zones: options.zones ?? Math.min(3, nodes), instance: options.instance ?? null, bandwidthBps }
  }

  private network(name: string): Promise<Network> {
    let network = this.networks.get(name)
    if (!network) {
      this.cluster ??= providerFor('local').createCluster(this.spec, { runId: this.context.runId, runDir: this.context.runDir })
      network = this.cluster.then((cluster) => cluster.install(name))
      this.networks.set(name, network)
    }
    return network
  }

  private async probe(point: Omit<PlannedPoint, 'id' | 'network' | 'stepIndex' | 'durationMs' | 'omitMs' | 'between' | 'repeat' | 'label'> & { label: string }, options: ProbeOptions): Promise<PointResult> {
    const networkName = options.network ?? 'host'
    const durationMs = parseDuration(options.duration ?? '2s')
    if (!durationMs || durationMs <= 0) throw new NetbenchError('USAGE', `duration '${options.duration}' is not a positive duration`, { hint: "write e.g. '2s'" })
    const planned: PlannedPoint = {
      ...point, id: `${networkName}|imperative-${++this.count}|${point.bitrateBps ?? ''}`, network: networkName, stepIndex: -1,
      durationMs, omitMs: 0, between: options.between ?? (this.spec.zones > 1 ? 'zones' : 'nodes'), repeat: options.repeat ?? 1,
    }
    const network = await this.network(networkName)
    const result = await measurePoint(this.file, planned, network.pair(planned.between), this.interrupt.signal, this.nextSequence)
    appendEvent(this.context.eventsFile, { type: 'point', file: this.file, point: result })
    return result
  }

  udp(options: ProbeOptions & { bitrate: string }): Promise<PointResult> {
    const bitrateBps = parseBitrate(options.bitrate)
    if (!bitrateBps) throw new NetbenchError('USAGE', `'${options.bitrate}' is not a bitrate`, { hint: "write e.g. '100M'" })
    return this.probe({ step: 'udp', label: `udp ${formatBitrate(bitrateBps)}`, bitrateBps, streams: null }, options)
  }

  tcp(options: ProbeOptions & { streams?: number } = {}): Promise<PointResult> {
    const streams = options.streams ?? 1
    return this.probe({ step: 'tcp', label: streams > 1 ? `tcp ×${streams}` : 'tcp', bitrateBps: null, streams }, options)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.interrupt[Symbol.dispose]()
    for (const network of this.networks.values()) await network.then((n) => n[Symbol.asyncDispose](), () => undefined)
    if (this.cluster) await this.cluster.then((cluster) => cluster[Symbol.asyncDispose](), () => undefined)
  }
}
