/**
 * The CPU the nodes' kernels spend during a probe, from /proc/stat read through the endpoints.
 * /proc/stat is not namespaced: inside a pod, and in the local lab's network namespaces, it is the
 * node's (the lab's: the machine's). The boot id tells whether two endpoints share a kernel.
 */
import { NetbenchError } from '../errors.ts'
import { catFiles, type Endpoint } from '../endpoint.ts'
import type { KernelCpu, NodeCpu } from '../results/metrics.ts'

/** The aggregate `cpu` line of /proc/stat, in clock ticks, and who counted them. */
export interface CpuCounters {
  bootId: string
  cpus: number
  user: number
  system: number
  softirq: number
  /** Every state but guest time, which the kernel already counts in user. */
  total: number
}

/** Reads `cat /proc/stat /proc/sys/kernel/random/boot_id` output. */
export function parseProcStat(text: string): CpuCounters {
  const lines = text.split('\n')
  const aggregate = lines.find((line) => line.startsWith('cpu '))
  const fields = aggregate?.trim().split(/\s+/).slice(1).map(Number) ?? []
  // user nice system idle iowait irq softirq steal [guest guest_nice]: kernels since 2.6.11 give 8+.
  if (fields.length < 8 || fields.some((value) => !Number.isFinite(value))) {
    throw new NetbenchError('MEASUREMENT', `/proc/stat has no readable cpu line${aggregate ? `: ${aggregate}` : ''}`, { hint: 'node CPU needs Linux /proc/stat inside the endpoint' })
  }
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number]
  const bootId = lines.map((line) => line.trim()).find((line) => /^[0-9a-f-]{36}$/.test(line)) ?? ''
  return {
    bootId,
    cpus: lines.filter((line) => /^cpu\d+ /.test(line)).length,
    user: user + nice,
    system,
    softirq,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  }
}

/** Linux reports /proc/stat in USER_HZ ticks, fixed at 100 for userspace on every architecture. */
const USER_HZ = 100

/** What one kernel spent between two readings, as shares of all its CPUs. */
export function kernelCpu(nodes: string[], before: CpuCounters, after: CpuCounters): KernelCpu {
  const ticks = after.total - before.total
  const share = (key: 'user' | 'system' | 'softirq') => ticks > 0 ? ((after[key] - before[key]) / ticks) * 100 : 0
  return {
    nodes, cpus: after.cpus,
    userPercent: share('user'), systemPercent: share('system'), softirqPercent: share('softirq'),
    seconds: ticks / Math.max(1, after.cpus) / USER_HZ,
  }
}

/** Reads the counters through the endpoint: at most one exec, so it costs a probe no more than a `cat`. */
export async function readCpuCounters(endpoint: Endpoint, signal?: AbortSignal): Promise<CpuCounters> {
  const result = await catFiles(endpoint, ['/proc/stat', '/proc/sys/kernel/random/boot_id'], { signal, timeoutMs: 5000 })
  if (result.exitCode !== 0) throw new NetbenchError('MEASUREMENT', `reading /proc/stat in ${endpoint.name} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`)
  return parseProcStat(result.stdout)
}

export type CpuReading = Array<{ endpoint: Endpoint; counters: CpuCounters }>

/** The kernel each endpoint was last read on (its boot id). */
const kernelOf = new WeakMap<Endpoint, string>()

/**
 * Both ends read side by side, so the reading adds one exec's time to the probe, not two; ends
 * an earlier reading found on one kernel (two pods of a node, the lab's nodes on this machine)
 * share one read, as their counters are the same file.
 */
export async function readNodeCpu(endpoints: readonly Endpoint[], signal?: AbortSignal): Promise<CpuReading> {
  const reads = new Map<string, Promise<CpuCounters>>()
  return Promise.all(endpoints.map(async (endpoint) => {
    const kernel = kernelOf.get(endpoint)
    let read = kernel ? reads.get(kernel) : undefined
    if (!read) {
      read = readCpuCounters(endpoint, signal)
      if (kernel) reads.set(kernel, read)
    }
    const counters = await read
    if (counters.bootId) kernelOf.set(endpoint, counters.bootId)
    return { endpoint, counters }
  }))
}

/**
 * Node CPU between two readings of the same endpoints: one figure per kernel, so ends that share
 * a kernel (one node, or the lab's nodes on one machine) are counted once.
 */
export function nodeCpuBetween(before: CpuReading, after: CpuReading): NodeCpu {
  const kernels = new Map<string, { nodes: string[]; before: CpuCounters; after: CpuCounters }>()
  after.forEach(({ endpoint, counters }, index) => {
    const key = counters.bootId || endpoint.node
    const kernel = kernels.get(key)
    if (kernel) {
      if (!kernel.nodes.includes(endpoint.node)) kernel.nodes.push(endpoint.node)
    } else kernels.set(key, { nodes: [endpoint.node], before: before[index]!.counters, after: counters })
  })
  const list = [...kernels.values()].map((kernel) => kernelCpu(kernel.nodes, kernel.before, kernel.after))
  const scope = list.length > 1 ? 'nodes' : list[0]!.nodes.length > 1 ? 'machine' : 'node'
  return { scope, kernels: list }
}
