import { NetbenchError } from '../../errors.ts'
import { run } from '../../exec.ts'

/**
 * tbf parameters for a shaped uplink. The bucket holds a few milliseconds of traffic (at least
 * 128 KiB, so 64 KiB GSO superpackets pass whole) and the queue another 20 ms: enough for TCP to
 * fill the link without tbf's own queue becoming the bottleneck being measured.
 */
export function tbfArgs(device: string, rateBps: number): string[] {
  const bytesPerMs = rateBps / 8 / 1000
  const burst = Math.max(128 * 1024, Math.round(bytesPerMs * 4))
  return ['qdisc', 'replace', 'dev', device, 'root', 'tbf', 'rate', `${Math.round(rateBps)}bit`, 'burst', String(burst), 'latency', '20ms']
}

/** Shapes egress of `device` inside `namespace`; a kernel without tbf gets a clear exit-3 error. */
export async function shapeEgress(namespace: string, device: string, rateBps: number): Promise<void> {
  const result = await run('tc', ['-n', namespace, ...tbfArgs(device, rateBps)])
  if (result.exitCode !== 0) {
    const reason = result.stderr.trim().split('\n')[0] ?? ''
    throw new NetbenchError('KERNEL_FEATURE', `cannot shape ${device} with tbf: ${reason}`, {
      hint: /not found|No such file|Unknown qdisc/i.test(reason)
        ? 'the kernel lacks the tbf qdisc (sch_tbf): load it with `modprobe sch_tbf`, or set cluster.bandwidth: none'
        : 'check that tc works here, or set cluster.bandwidth: none',
    })
  }
}
