/**
 * Lab benchmarks (needs root):
 * - 3 nodes × every network up and down in one lab (target ≤ 10 s in total), each network's
 *   up+down against the plain `host` lab (create, host network, destroy) measured in the same run;
 * - a 50-node flannel lab (100 pods) up (target ≤ 60 s) with this process's peak RSS (< 300 MB).
 * Run alone: `node --import tsx bench/lab.ts`, or through `npm run bench` once wired.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { prefix } from '../src/providers/local/names.ts'
import { newRunId } from '../src/run-id.ts'
import { localProvider, type LocalCluster } from '../src/providers/local/provider.ts'
import { claimRun, removeRun } from '../src/providers/local/runs.ts'
import type { LocalClusterSpec, NetworkSpec } from '../src/model.ts'

export const LAB_NETWORKS: NetworkSpec[] = [
  { name: 'flannel', cni: 'flannel', options: {} },
  { name: 'flannel-hostgw', cni: 'flannel', options: { backend: 'host-gw' } },
  { name: 'calico', cni: 'calico', options: {} },
  { name: 'calico-vxlan', cni: 'calico', options: { encapsulation: 'vxlan' } },
  { name: 'canal', cni: 'canal', options: {} },
  { name: 'weave', cni: 'weave', options: {} },
  { name: 'cilium', cni: 'cilium', options: {} },
  { name: 'romana', cni: 'romana', options: {} },
]

export interface NetworkFigures {
  name: string
  /** Network.setupMs: install until every pod reaches every other (Calico: BGP converged too). */
  setupMs: number
  upMs: number
  downMs: number
  /** (up + down) / the host lab's (create + host + destroy). */
  vsHostLab: number
}

export interface LabFigures {
  hostLabMs: { upMs: number; downMs: number }
  networks: NetworkFigures[]
  /** Lab create + every network up and down + lab destroy. */
  allNetworksMs: number
  /** The same for the six CNIs with their defaults only (no variants): lab + Σ up/down. */
  defaultCnisMs: number
  large: { nodes: number; pods: number; labUpMs: number; networkUpMs: number; setupMs: number; totalUpMs: number; downMs: number; peakRssMb: number }
}

const spec = (nodes: number, zones = 3): LocalClusterSpec => ({ provider: 'local', nodes, zones, instance: null, bandwidthBps: null, pods: 2 })

async function withRun<T>(body: (context: { runId: string; runDir: string }) => Promise<T>): Promise<T> {
  const runId = newRunId()
  const runDir = await mkdtemp(join(tmpdir(), `${prefix(runId)}-`))
  await claimRun(runId, runDir)
  try {
    return await body({ runId, runDir })
  } finally {
    await removeRun(runId)
    await rm(runDir, { recursive: true, force: true })
  }
}

const since = (started: number) => performance.now() - started

/** Peak RSS of this process while `body` runs, sampled every 50 ms. */
async function peakRss<T>(body: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage().rss
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 50)
  try {
    const value = await body()
    peak = Math.max(peak, process.memoryUsage().rss)
    return { value, peakMb: peak / 2 ** 20 }
  } finally {
    clearInterval(timer)
  }
}

export async function benchLab(): Promise<LabFigures> {
  // The plain host lab: create 3 nodes, "install" host, destroy.
  const hostLabMs = await withRun(async (context) => {
    const started = performance.now()
    const cluster = await localProvider.createCluster(spec(3), context)
    await cluster.install('host')
    const upMs = since(started)
    const down = performance.now()
    await cluster[Symbol.asyncDispose]()
    return { upMs, downMs: since(down) }
  })
  const hostTotal = hostLabMs.upMs + hostLabMs.downMs

  const { networks, allNetworksMs } = await withRun(async (context) => {
    const started = performance.now()
    const cluster = await localProvider.createCluster(spec(3), context) as LocalCluster
    const networks: NetworkFigures[] = []
    for (const network of LAB_NETWORKS) {
      const up = performance.now()
      const installed = await cluster.install(network)
      const upMs = since(up)
      const down = performance.now()
      await installed[Symbol.asyncDispose]()
      const downMs = since(down)
      networks.push({ name: network.name, setupMs: installed.setupMs, upMs, downMs, vsHostLab: (upMs + downMs) / hostTotal })
    }
    await cluster[Symbol.asyncDispose]()
    return { networks, allNetworksMs: since(started) }
  })

  const large = await withRun(async (context) => {
    const { value, peakMb } = await peakRss(async () => {
      const started = performance.now()
      const cluster = await localProvider.createCluster(spec(50), context) as LocalCluster
      const labUpMs = since(started)
      const up = performance.now()
      const installed = await cluster.install('flannel')
      const networkUpMs = since(up)
      const totalUpMs = since(started)
      const down = performance.now()
      await installed[Symbol.asyncDispose]()
      await cluster[Symbol.asyncDispose]()
      return { nodes: 50, pods: installed.pods.length, labUpMs, networkUpMs, setupMs: installed.setupMs, totalUpMs, downMs: since(down) }
    })
    return { ...value, peakRssMb: peakMb }
  })
  const defaults = new Set(['flannel', 'calico', 'canal', 'weave', 'cilium', 'romana'])
  const variantsMs = networks.filter((network) => !defaults.has(network.name)).reduce((sum, network) => sum + network.upMs + network.downMs, 0)
  return { hostLabMs, networks, allNetworksMs, defaultCnisMs: allNetworksMs - variantsMs, large }
}

export function formatLabFigures(figures: LabFigures): string {
  const ms = (value: number) => `${Math.round(value)} ms`.padStart(8)
  const lines = [
    `Lab: 3 nodes × ${figures.networks.length} networks up and down (target ≤ 10 s in total)`,
    `  host lab (create + host + destroy)  ${ms(figures.hostLabMs.upMs + figures.hostLabMs.downMs)}  (up ${Math.round(figures.hostLabMs.upMs)} ms, down ${Math.round(figures.hostLabMs.downMs)} ms)`,
    ...figures.networks.map((network) => `  ${network.name.padEnd(15)} setup ${ms(network.setupMs)}  up ${ms(network.upMs)}  down ${ms(network.downMs)}  ×${network.vsHostLab.toFixed(2)} the host lab`),
    `  all ${figures.networks.length} networks, one lab          ${ms(figures.allNetworksMs)}`,
    `  the 6 CNIs (defaults), one lab      ${ms(figures.defaultCnisMs)}`,
    `Lab: ${figures.large.nodes} nodes, flannel, ${figures.large.pods} pods (target ≤ 60 s up, < 300 MB RSS)`,
    `  nodes up ${ms(figures.large.labUpMs)}, flannel up ${ms(figures.large.networkUpMs)} (setup-time ${Math.round(figures.large.setupMs)} ms), total ${ms(figures.large.totalUpMs)}`,
    `  down ${ms(figures.large.downMs)}, peak RSS ${figures.large.peakRssMb.toFixed(0)} MB`,
  ]
  return `${lines.join('\n')}\n`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(formatLabFigures(await benchLab()))
}
