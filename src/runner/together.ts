/**
 * Probes that start together: every one waits at `arrive` (its server listening) until all have
 * arrived, so their clients start at once; one that fails releases the others with an error
 * instead of leaving them waiting.
 */
export class StartLine {
  private arrived = 0
  private readonly gate: Promise<void>
  private open!: () => void
  private abort!: (error: Error) => void

  constructor(private readonly count: number) {
    this.gate = new Promise<void>((resolve, reject) => { this.open = resolve; this.abort = reject })
    this.gate.catch(() => undefined)
  }

  arrive(): Promise<void> {
    if (++this.arrived >= this.count) this.open()
    return this.gate
  }

  /** Called when a probe fails: those still waiting stop (their error is not the cause, `StartLine.released` tells). */
  fail(): void {
    this.abort(new Error(StartLine.released))
  }

  static readonly released = 'another pair failed before the clients started'
}

/**
 * Runs `count` probes side by side, started together; resolves with every result, or rejects with
 * the first real failure (a probe only released by another's failure is not one), named by `name`.
 */
export async function runTogether<T>(count: number, run: (index: number, ready: () => Promise<void>) => Promise<T>, name: (index: number, error: unknown) => unknown): Promise<T[]> {
  const line = new StartLine(count)
  const outcomes = await Promise.allSettled(Array.from({ length: count }, (_, index) => run(index, () => line.arrive()).catch((error: unknown) => {
    line.fail()
    throw error
  })))
  const failures = outcomes.flatMap((outcome, index) => outcome.status === 'rejected' ? [{ index, error: outcome.reason as unknown }] : [])
  const cause = failures.find(({ error }) => !(error instanceof Error && error.message === StartLine.released)) ?? failures[0]
  if (cause) throw name(cause.index, cause.error)
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value)
}
