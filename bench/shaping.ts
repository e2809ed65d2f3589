/**
 * Loss above the link (issue 10), needs root: per link rate, UDP offered at twice the rate through
 * the lab's shaping as it was before (tbf alone: 20 ms queue, 128 KiB/4 ms bucket) and as it is now
 * (UDP policers in front of a tbf with a shallow byte-bounded queue), each with a 4 MiB and a stock
 * (212992) socket buffer, all in one invocation on the same 2-node lab per rate. About a minute.
 * Run alone: `node --import tsx bench/shaping.ts`, or through `npm run bench`.
 */
import { fileURLToPath } from 'node:url'
import { runChecked } from '../src/exec.ts'
import { createLab, pathShapers, policeFrames, type LocalLab } from '../src/providers/local/lab.ts'
import { prefix } from '../src/providers/local/names.ts'
import { newRunId } from '../src/run-id.ts'
import { claimRun, removeRun } from '../src/providers/local/runs.ts'
import { FULL_FRAME_BYTES, policerTable, readShaperCounters, tbfArgs } from '../src/providers/local/shaping.ts'
import { measureSenderCeiling } from '../src/tools/iperf3/ceiling.ts'
import { runIperf3 } from '../src/tools/iperf3/run.ts'
import { STOCK_SOCKET_BUFFER_MAX } from '../src/tools/iperf3/socket-buffer.ts'

export const SHAPING_RATES = [100e6, 300e6, 450e6, 750e6, 1e9]
const BUFFERS = [4 * 1024 * 1024, STOCK_SOCKET_BUFFER_MAX]

export interface ShapingRun {
  sentBps: number | null
  receivedBps: number | null
  lossPercent: number | null
  shaperDrops: number
}

export interface ShapingRow {
  rateBps: number
  /** Keyed `before|4194304`, `after|212992`, … */
  runs: Record<string, ShapingRun>
}

/** The tbf the lab used before issue 10, for the "before" columns. */
const oldTbf = (device: string, rateBps: number) => ['qdisc', 'replace', 'dev', device, 'root', 'tbf', 'rate', `${rateBps}bit`, 'burst', String(Math.max(128 * 1024, Math.round((rateBps / 8000) * 4))), 'latency', '20ms']

/** Before: the old tbf alone (the policers' tables removed); after: policers back, today's tbf. */
async function reshape(lab: LocalLab, rateBps: number, old: boolean): Promise<void> {
  const devices = lab.nodes.flatMap((node) => node.shaper ? [node.shaper.ifb, node.shaper.port] : [])
  const input = devices.map((device) => (old ? oldTbf(device, rateBps) : tbfArgs(device, rateBps)).join(' ')).join('\n') + '\n'
  await runChecked('tc', ['-n', lab.underlayNamespace, '-batch', '-'], { input, what: 'reshaping the bench lab' })
  if (!old) return policeFrames(lab, FULL_FRAME_BYTES)
  const table = policerTable(prefix(lab.runId))
  for (const node of lab.nodes) await runChecked('ip', ['netns', 'exec', node.namespace, 'nft', 'delete', 'table', 'netdev', table])
  await runChecked('ip', ['netns', 'exec', lab.underlayNamespace, 'nft', 'delete', 'table', 'bridge', table])
}

async function offerTwice(lab: LocalLab, rateBps: number, socketBufferBytes: number, policed: boolean): Promise<ShapingRun> {
  const [a, b] = lab.nodes
  const shapers = policed ? pathShapers(lab, a!.name, b!.name)! : () => readShaperCounters(lab.underlayNamespace, [a!.shaper!.ifb, b!.shaper!.port])
  const before = (await shapers())!
  const sample = await runIperf3({ client: a!.endpoint, server: b!.endpoint, probe: { kind: 'udp', bitrateBps: 2 * rateBps, durationMs: 2000, socketBufferBytes } })
  const after = (await shapers())!
  return { sentBps: sample.metrics.senderBps, receivedBps: sample.metrics.throughputBps, lossPercent: sample.metrics.lossPercent, shaperDrops: after.drops - before.drops }
}

export async function benchShaping(): Promise<{ ceilingBps: number | null; rows: ShapingRow[] }> {
  let ceilingBps: number | null = null
  const rows: ShapingRow[] = []
  for (const rateBps of SHAPING_RATES) {
    const runId = newRunId()
    await claimRun(runId, '')
    try {
      const lab = await createLab(runId, { provider: 'local', nodes: 2, zones: 2, instance: null, bandwidthBps: rateBps, pods: 1 })
      ceilingBps ??= await measureSenderCeiling(lab.nodes[0]!.endpoint, null)
      const runs: Record<string, ShapingRun> = {}
      // Before and after alternate per buffer so a change in the machine's load hits both alike.
      for (const buffer of BUFFERS) {
        for (const shaping of ['before', 'after'] as const) {
          await reshape(lab, rateBps, shaping === 'before')
          runs[`${shaping}|${buffer}`] = await offerTwice(lab, rateBps, buffer, shaping === 'after')
        }
      }
      rows.push({ rateBps, runs })
    } finally {
      await removeRun(runId)
    }
  }
  return { ceilingBps, rows }
}

const mbit = (bps: number | null) => bps === null ? '—' : `${Math.round(bps / 1e6)}`
const cell = (run: ShapingRun | undefined) => run ? `${mbit(run.sentBps)} / ${mbit(run.receivedBps)} / ${run.lossPercent === null ? '—' : run.lossPercent.toFixed(0)}% (${run.shaperDrops})` : '—'

export function formatShapingFigures({ ceilingBps, rows }: { ceilingBps: number | null; rows: ShapingRow[] }): string {
  const lines = [
    `Loss above the link: UDP offered at 2× the link, 2 s, 2 nodes; sent / received Mbit/s / loss (shaper drops); sender ceiling on loopback ${mbit(ceilingBps)} Mbit/s`,
    '| link | before, -w 4 MiB | after, -w 4 MiB | before, -w 212992 | after, -w 212992 |',
    '|---|---|---|---|---|',
    ...rows.map(({ rateBps, runs }) => `| ${mbit(rateBps)}M | ${BUFFERS.flatMap((buffer) => ['before', 'after'].map((shaping) => cell(runs[`${shaping}|${buffer}`]))).join(' | ')} |`),
  ]
  return lines.join('\n') + '\n'
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(formatShapingFigures(await benchShaping()))
