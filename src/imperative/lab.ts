import { isNetbenchError, NetbenchError } from '../errors.ts'
import type { PlannedPoint } from '../runner/planned.ts'
import { providerFor } from '../providers/registry.ts'
import type { Cluster, Network } from '../providers/types.ts'
import type { NetworkResult, PointResult } from '../results/types.ts'
import type { RunContext } from '../runner/context.ts'
import { appendEvent } from '../runner/events.ts'
import { measurePoint, sequenceCounter } from '../runner/measure.ts'
import { watchInterrupt } from '../runner/interrupt.ts'
import type { LabSetup } from '../model.ts'
import { VIAS, type Between, type NetworkSpec, type Placement, type Via } from '../model.ts'
import { nearest } from '../expect/tokens.ts'
import { bitrateProblem, durationProblem, formatBitrate, parseBitrate, parseDuration } from '../units.ts'
import type { Measured } from './satisfy.ts'

interface ProbeOptions {
  network?: string
  duration?: string
  between?: Between
  /** Through the server pod's Service (ClusterIP), a NodePort or the pod's own Service (hairpin); default: straight to the pod. */
  via?: Via
  repeat?: number
}

interface Installed {
  network: Promise<Network>
  /** The placements it was installed for: kube and k3s create pods and Services for these, the lab Services for their paths. */
  placements: Placement[]
  cni: string
}

type ServiceVia = Exclude<Via, 'pod'>

/** Does an installation for `placements` provide the pair of `wanted`? The lab has every placement, but only the Service paths it was built for. */
function provides(placements: readonly Placement[], wanted: Placement, local: boolean): boolean {
  const via = wanted.via ?? 'pod'
  if (local) return via === 'pod' || placements.some((known) => known.via === via)
  return placements.some((known) => known.between === wanted.between && (known.via ?? 'pod') === via)
}

function checkedVia(via: unknown): ServiceVia | undefined {
  if (via === undefined || via === 'pod') return undefined
  if (typeof via === 'string' && (VIAS as readonly string[]).includes(via)) return via as ServiceVia
  const match = typeof via === 'string' ? nearest(via, VIAS) : undefined
  throw new NetbenchError('USAGE', `via: ${JSON.stringify(via)} is not a path`, { hint: `${match ? `did you mean '${match}'? ` : ''}use one of ${VIAS.join(', ')}` })
}

/**
 * The `lab` fixture of the imperative form: measure what you like, get a PointResult back. The
 * cluster comes from the provider registry, as a suite's does, so every target works; it is
 * created on the first probe and removed when the file's tests are done.
 */
export class Lab {
  private cluster: Promise<Cluster> | undefined
  private readonly installed = new Map<string, Installed>()
  private readonly points: PointResult[] = []
  private readonly networkResults: NetworkResult[] = []
  private count = 0
  /** Samples numbered across the file's probes, as a suite's are (SampleResult.sequence). */
  private readonly nextSequence = sequenceCounter()

  private readonly interrupt: ReturnType<typeof watchInterrupt>

  constructor(private readonly setup: LabSetup, private readonly context: RunContext, private readonly file: string) {
    this.interrupt = watchInterrupt(context.runDir)
  }

  /** What this lab measured so far: what `expect(lab).toSatisfy(…)` reads. */
  measured(): Measured {
    return { points: this.points, networks: this.networkResults }
  }

  private getCluster(): Promise<Cluster> {
    this.cluster ??= (async () => {
      const spec = this.setup.cluster
      // The result names the file's cluster from this, as it does a suite's from suite-start.
      appendEvent(this.context.eventsFile, { type: 'cluster', file: this.file, cluster: { ...spec } })
      // The CLI checked the target (preflight) before the run, as for a suite.
      return providerFor(spec.provider).createCluster(spec, { runId: this.context.runId, runDir: this.context.runDir })
    })()
    return this.cluster
  }

  private specOf(name: string): string | NetworkSpec {
    const declared = this.setup.networks.find((spec) => spec.name === name)
    if (declared) return declared
    const { cluster } = this.setup
    if (cluster.provider === 'k3s' && name !== 'host' && name !== 'flannel') {
      throw new NetbenchError('USAGE', `network '${name}' needs a CNI manifest on k3s (only host and flannel come with k3s)`, {
        hint: `declare it: test.scoped({ networks: [{ name: '${name}', manifest: './cni/${name}.yaml' }] })`,
      })
    }
    return name
  }

  private async network(name: string, placement: Placement): Promise<Network> {
    const { cluster } = this.setup
    const current = this.installed.get(name)
    if (current && provides(current.placements, placement, cluster.provider === 'local')) return current.network
    const wanted = [...current?.placements ?? [], placement]
    const spec = this.specOf(name)
    const cni = typeof spec === 'string' ? spec : spec.cni
    // kube and k3s create a network's pods for the cluster spec's placements when it is installed:
    // a probe with a new placement re-creates them with it.
    if (current) await this.release(name)
    if (cluster.provider !== 'local') cluster.placements = wanted
    else {
      const vias = [...new Set(wanted.flatMap((known) => known.via && known.via !== 'pod' ? [known.via] : []))]
      if (vias.length) cluster.vias = vias
    }
    // The local lab carries one pod network at a time (installing one removes the one before), so
    // a network probed again after another is installed again.
    if (cluster.provider === 'local' && cni !== 'host') {
      for (const [other, entry] of this.installed) if (entry.cni !== 'host') await this.release(other)
    }
    const network = this.getCluster().then((created) => created.install(spec, this.interrupt.signal)).then((installed) => {
      this.noteNetwork({ name, status: 'ok', error: null, setupMs: installed.setupMs, info: installed.describe() })
      return installed
    }, (error: unknown) => {
      this.noteNetwork({ name, status: 'error', error: isNetbenchError(error) ? error.oneLine : String(error), setupMs: null, info: {} })
      throw error
    })
    this.installed.set(name, { network, placements: wanted, cni })
    return network
  }

  private noteNetwork(network: NetworkResult): void {
    const index = this.networkResults.findIndex((known) => known.name === network.name)
    if (index >= 0) this.networkResults.splice(index, 1)
    this.networkResults.push(network)
    appendEvent(this.context.eventsFile, { type: 'network', file: this.file, network })
  }

  private async release(name: string): Promise<void> {
    const current = this.installed.get(name)
    this.installed.delete(name)
    await current?.network.then((network) => network[Symbol.asyncDispose](), () => undefined)
  }

  private async probe(point: Omit<PlannedPoint, 'id' | 'network' | 'stepIndex' | 'durationMs' | 'omitMs' | 'between' | 'repeat' | 'label'> & { label: string }, options: ProbeOptions): Promise<PointResult> {
    this.interrupt.throwIfInterrupted()
    const networkName = options.network ?? 'host'
    const durationMs = parseDuration(options.duration ?? '2s')!
    const problem = durationProblem(durationMs, options.duration ?? '2s')
    if (problem) throw new NetbenchError('USAGE', `duration ${problem.message}`, { hint: problem.hint })
    const between = options.between ?? this.setup.between
    const via = checkedVia(options.via)
    const planned: PlannedPoint = {
      ...point, label: via ? `${point.label} via ${via}` : point.label, id: `${networkName}|imperative-${++this.count}|${point.bitrateBps ?? ''}`, network: networkName, stepIndex: -1,
      durationMs, omitMs: 0, between, ...via ? { via } : {}, repeat: options.repeat ?? 1,
    }
    const network = await this.network(networkName, { between, endpoint: 'pod', ...via ? { via } : {} })
    const result = await measurePoint(this.file, planned, network.pair(planned.between, undefined, via), { signal: this.interrupt.signal, nextSequence: this.nextSequence })
    this.points.push(result)
    appendEvent(this.context.eventsFile, { type: 'point', file: this.file, point: result })
    return result
  }

  udp(options: ProbeOptions & { bitrate: string }): Promise<PointResult> {
    const problem = bitrateProblem(String(options.bitrate))
    if (problem) throw new NetbenchError('USAGE', problem.message, { hint: problem.hint })
    const bitrateBps = parseBitrate(options.bitrate)!
    return this.probe({ step: 'udp', label: `udp ${formatBitrate(bitrateBps)}`, bitrateBps, streams: null }, options)
  }

  tcp(options: ProbeOptions & { streams?: number } = {}): Promise<PointResult> {
    const streams = options.streams ?? 1
    return this.probe({ step: 'tcp', label: streams > 1 ? `tcp ×${streams}` : 'tcp', bitrateBps: null, streams }, options)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.interrupt[Symbol.dispose]()
    for (const name of [...this.installed.keys()]) await this.release(name)
    if (this.cluster) await this.cluster.then((cluster) => cluster[Symbol.asyncDispose](), () => undefined)
  }
}
