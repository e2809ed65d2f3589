import type { Cluster } from '../providers/types.ts'
import type { Fault } from '../model.ts'

interface ActiveFault {
  fault: Fault
  startedAt: number
  downAt: number | undefined
  upAt: number | undefined
  timers: NodeJS.Timeout[]
  pending: Promise<void>[]
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/**
 * The suite's fault schedule, per network: when a step's first point starts, each fault of that
 * step takes its node's uplink down `atMs` later and up again `forMs` after that. A point measured
 * while a node it involves was cut off becomes an error naming the fault; the run goes on.
 */
export class FaultSchedule {
  private readonly active = new Map<string, ActiveFault>()

  constructor(private readonly faults: readonly Fault[], private readonly cluster: () => Promise<Cluster>) {}

  begin(network: string, stepIndex: number): void {
    this.faults.forEach((fault, index) => {
      const key = `${network}|${index}`
      if (fault.stepIndex !== stepIndex || this.active.has(key)) return
      const state: ActiveFault = { fault, startedAt: Date.now(), downAt: undefined, upAt: undefined, timers: [], pending: [] }
      const set = (up: boolean) => {
        const done = this.cluster().then((cluster) => cluster.setUplink?.(fault.node, up)).then(() => {
          if (up) state.upAt = Date.now()
          else state.downAt = Date.now()
        }, () => undefined)
        state.pending.push(done)
      }
      state.timers.push(setTimeout(() => set(false), fault.atMs), setTimeout(() => set(true), fault.atMs + fault.forMs))
      this.active.set(key, state)
    })
  }

  /** Why a point measured over [startedAt, endedAt] between these nodes is void, if it is. */
  causeFor(network: string, stepIndex: number, startedAt: number, endedAt: number, nodes: readonly string[]): string | undefined {
    for (const [key, state] of this.active) {
      if (!key.startsWith(`${network}|`) || state.fault.stepIndex !== stepIndex || state.downAt === undefined) continue
      if (!nodes.includes(state.fault.node)) continue
      const upAt = state.upAt ?? Infinity
      if (state.downAt < endedAt && upAt > startedAt) {
        const from = seconds(state.downAt - state.startedAt)
        const to = state.upAt === undefined ? 'the end of the step' : seconds(state.upAt - state.startedAt)
        return `fault: node ${state.fault.node}'s uplink was down from ${from} to ${to} into step ${stepIndex} (fault schedule)`
      }
    }
    return undefined
  }

  /** After a step's last point: pending faults are cancelled and every link is up again. */
  async end(network: string, stepIndex: number): Promise<void> {
    for (const [key, state] of this.active) {
      if (!key.startsWith(`${network}|`) || state.fault.stepIndex !== stepIndex) continue
      state.timers.forEach(clearTimeout)
      await Promise.all(state.pending)
      if (state.downAt !== undefined && state.upAt === undefined) {
        await (await this.cluster()).setUplink?.(state.fault.node, true)
        state.upAt = Date.now()
      }
    }
  }
}
