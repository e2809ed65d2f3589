/**
 * The max-rate search (issue 11, part 5), needs root: per link rate, the search as it was (every
 * probe at the step's full 10 s) and as it is (2 s bisection trials, then one 10 s confirmation),
 * back to back on the same 2-node lab with the lab's policers, in one invocation. About 4 minutes.
 * Run alone: `node --import tsx bench/search.ts`, or through `npm run bench`.
 */
import { fileURLToPath } from 'node:url'
import type { PlannedPoint } from '../src/runner/planned.ts'
import { createLab, pathShapers, policeFrames } from '../src/providers/local/lab.ts'
import { newRunId } from '../src/run-id.ts'
import { claimRun, removeRun } from '../src/providers/local/runs.ts'
import { FULL_FRAME_BYTES } from '../src/providers/local/shaping.ts'
import { measurePoint } from '../src/runner/measure.ts'
import type { SearchStrategy } from '../src/runner/max-rate.ts'

export const SEARCH_LINKS = [50e6, 300e6]
const STEP_MS = 10_000
/** The suite defaults of a `find: 'max'` step. */
const SEARCH = { fromBps: 10e6, toBps: 10e9, resolution: 0.05, lossBoundPercent: 0.5 }

export interface SearchRun {
  seconds: number
  probes: number
  foundBps: number | null
  /** The point's error, when the search could not run to the end. */
  error: string | null
}

export interface SearchRow {
  linkBps: number
  fullLength: SearchRun
  shortTrials: SearchRun
}

const point: PlannedPoint = {
  id: 'host|0|', network: 'host', stepIndex: 0, step: 'udp', label: 'udp find max', bitrateBps: null, streams: null,
  durationMs: STEP_MS, omitMs: 0, between: 'zones', repeat: 1, search: SEARCH,
}

export async function benchSearch(): Promise<SearchRow[]> {
  const rows: SearchRow[] = []
  for (const linkBps of SEARCH_LINKS) {
    const runId = newRunId()
    await claimRun(runId, '')
    try {
      const lab = await createLab(runId, { provider: 'local', nodes: 2, zones: 2, instance: null, bandwidthBps: linkBps, pods: 1 })
      await policeFrames(lab, FULL_FRAME_BYTES)
      const [a, b] = lab.nodes
      const pair = { client: a!.endpoint, server: b!.endpoint, shapers: pathShapers(lab, a!.name, b!.name) }
      const run = async (searchStrategy: SearchStrategy): Promise<SearchRun> => {
        const started = performance.now()
        const result = await measurePoint('bench', point, pair, { searchStrategy })
        return { seconds: (performance.now() - started) / 1000, probes: result.search?.probes.length ?? 0, foundBps: result.search?.maxRateBps ?? null, error: result.error }
      }
      rows.push({ linkBps, fullLength: await run('full-length'), shortTrials: await run('trials') })
    } finally {
      await removeRun(runId)
    }
  }
  return rows
}

const mbit = (bps: number | null) => bps === null ? 'none' : `${(bps / 1e6).toFixed(1)}M`

export function formatSearchFigures(rows: readonly SearchRow[]): string {
  const lines = [`Max-rate search ${mbit(SEARCH.fromBps)}–${mbit(SEARCH.toBps)} ±5%, ≤ 0.5% loss, 10 s step: every probe 10 s, bisecting (as before) vs guided 2 s trials + 10 s confirmation (targets: time ≤ 35%, rate within ±5%)`]
  for (const { linkBps, fullLength, shortTrials } of rows) {
    const rate = fullLength.foundBps && shortTrials.foundBps ? `${((shortTrials.foundBps / fullLength.foundBps - 1) * 100).toFixed(1)}%` : '—'
    lines.push(`  ${mbit(linkBps).padEnd(6)} link   full-length ${fullLength.seconds.toFixed(1)} s (${fullLength.probes} probes, found ${mbit(fullLength.foundBps)}), short trials ${shortTrials.seconds.toFixed(1)} s (${shortTrials.probes} probes, found ${mbit(shortTrials.foundBps)}): time ${(shortTrials.seconds / fullLength.seconds * 100).toFixed(0)}%, rate ${rate}`)
  }
  for (const { linkBps, fullLength, shortTrials } of rows) {
    for (const run of [fullLength, shortTrials]) if (run.error) lines.push(`  ${mbit(linkBps)} link: error: ${run.error}`)
  }
  return `${lines.join('\n')}\n`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(formatSearchFigures(await benchSearch()))
