import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from '../../exec.ts'
import { processStartTicks, stopProcesses } from '../../process.ts'
import { prefix, runIdOfNamespace } from './names.ts'

/**
 * Run ownership. Each run records its owner process (PID + start time, so a reused PID is not
 * mistaken for the owner) in STATE_DIR; a run whose owner is gone is reaped by the next run or by
 * `netbench clean`.
 */
export const STATE_DIR = process.env.NETBENCH_STATE_DIR ?? '/run/netbench'

interface Owner {
  pid: number
  startTicks: string
  startedAt: string
  runDir: string
  /**
   * A lab brought up by `netbench lab up`: it outlives its process on purpose and is removed only
   * by `netbench lab down` (never reaped). `lab` describes it for `lab status`.
   */
  persistent?: boolean
  lab?: unknown
}

export async function claimRun(runId: string, runDir: string, extra: Pick<Owner, 'persistent' | 'lab'> = {}): Promise<void> {
  await mkdir(STATE_DIR, { recursive: true })
  const owner: Owner = { pid: process.pid, startTicks: processStartTicks(process.pid) ?? '', startedAt: new Date().toISOString(), runDir, ...extra }
  await writeFile(join(STATE_DIR, `${runId}.json`), JSON.stringify(owner))
}

/** Forgets a run's ownership record (its objects must be gone already). */
export async function releaseRun(runId: string): Promise<void> {
  await rm(join(STATE_DIR, `${runId}.json`), { force: true })
}

/** Labs kept by `netbench lab up`, with what their state file says about them. */
export async function persistentLabs(): Promise<Array<{ runId: string; startedAt: string; runDir: string; lab: unknown }>> {
  const labs = []
  for (const file of await readdir(STATE_DIR).catch(() => [] as string[])) {
    const match = /^([a-z0-9]{4})\.json$/.exec(file)
    if (!match) continue
    const owner = await ownerOf(match[1]!)
    if (owner?.persistent) labs.push({ runId: match[1]!, startedAt: owner.startedAt, runDir: owner.runDir, lab: owner.lab })
  }
  return labs
}

async function ownerOf(runId: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(join(STATE_DIR, `${runId}.json`), 'utf8')) as Owner
  } catch {
    return undefined
  }
}

export async function isRunAlive(runId: string): Promise<boolean> {
  const owner = await ownerOf(runId)
  return owner !== undefined && (owner.persistent === true || processStartTicks(owner.pid) === owner.startTicks)
}

export async function listNamespaces(): Promise<string[]> {
  const result = await run('ip', ['netns', 'list'])
  return result.stdout.split('\n').map((line) => line.split(' ')[0]!).filter(Boolean)
}

/** Run ids that have anything on this machine: namespaces, state files or temp dirs. */
export async function knownRunIds(): Promise<Set<string>> {
  const ids = new Set<string>()
  // Every run starts by asking this: the four places are looked at side by side.
  const [namespaces, stateFiles, tempEntries, processes] = await Promise.all([
    listNamespaces(),
    readdir(STATE_DIR).catch(() => [] as string[]),
    readdir(tmpdir()).catch(() => [] as string[]),
    processesNamingRuns(),
  ])
  for (const name of namespaces) {
    const id = runIdOfNamespace(name)
    if (id) ids.add(id)
  }
  for (const file of stateFiles) {
    const match = /^([a-z0-9]{4})\.json$/.exec(file)
    if (match) ids.add(match[1]!)
  }
  for (const entry of tempEntries) {
    const match = /^nb([a-z0-9]{4})-/.exec(entry)
    if (match) ids.add(match[1]!)
  }
  for (const runId of processes.keys()) ids.add(runId)
  return ids
}

/**
 * The programs netbench starts for a lab (directly, or through `ip netns exec`), by the run whose
 * namespace or temp dir their command line names (`nb<run id>-…`): found even when their
 * namespace was deleted under them, or before they entered it (an `ip netns exec` a dead worker
 * left in flight), which `ip netns pids` cannot show. Only these programs: a shell or an editor
 * naming the directory is not ours.
 */
const LAB_PROGRAMS = new Set(['bird', 'iperf3', 'sockperf', 'ip', 'nft', 'tc', 'ping'])

async function processesNamingRuns(): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>()
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
  const commands = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')))
  commands.forEach((command, index) => {
    if (!LAB_PROGRAMS.has(command.split('\0')[0]!.split('/').pop()!)) return
    const runId = /(?:^|[\0/ ])nb([a-z0-9]{4})-/.exec(command)?.[1]
    if (runId) found.set(runId, [...found.get(runId) ?? [], Number(pids[index])])
  })
  return found
}

/** Ends every process of a run (inside its namespaces, or naming them or its directory); the namespaces stay. */
export async function stopLabProcesses(runId: string): Promise<string[]> {
  const namespaces = (await listNamespaces()).filter((name) => runIdOfNamespace(name) === runId)
  const pids = new Set<number>((await processesNamingRuns()).get(runId))
  for (const name of namespaces) {
    const result = await run('ip', ['netns', 'pids', name])
    result.stdout.split(/\s+/).filter(Boolean).forEach((pid) => pids.add(Number(pid)))
  }
  if (!pids.size) return []
  await stopProcesses([...pids])
  return [`${pids.size} process(es)`]
}

/**
 * Tears a run's lab down: its processes, then the namespaces, which take their links, qdiscs and
 * nft tables along.
 */
export async function removeLabObjects(runId: string): Promise<string[]> {
  const removed = await stopLabProcesses(runId)
  const names = (await listNamespaces()).filter((candidate) => runIdOfNamespace(candidate) === runId)
  // One process for all (-force: on past one already gone), not one per namespace.
  if (names.length) await run('ip', ['-force', '-batch', '-'], { input: names.map((name) => `netns del ${name}\n`).join('') })
  removed.push(...names.map((name) => `netns ${name}`))
  return removed
}

/** Removes everything of one run: its lab, its temp dirs and its state file. */
export async function removeRun(runId: string): Promise<string[]> {
  const removed = await removeLabObjects(runId)
  for (const entry of await readdir(tmpdir()).catch(() => [] as string[])) {
    if (entry.startsWith(`${prefix(runId)}-`)) {
      await rm(join(tmpdir(), entry), { recursive: true, force: true })
      removed.push(`dir ${join(tmpdir(), entry)}`)
    }
  }
  await rm(join(STATE_DIR, `${runId}.json`), { force: true })
  return removed
}

/** Removes the leftovers of every run whose owner process is gone; returns what it removed. */
export async function reapDeadRuns(exceptRunId?: string): Promise<string[]> {
  const removed: string[] = []
  for (const runId of await knownRunIds()) {
    if (runId === exceptRunId || await isRunAlive(runId)) continue
    removed.push(...await removeRun(runId))
  }
  return removed
}
