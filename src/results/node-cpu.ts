import type { KernelCpu, NodeCpu } from './metrics.ts'
import { percentile } from './stats.ts'
import type { SampleResult } from './types.ts'

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

/** `the machine's (n1, n2 share one kernel)` or `node n1`: whose CPU a figure is, for every reader. */
export function nodeCpuScopeText(summary: Pick<NodeCpuSummary, 'scope' | 'nodes'>): string {
  switch (summary.scope) {
    case 'machine': return `the machine's (${summary.nodes.join(', ')} share one kernel)`
    case 'node': return `node ${summary.nodes.join(', ')}`
    case 'nodes': return `busier of nodes ${summary.nodes.join(', ')}`
  }
}
