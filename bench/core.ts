import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { prepareRun } from '../src/suites/prepare.ts'
import { createLab } from '../src/providers/local/lab.ts'
import { newRunId } from '../src/run-id.ts'
import { claimRun, removeRun } from '../src/providers/local/runs.ts'
import { runIperf3 } from '../src/tools/iperf3/run.ts'
import { percentile } from '../src/results/stats.ts'
import type { LocalClusterSpec } from '../src/model.ts'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const quickstart = 'suites/quickstart.netbench.ts'

function timeCli(args: string[]): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/netbench.js', ...args], { cwd: repoRoot, stdio: 'ignore' })
    child.on('close', (code) => code === 0 ? resolve(performance.now() - started) : reject(new Error(`netbench exited ${code}`)))
  })
}

/**
 * The same points as the quickstart, run back to back with iperf3 alone on a lab built once:
 * what the measurements cost without netbench around them.
 */
async function bareIperf3(spec: LocalClusterSpec, probes: Parameters<typeof runIperf3>[0]['probe'][]): Promise<number> {
  const runId = newRunId()
  await claimRun(runId, '')
  try {
    const lab = await createLab(runId, spec)
    const [client, server] = [lab.nodes[0]!.endpoint, lab.nodes[1]!.endpoint]
    const started = performance.now()
    for (const probe of probes) await runIperf3({ client, server, probe })
    return performance.now() - started
  } finally {
    await removeRun(runId)
  }
}

async function labCycle(spec: LocalClusterSpec): Promise<{ upMs: number; downMs: number }> {
  const runId = newRunId()
  await claimRun(runId, '')
  const started = performance.now()
  let upMs = Number.NaN
  let downMs = Number.NaN
  try {
    await createLab(runId, spec)
    upMs = performance.now() - started
  } finally {
    const downStarted = performance.now()
    await removeRun(runId)
    downMs = performance.now() - downStarted
  }
  return { upMs, downMs }
}

export interface CoreFigures {
  probeSeconds: number
  netbenchSeconds: number
  bareIperf3Seconds: number
  overheadVsDurations: number
  overheadVsBareIperf3: number
  labUpMs: number
  labDownMs: number
}

/** Orchestration overhead of the quickstart and the 3-node lab's set-up and teardown. */
export async function benchCore(): Promise<CoreFigures> {
  const { plans } = await prepareRun([`${repoRoot}/${quickstart}`])
  const plan = plans[0]!
  const points = plan.networks.flatMap((network) => network.points)
  const probeMs = points.reduce((total, point) => total + point.durationMs * point.repeat, 0)
  const probes = points.map((point) => point.step === 'udp'
    ? { kind: 'udp' as const, bitrateBps: point.bitrateBps!, durationMs: point.durationMs }
    : { kind: 'tcp' as const, streams: point.streams ?? 1, durationMs: point.durationMs })
  const cluster = plan.suite.cluster
  if (cluster.provider !== 'local') throw new Error('the benchmark measures the local lab: use a local suite')
  const bareMs = await bareIperf3(cluster, probes)
  const netbenchMs = await timeCli([quickstart])
  const cycles = []
  for (let i = 0; i < 5; i++) cycles.push(await labCycle({ ...cluster, nodes: 3, zones: 3 }))
  return {
    probeSeconds: probeMs / 1000,
    netbenchSeconds: netbenchMs / 1000,
    bareIperf3Seconds: bareMs / 1000,
    overheadVsDurations: netbenchMs / probeMs,
    overheadVsBareIperf3: netbenchMs / bareMs,
    labUpMs: percentile(cycles.map((c) => c.upMs), 50),
    labDownMs: percentile(cycles.map((c) => c.downMs), 50),
  }
}
