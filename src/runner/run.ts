import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createVitest, type Vitest } from 'vitest/node'
import { EXIT, isNetbenchError } from '../errors.ts'
import type { PreparedRun } from './prepared-run.ts'
import { handOffProviderStates, lifecyclesOf, providerFor, removeRemoteRuns } from '../providers/registry.ts'
import type { RunLifecycle } from '../providers/types.ts'
import { newRunId } from '../run-id.ts'
import { buildRunResult } from './build-result.ts'
import { captureEnvironment } from '../results/environment.ts'
import { INTERRUPT_NOTICE_MS, markInterrupted } from './interrupt.ts'
import { childProcesses, descendantProcesses, stopProcesses } from '../process.ts'
import type { LoadedResult } from '../results/load-result.ts'
import type { NetbenchReporter } from '../results/reporter.ts'
import type { RunResult } from '../results/types.ts'
import { OutcomeCollector } from './collector.ts'
import { CONTEXT_KEY, type RunContext } from './context.ts'
import type { RunEvent } from '../results/events.ts'
import { readEvents } from './events.ts'
import { displayPath } from '../text.ts'
import { netbenchPlugin } from './vite-plugin.ts'
import { trace } from '../trace.ts'

export interface RunOptions {
  testNamePattern?: string
  /**
   * Gets the run's start, events and result; the CLI passes a Multiplexer over the chosen
   * reporters, which tells a reporter's failure itself and then rejects onRunEnd.
   */
  reporter: NetbenchReporter
  /** `--baseline`: compared with every point, and read by `of baseline` expectations. */
  baseline?: LoadedResult
  /** Where the run tells what it removed, and progress notes (the terminal). */
  stream: NodeJS.WritableStream
  /** Where a kept result is told (default stderr). */
  errors?: NodeJS.WritableStream
}

// Sources run unbuilt under Vitest and tsx (.ts) and compiled in the package (.js).
const ownExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const moduleFile = (path: string) => fileURLToPath(new URL(path + ownExtension, import.meta.url))
/**
 * Compiled, the workers import netbench's own modules natively rather than through Vite's
 * transform (the first suite then registers about a second sooner); the sources need Vite's.
 */
const ownModules = ownExtension === '.ts'
  ? { inline: [/netbench/] }
  : { external: [new RegExp(`^${fileURLToPath(new URL('../..', import.meta.url)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)] }

function exitCodeOf(result: RunResult): number {
  switch (result.status) {
    case 'passed': return EXIT.ok
    case 'failed': return EXIT.expectationFailed
    case 'interrupted': return EXIT.interrupted
    case 'error': return EXIT.environment
  }
}

/**
 * Runs prepared suites: preflight, claim a run id, let Vitest run the suites (one worker, one
 * file at a time), follow the workers' events for progress, then tear everything down and
 * report. Cleanup runs on every path, including SIGINT/SIGTERM.
 */
export async function executeRun(prepared: PreparedRun, options: RunOptions): Promise<{ exitCode: number; result: RunResult }> {
  const providerNames = new Set([...prepared.plans.map((plan) => plan.suite.cluster.provider), ...prepared.imperativeLabs.map((lab) => lab.cluster.provider)])
  await preflight(prepared, providerNames)
  trace('run:preflight')
  const { reporter } = options
  const runId = newRunId()
  // Kube namespaces and k3s containers live elsewhere: the CLI removes them even if a worker died.
  // Imperative files' clusters are those their test.scoped calls set, seen when they were loaded.
  const remoteSpecs = [...prepared.plans.map((plan) => plan.suite.cluster), ...prepared.imperativeLabs.map((lab) => lab.cluster)]
  let remoteCleaned = false
  const removeRemote = async (wait: boolean) => removeRemoteRuns(runId, remoteSpecs, { wait })
  // What the providers keep of the run on this machine (the lab); runs without any (kube, k3s)
  // need no root and no iproute2, and claim nothing here.
  const lifecycles = lifecyclesOf(providerNames)
  // Once before the reports and again on the way out, unless the first one got everything.
  let localRemoved = false
  const removeLocal = async () => {
    if (localRemoved) return
    for (const lifecycle of lifecycles) await lifecycle.release(runId)
    await rm(runDir, { recursive: true, force: true })
    localRemoved = true
  }
  // The run directory is named for a lifecycle's reaper (a dead run's is removed); a run that claims
  // nothing here must not look like one that does, or a concurrent run would reap it.
  const runDir = await mkdtemp(join(tmpdir(), lifecycles[0]?.runDirPrefix(runId) ?? `netbench-run-${runId}-`))
  const interrupt = new Interrupt(options.stream, async () => {
    // The worker stops its probes itself once it sees the marker, and starts no new ones; only
    // what is still running after that is ended from here. Namespaces stay for the final cleanup:
    // a process in a namespace already deleted could no longer be found.
    markInterrupted(runDir)
    await new Promise((resolve) => setTimeout(resolve, INTERRUPT_NOTICE_MS))
    await Promise.all([
      ...lifecycles.map((lifecycle) => lifecycle.stopProcesses(runId).catch(() => undefined)),
      removeRemote(false).catch(() => undefined),
    ])
  })
  const startedAt = new Date()
  for (const lifecycle of lifecycles) await lifecycle.claim(runId, runDir)
  try {
    // The versions are looked up while dead runs are reaped: both before anything is measured.
    const environment = machineFacts(lifecycles, options.stream).then((facts) => captureEnvironment([...providerNames].join(', '), facts))
    environment.catch(() => undefined)
    const reaped = []
    for (const lifecycle of lifecycles) reaped.push(...await lifecycle.reapDeadRuns(runId))
    if (reaped.length) options.stream.write(`netbench: removed leftovers of dead runs: ${reaped.join(', ')}\n`)
    const context: RunContext = {
      runId, runDir, eventsFile: join(runDir, 'events.jsonl'),
      plans: Object.fromEntries(prepared.plans.map((plan) => [plan.suite.file, plan])),
      providerStates: await handOffProviderStates(),
      // The only file of the run is this suite: its worker may build the lab while importing it.
      ...prepared.files.length === 1 && prepared.plans.length === 1 ? { earlyBuildFile: prepared.plans[0]!.suite.file } : {},
    }
    await environment
    trace('run:context')
    const points = prepared.plans.reduce((total, plan) => total + plan.networks.reduce((sum, network) => sum + network.points.length, 0), 0)
    reporter.onRunStart?.({ runId, files: prepared.files, points, imperativeFiles: prepared.imperativeFiles.length })
    const { events, collector } = await runVitest(prepared, context, reporter, options, interrupt)
    trace('run:vitest-done')
    const leftBehind = reportRemoteCleanup(await removeRemote(true), options.stream)
    remoteCleaned = true
    const result = buildRunResult({
      runId, startedAt, environment: await environment, plans: prepared.plans, imperativeFiles: prepared.imperativeFiles,
      titles: new Map(prepared.imperativeFiles.map((file) => [file, collector.titles.get(file) ?? displayPath(file)])),
      events, outcomes: collector.outcomes, fileErrors: collector.fileErrors, unhandled: collector.unhandled, interrupted: interrupt.interrupted, baseline: options.baseline,
    })
    await removeLocal()
    const reported = await Promise.resolve().then(() => reporter.onRunEnd?.(result)).then(() => true, () => false)
    if (!reported) await keepResult(result, options.errors ?? process.stderr)
    // Objects the run could not remove from a cluster, or reports that could not be written, are
    // environment problems (exit 3); an interrupt still says 130.
    const exitCode = result.status === 'interrupted' || interrupt.interrupted ? EXIT.interrupted : leftBehind || !reported ? EXIT.environment : exitCodeOf(result)
    return { exitCode, result }
  } finally {
    await removeLocal()
    if (!remoteCleaned) reportRemoteCleanup(await removeRemote(true), options.stream)
    interrupt.dispose()
  }
}

/** Every provider's preflight for the clusters and networks the run will use. */
async function preflight(prepared: PreparedRun, providerNames: ReadonlySet<string>): Promise<void> {
  for (const name of providerNames) {
    const provider = providerFor(name)
    for (const plan of prepared.plans.filter((p) => p.suite.cluster.provider === name)) {
      await provider.preflight(plan.suite.cluster, plan.networks.map((network) => plan.suite.networkSpecs?.find((spec) => spec.name === network.name) ?? network.name))
    }
    // An imperative lab's networks are known as its tests probe them: the declared ones, or host.
    for (const lab of prepared.imperativeLabs.filter((l) => l.cluster.provider === name)) {
      await provider.preflight(lab.cluster, lab.networks.length ? lab.networks : ['host'])
    }
  }
}

/**
 * A reporter failed after the whole run was measured: the measurements must not be lost. The
 * JSON result goes to the working directory (or, if that is not writable, the temp directory)
 * and the message says where and how to render it again.
 */
async function keepResult(result: RunResult, errors: NodeJS.WritableStream): Promise<void> {
  const name = `netbench-result-${result.runId}.json`
  const text = `${JSON.stringify(result, null, 2)}\n`
  for (const file of [resolve(name), join(tmpdir(), name)]) {
    try {
      await writeFile(file, text, { flag: 'wx' })
      errors.write(`netbench: the measurements are kept in ${file} — render them with \`netbench report ${file}\`\n`)
      return
    } catch { /* try the next place */ }
  }
  errors.write('netbench: the result could not be written anywhere (working directory and temp directory refused it)\n')
}

/** Says what the CLI had to remove after the workers (a dead worker, an interrupted run) or could not. */
function reportRemoteCleanup(outcome: { removed: string[]; errors: unknown[] }, stream: NodeJS.WritableStream): boolean {
  if (outcome.removed.length) stream.write(`netbench: removed ${outcome.removed.join(', ')}\n`)
  for (const error of outcome.errors) {
    stream.write(`netbench: cleanup failed: ${isNetbenchError(error) ? error.oneLine : error instanceof Error ? error.message : String(error)}\n`)
  }
  return outcome.errors.length > 0
}

/**
 * SIGINT/SIGTERM during a run: stop what is running (the lab's processes first, so the probe in
 * flight ends now rather than at its end) and let the run finish its cleanup and report.
 */
class Interrupt {
  interrupted = false
  private readonly listeners: Array<() => void> = []
  private readonly handler = (signal: NodeJS.Signals) => {
    if (this.interrupted) return
    this.interrupted = true
    this.stream.write(`\nnetbench: ${signal} received, stopping and cleaning up…\n`)
    void this.stopLab()
    this.listeners.forEach((listener) => listener())
  }

  constructor(private readonly stream: NodeJS.WritableStream, private readonly stopLab: () => Promise<void>) {
    process.on('SIGINT', this.handler)
    process.on('SIGTERM', this.handler)
  }

  onInterrupt(listener: () => void): void {
    this.listeners.push(listener)
  }

  dispose(): void {
    process.off('SIGINT', this.handler)
    process.off('SIGTERM', this.handler)
  }
}

async function runVitest(prepared: PreparedRun, context: RunContext, reporter: NetbenchReporter, options: RunOptions, interrupt: Interrupt) {
  const events: RunEvent[] = []
  let offset = 0
  const drain = async () => {
    const read = await readEvents(context.eventsFile, offset)
    offset = read.offset
    for (const event of read.events) {
      events.push(event)
      reporter.onEvent?.(event)
    }
  }
  let polling = Promise.resolve()
  const timer = setInterval(() => { polling = polling.then(drain) }, 200)
  const collector = new OutcomeCollector()
  const childrenBefore = new Set(childProcesses(process.pid))
  let vitest: Vitest | undefined
  interrupt.onInterrupt(() => void vitest?.cancelCurrentRun('keyboard-input'))
  try {
    const signalListeners = (signal: NodeJS.Signals) => new Set(process.listeners(signal))
    const before = { SIGINT: signalListeners('SIGINT'), SIGTERM: signalListeners('SIGTERM') }
    vitest = await createVitest('test', {
      config: false,
      watch: false,
      root: process.cwd(),
      dir: '/',
      include: prepared.files,
      fileParallelism: false,
      maxWorkers: 1,
      isolate: false,
      pool: 'forks',
      testTimeout: 0,
      hookTimeout: 0,
      reporters: [collector],
      testNamePattern: options.testNamePattern,
      setupFiles: [moduleFile('./worker-setup')],
      provide: { [CONTEXT_KEY]: context },
      passWithNoTests: true,
      server: { deps: ownModules },
    }, {
      plugins: [netbenchPlugin(moduleFile('../suites/define'))],
      resolve: { alias: { netbench: moduleFile('../index') } },
      logLevel: 'silent',
    })
    trace('run:vitest-created')
    // Vitest's logger exits the process on SIGINT/SIGTERM; netbench must clean the lab first.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (!before[signal].has(listener)) process.off(signal, listener)
    }
    if (!interrupt.interrupted) await vitest.start([...prepared.files])
    await vitest.close()
    trace('run:vitest-closed')
  } catch (error) {
    if (!interrupt.interrupted) throw error
  } finally {
    // A worker still busy when an interrupted run closes could start one more probe after the
    // lab is gone: end the workers (our own children) before anything is torn down. Children from
    // before the run stay: tsx's esbuild service still compiles the reporters loaded afterwards.
    // A worker's own children go too: one it was starting (BIRD mid set-up) is not yet inside a
    // namespace where the lab's cleanup would find it.
    await stopProcesses(childProcesses(process.pid).filter((pid) => !childrenBefore.has(pid)).flatMap((pid) => [pid, ...descendantProcesses(pid)]))
    clearInterval(timer)
    await polling
    await drain()
  }
  return { events, collector }
}

/** Facts about this machine from the lifecycles that keep the run here; undefined without any. */
async function machineFacts(lifecycles: readonly RunLifecycle[], stream: NodeJS.WritableStream): Promise<Record<string, string> | undefined> {
  if (!lifecycles.length) return undefined
  const facts: Record<string, string> = {}
  for (const lifecycle of lifecycles) Object.assign(facts, await lifecycle.facts(stream))
  return facts
}
