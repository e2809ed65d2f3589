import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createVitest, type Vitest } from 'vitest/node'
import { createReporters, type NetbenchReporter } from '../../reporters/index.ts'
import { EXIT, isNetbenchError } from '../errors.ts'
import type { PreparedRun } from '../plan/prepare.ts'
import { providerFor, removeRemoteRuns } from '../providers/registry.ts'
import { newRunId, prefix } from '../providers/local/names.ts'
import { claimRun, reapDeadRuns, removeRun, stopLabProcesses } from '../providers/local/runs.ts'
import { buildRunResult } from '../results/build.ts'
import { captureEnvironment } from '../results/environment.ts'
import { INTERRUPT_NOTICE_MS, markInterrupted } from './interrupt.ts'
import { childProcesses, stopProcesses } from '../process.ts'
import { LAB_FACTS } from '../providers/local/shaping.ts'
import type { LoadedResult } from '../results/load-result.ts'
import type { RunResult } from '../results/types.ts'
import { OutcomeCollector } from './collector.ts'
import { CONTEXT_KEY, type RunContext } from './context.ts'
import { readEvents, type RunEvent } from './events.ts'
import { netbenchPlugin } from './vite-plugin.ts'

export interface RunOptions {
  testNamePattern?: string
  reporters: string[]
  outputFile?: string
  /** `--report-dir`: where the html, junit and json reporters write. */
  reportDir?: string
  /** `--baseline`: compared with every point, and read by `of baseline` expectations. */
  baseline?: LoadedResult
  stream: NodeJS.WritableStream
  isTTY: boolean
}

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

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
  const providerNames = new Set(prepared.plans.map((plan) => plan.suite.cluster.provider))
  if (prepared.imperativeFiles.length) providerNames.add('local')
  for (const name of providerNames) {
    const provider = providerFor(name)
    for (const plan of prepared.plans.filter((p) => p.suite.cluster.provider === name)) {
      await provider.preflight(plan.suite.cluster, plan.networks.map((network) => plan.suite.networkSpecs?.find((spec) => spec.name === network.name) ?? network.name))
    }
    if (name === 'local' && !prepared.plans.length) await provider.preflight({ provider: 'local', nodes: 3, zones: 3, instance: null, bandwidthBps: null }, ['host'])
  }
  const reporters = createReporters(options.reporters, { stream: options.stream, outputFile: options.outputFile, reportDir: options.reportDir, isTTY: options.isTTY })

  const runId = newRunId()
  // Kube namespaces and k3s containers live elsewhere: the CLI removes them even if a worker died.
  const remoteSpecs = prepared.plans.map((plan) => plan.suite.cluster).filter((spec) => spec.provider !== 'local')
  let remoteCleaned = false
  const removeRemote = async (wait: boolean) => remoteSpecs.length ? removeRemoteRuns(runId, remoteSpecs, { wait }) : { removed: [], errors: [] }
  // Runs without a local suite (kube, k3s) need no root and no iproute2: skip the lab's bookkeeping.
  const usesLab = providerNames.has('local')
  const removeLocal = () => usesLab ? removeRun(runId) : rm(runDir, { recursive: true, force: true }).then(() => [])
  // Only a claimed run may carry the lab's `nb<id>-` prefix: another run's reaper removes such a
  // directory when no owner record claims it, and a kube or k3s run (no root) claims none.
  const runDir = await mkdtemp(join(tmpdir(), usesLab ? `${prefix(runId)}-` : `netbench-${runId}-`))
  const interrupt = new Interrupt(options.stream, async () => {
    // The worker stops its probes itself once it sees the marker, and starts no new ones; only
    // what is still running after that is ended from here. Namespaces stay for the final cleanup:
    // a process in a namespace already deleted could no longer be found.
    markInterrupted(runDir)
    await new Promise((resolve) => setTimeout(resolve, INTERRUPT_NOTICE_MS))
    await Promise.all([
      usesLab ? stopLabProcesses(runId).catch(() => undefined) : undefined,
      removeRemote(false).catch(() => undefined),
    ])
  })
  const startedAt = new Date()
  if (usesLab) await claimRun(runId, runDir)
  try {
    const reaped = usesLab ? await reapDeadRuns(runId) : []
    if (reaped.length) options.stream.write(`netbench: removed leftovers of dead runs: ${reaped.join(', ')}\n`)
    const environment = await captureEnvironment([...providerNames].join(', '), usesLab ? LAB_FACTS : undefined)
    const context: RunContext = {
      runId, runDir, eventsFile: join(runDir, 'events.jsonl'),
      plans: Object.fromEntries(prepared.plans.map((plan) => [plan.suite.file, plan])),
    }
    const points = prepared.plans.reduce((total, plan) => total + plan.networks.reduce((sum, network) => sum + network.points.length, 0), 0)
    reporters.forEach((reporter) => reporter.onRunStart?.({ runId, files: prepared.files, points }))
    const { events, collector } = await runVitest(prepared, context, reporters, options, interrupt)
    const leftBehind = reportRemoteCleanup(await removeRemote(true), options.stream)
    remoteCleaned = true
    const result = buildRunResult({
      runId, startedAt, environment, plans: prepared.plans, imperativeFiles: prepared.imperativeFiles,
      events, outcomes: collector.outcomes, fileErrors: collector.fileErrors, interrupted: interrupt.interrupted, baseline: options.baseline,
    })
    await removeLocal()
    for (const reporter of reporters) {
      try {
        await reporter.onRunEnd?.(result)
      } catch (error) {
        options.stream.write(`netbench: the ${reporter.name} reporter failed: ${error instanceof Error ? error.message : String(error)}\n`)
      }
    }
    // Objects the run could not remove from a cluster are an environment problem (exit 3).
    const exitCode = leftBehind && result.status !== 'interrupted' ? EXIT.environment : exitCodeOf(result)
    return { exitCode, result }
  } finally {
    await removeLocal()
    if (!remoteCleaned) reportRemoteCleanup(await removeRemote(true), options.stream)
    interrupt.dispose()
  }
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

async function runVitest(prepared: PreparedRun, context: RunContext, reporters: NetbenchReporter[], options: RunOptions, interrupt: Interrupt) {
  const events: RunEvent[] = []
  let offset = 0
  const drain = async () => {
    const read = await readEvents(context.eventsFile, offset)
    offset = read.offset
    for (const event of read.events) {
      events.push(event)
      reporters.forEach((reporter) => reporter.onEvent?.(event))
    }
  }
  let polling = Promise.resolve()
  const timer = setInterval(() => { polling = polling.then(drain) }, 200)
  const collector = new OutcomeCollector()
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
      setupFiles: [source('./worker-setup.ts')],
      provide: { [CONTEXT_KEY]: context },
      passWithNoTests: true,
      server: { deps: { inline: [/netbench/] } },
    }, {
      plugins: [netbenchPlugin(source('../suites/define.ts'))],
      resolve: { alias: { netbench: source('../index.ts') } },
      logLevel: 'silent',
    })
    // Vitest's logger exits the process on SIGINT/SIGTERM; netbench must clean the lab first.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (!before[signal].has(listener)) process.off(signal, listener)
    }
    if (!interrupt.interrupted) await vitest.start([...prepared.files])
    await vitest.close()
  } catch (error) {
    if (!interrupt.interrupted) throw error
  } finally {
    // A worker still busy when an interrupted run closes could start one more probe after the
    // lab is gone: end the workers (our own children) before anything is torn down.
    await stopProcesses(childProcesses(process.pid))
    clearInterval(timer)
    await polling
    await drain()
  }
  return { events, collector }
}
