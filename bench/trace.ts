/**
 * Where a run's wall time goes, from its NETBENCH_TRACE file (src/trace.ts): each stretch of the
 * run falls into one phase, so the phases add up to the wall time and `overhead` is everything
 * but the probes' nominal durations.
 */
import { readFileSync } from 'node:fs'

interface Mark { at: number; label: string; arg: string }

export interface Breakdown {
  wallMs: number
  /** The probes' nominal durations (what the ratio divides by). */
  probeMs: number
  phases: Record<Phase, number>
}

export const PHASES = ['start', 'network set-up', 'network teardown', 'sender ceiling', 'iperf3 own', 'between probes', 'tail'] as const
export type Phase = typeof PHASES[number]

export const PHASE_NOTES: Record<Phase, string> = {
  'start': 'CLI start until the cluster is up',
  'network set-up': 'install → ready, every network',
  'network teardown': 'release → released, and the lab at the end',
  'sender ceiling': 'loopback runs for sender-limited points',
  'iperf3 own': "a client's run beyond its nominal duration",
  'between probes': 'server, counter reads, results, events',
  'tail': 'after the lab is gone until the process exits',
}

function readMarks(file: string): Mark[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
    const [at, , label, ...rest] = line.split(' ')
    return { at: Number(at), label: label!, arg: rest.join(' ') }
  })
}

/** The breakdown of one traced run that started at `spawnedAt` and ended at `endedAt` (epoch ms). */
export function breakdown(file: string, spawnedAt: number, endedAt: number, probeDurationMs: number): Breakdown {
  const marks = readMarks(file)
  const phases = Object.fromEntries(PHASES.map((phase) => [phase, 0])) as Record<Phase, number>
  const first = (label: string) => marks.find((mark) => mark.label === label)?.at
  const clusterUp = first('cluster:up') ?? endedAt
  const disposed = first('cluster:disposed') ?? endedAt
  phases.start = clusterUp - spawnedAt
  phases.tail = endedAt - disposed
  let probeMs = 0
  let open: Record<string, number> = {}
  let inCeiling = false
  for (const mark of marks) {
    const span = (from: string) => mark.at - (open[from] ?? mark.at)
    switch (mark.label) {
      case 'net:install': open.install = mark.at; break
      case 'net:up': phases['network set-up'] += span('install'); break
      case 'net:release': open.release = mark.at; break
      case 'net:released': phases['network teardown'] += span('release'); break
      case 'cluster:dispose': open.dispose = mark.at; break
      case 'cluster:disposed': phases['network teardown'] += span('dispose'); break
      case 'ceiling:start': open.ceiling = mark.at; inCeiling = true; break
      case 'ceiling:end': phases['sender ceiling'] += span('ceiling'); inCeiling = false; break
      case 'iperf3:ready': open.client = mark.at; break
      case 'iperf3:client-end':
        if (!inCeiling) {
          probeMs += probeDurationMs
          phases['iperf3 own'] += span('client') - probeDurationMs
        }
        break
    }
  }
  const wallMs = endedAt - spawnedAt
  const counted = PHASES.reduce((total, phase) => total + phases[phase], 0)
  phases['between probes'] = wallMs - probeMs - counted
  return { wallMs, probeMs, phases }
}
