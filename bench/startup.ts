import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { percentile } from '../src/results/stats.ts'
import { breakdown, type Breakdown } from './trace.ts'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

/** How the CLI is started: the package's compiled bin, or the sources through tsx's loader (0.1.0). */
const launchers = {
  compiled: ['bin/netbench.js'],
  tsx: ['--import', 'tsx', 'src/cli/main.ts'],
} as const
type Launcher = keyof typeof launchers

function timeCli(launcher: Launcher, args: string[], okCodes: readonly number[] = [0], env?: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...launchers[launcher], ...args], { cwd: repoRoot, stdio: 'ignore', env: env && { ...process.env, ...env } })
    child.on('close', (code) => okCodes.includes(code ?? -1) ? resolve(performance.now() - started) : reject(new Error(`netbench (${launcher}) exited ${code}`)))
  })
}

async function median(times: number, measure: () => Promise<number>): Promise<number> {
  const samples = []
  for (let i = 0; i < times; i++) samples.push(await measure())
  return percentile(samples, 50)
}

/** The study's matrix at 3 s points: 4 networks × (5 UDP rates + TCP) across 3 zones. */
const MATRIX_POINT_MS = 3000
const MATRIX_PROBE_SECONDS = 4 * 6 * MATRIX_POINT_MS / 1000
const matrixSuite = `import { defineSuite, udp, tcp } from 'netbench'

export default defineSuite({
  name: 'startup bench: overlay matrix',
  cluster: { provider: 'local', nodes: 3, zones: 3, instance: 'm4.large' },
  networks: ['host', 'flannel', 'calico', 'weave'],
  steps: [
    udp({ bitrates: ['1M', '10M', '100M', '1G', '3G'], duration: '3s', between: 'zones' }),
    tcp({ streams: 1, duration: '3s', between: 'zones' }),
  ],
})
`

export interface StartupFigures {
  versionMs: Record<Launcher, number>
  listMs: Record<Launcher, number>
  matrixSeconds: Record<Launcher, number>
  matrixProbeSeconds: number
}

/**
 * The matrix alone, `runs` times with the compiled CLI: wall seconds of each run, and where each
 * run's time went (traced with NETBENCH_TRACE, which costs a file append per phase).
 */
export async function benchMatrix(runs: number): Promise<{ seconds: number[]; probeSeconds: number; breakdowns: Breakdown[] }> {
  const dir = mkdtempSync(join(repoRoot, '.tmp/bench-'))
  const suite = join(dir, 'matrix.netbench.ts')
  writeFileSync(suite, matrixSuite)
  const seconds: number[] = []
  const breakdowns: Breakdown[] = []
  try {
    for (let run = 0; run < runs; run++) {
      const traceFile = join(dir, `trace-${run}.txt`)
      const spawnedAt = performance.timeOrigin + performance.now()
      seconds.push(await timeCli('compiled', [suite], [0], { NETBENCH_TRACE: traceFile }) / 1000)
      breakdowns.push(breakdown(traceFile, spawnedAt, performance.timeOrigin + performance.now(), MATRIX_POINT_MS))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return { seconds, probeSeconds: MATRIX_PROBE_SECONDS, breakdowns }
}

/** The compiled CLI against the tsx path, side by side in one invocation, alternating launchers. */
export async function benchStartup(): Promise<StartupFigures> {
  const figures: StartupFigures = { versionMs: { compiled: 0, tsx: 0 }, listMs: { compiled: 0, tsx: 0 }, matrixSeconds: { compiled: 0, tsx: 0 }, matrixProbeSeconds: MATRIX_PROBE_SECONDS }
  const dir = mkdtempSync(join(repoRoot, '.tmp/bench-'))
  const suite = join(dir, 'matrix.netbench.ts')
  writeFileSync(suite, matrixSuite)
  try {
    for (const launcher of ['tsx', 'compiled'] as const) {
      figures.versionMs[launcher] = await median(7, () => timeCli(launcher, ['--version']))
      figures.listMs[launcher] = await median(5, () => timeCli(launcher, ['list', 'suites/quickstart.netbench.ts']))
    }
    for (const launcher of ['tsx', 'compiled'] as const) {
      // No expectations: exit 0 whatever was measured; only the wall time counts here.
      figures.matrixSeconds[launcher] = await timeCli(launcher, [suite]) / 1000
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return figures
}
