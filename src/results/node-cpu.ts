import type { KernelCpu, NodeCpu } from './metrics.ts'
import { percentile } from './stats.ts'
import type { PointResult, SampleResult } from './types.ts'
import { trimNumber } from '../units.ts'

/** User + system + softirq: the CPU a datapath costs, in percent of the kernel's CPUs. */
export const busyPercent = (kernel: KernelCpu) => kernel.userPercent + kernel.systemPercent + kernel.softirqPercent

/** The kernel a share figure comes from: the busiest (a datapath is as cheap as its busiest node). */
export function busiestKernel(cpu: NodeCpu): KernelCpu {
  return cpu.kernels.reduce((busiest, kernel) => busyPercent(kernel) > busyPercent(busiest) ? kernel : busiest)
}

/** The busier kernel's share, and the CPU-seconds per second of all kernels per Gbit/s received. */
export function nodeCpuFigures(cpu: NodeCpu, receivedBps: number | null): { percent: number; perGbps: number | null } {
  const cores = cpu.kernels.reduce((sum, kernel) => sum + (busyPercent(kernel) / 100) * kernel.cpus, 0)
  return { percent: busyPercent(busiestKernel(cpu)), perGbps: receivedBps ? cores / (receivedBps / 1e9) : null }
}

/** A point's node CPU: the split of its busiest kernel, medians over the repeats that read it. */
export interface NodeCpuSummary {
  scope: NodeCpu['scope']
  /** The nodes the figures cover; with scope `machine`, every node of the lab's one kernel. */
  nodes: string[]
  cpus: number
  userPercent: number
  systemPercent: number
  softirqPercent: number
}

export function summarizeNodeCpu(samples: readonly SampleResult[]): NodeCpuSummary | undefined {
  const read = samples.map((sample) => sample.nodeCpu).filter((cpu): cpu is NodeCpu => !!cpu)
  if (!read.length) return undefined
  const busiest = read.map(busiestKernel)
  const median = (key: 'userPercent' | 'systemPercent' | 'softirqPercent') => percentile(busiest.map((kernel) => kernel[key]), 50)
  const last = read[read.length - 1]!
  return {
    scope: last.scope, nodes: [...new Set(last.kernels.flatMap((kernel) => kernel.nodes))], cpus: busiestKernel(last).cpus,
    userPercent: median('userPercent'), systemPercent: median('systemPercent'), softirqPercent: median('softirqPercent'),
  }
}

/** `the machine (n1, n2 share its kernel)` or `node n1`: whose CPU a figure is, for every reader. */
export function nodeCpuScopeText(summary: Pick<NodeCpuSummary, 'scope' | 'nodes'>): string {
  switch (summary.scope) {
    case 'machine': return `the machine (${summary.nodes.join(', ')} share its kernel: not a node's own figure)`
    case 'node': return `node ${summary.nodes.join(', ')}`
    case 'nodes': return `the busier of nodes ${summary.nodes.join(', ')}`
  }
}

/** How the node CPU of a point reads in a table cell, split and cost; null where none was read. */
export interface NodeCpuText {
  /** `23%`: user + system + softirq of the busier node's (or the machine's) CPUs. */
  share: string
  /** `user 3% · system 12% · softirq 8%`. */
  split: string
  /** `0.31`: CPU-seconds per Gbit/s received; `—` without throughput. */
  perGbps: string
  /** Whose CPU it is: `the machine (n1, n2 share its kernel: …)`. */
  of: string
}

export function nodeCpuText(point: Pick<PointResult, 'nodeCpu' | 'metrics' | 'status'>): NodeCpuText | null {
  const { nodeCpu, metrics } = point
  if (!nodeCpu || point.status === 'error' || metrics.cpuNodePercent == null) return null
  const percent = (value: number) => `${trimNumber(value, value < 10 ? 1 : 0)}%`
  return {
    share: percent(metrics.cpuNodePercent),
    split: `user ${percent(nodeCpu.userPercent)} · system ${percent(nodeCpu.systemPercent)} · softirq ${percent(nodeCpu.softirqPercent)}`,
    perGbps: metrics.cpuNodePerGbps == null ? '—' : trimNumber(metrics.cpuNodePerGbps, metrics.cpuNodePerGbps < 1 ? 3 : 2),
    of: nodeCpuScopeText(nodeCpu),
  }
}

/** The caption under a table or chart with node CPU: what the figures are, and whose. */
export function nodeCpuCaption(points: ReadonlyArray<Pick<PointResult, 'nodeCpu' | 'metrics' | 'status'>>): string | null {
  const first = points.map(nodeCpuText).find((text) => text !== null)
  if (!first) return null
  return `Node CPU: user + system + softirq of ${first.of}, in percent of all its CPUs, from /proc/stat around each probe; ` +
    'per Gbit/s: CPU-seconds spent per Gbit/s received. Not iperf3\'s own process CPU (cpu snd/rcv).'
}
