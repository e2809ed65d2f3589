import { NetbenchError } from '../../errors.ts'
import { run } from '../../exec.ts'
import { UDP_SOCKET_BUFFER_BYTES } from '../../tools/iperf3/run.ts'

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

/**
 * Shapes a node's uplink the way a cloud hypervisor does: outside the node, dropping what exceeds
 * the rate. Both directions are shaped on the underlay side of the node's veth — towards the node
 * on the port itself, from the node through an ifb the port's ingress is redirected to. Shaping
 * inside the node instead would push back on the sender's socket and hide loss.
 */
export async function shapeUplink(underlayNamespace: string, port: string, ifb: string, rateBps: number): Promise<void> {
  const commands = [
    ['link', 'add', ifb, 'type', 'ifb'],
    ['link', 'set', ifb, 'up'],
  ]
  const ipResult = await run('ip', ['-n', underlayNamespace, '-batch', '-'], { input: commands.map((c) => c.join(' ')).join('\n') + '\n' })
  if (ipResult.exitCode !== 0) throw featureError('ifb', ipResult.stderr, 'the kernel lacks ifb (needed to shape upload): `modprobe ifb`, or set cluster.bandwidth: none')
  const tcCommands = [
    tbfArgs(port, rateBps),
    tbfArgs(ifb, rateBps),
    ['qdisc', 'add', 'dev', port, 'handle', 'ffff:', 'ingress'],
    ['filter', 'add', 'dev', port, 'parent', 'ffff:', 'protocol', 'all', 'u32', 'match', 'u32', '0', '0', 'action', 'mirred', 'egress', 'redirect', 'dev', ifb],
  ]
  const tcResult = await run('tc', ['-n', underlayNamespace, '-batch', '-'], { input: tcCommands.map((c) => c.join(' ')).join('\n') + '\n' })
  if (tcResult.exitCode !== 0) throw featureError('tbf', tcResult.stderr, 'the kernel lacks tbf, ingress or mirred (sch_tbf, sch_ingress, act_mirred, cls_u32): load them with modprobe, or set cluster.bandwidth: none')
}

function featureError(what: string, stderr: string, hint: string): NetbenchError {
  const reason = stderr.trim().split('\n')[0] ?? ''
  return new NetbenchError('KERNEL_FEATURE', `cannot shape the lab's uplinks with ${what}: ${reason}`, { hint })
}

/** How the lab shapes and probes, recorded in every result so a run can be reproduced. */
export const LAB_FACTS: Record<string, string> = {
  shaping: 'tbf on the underlay side of each node uplink, both directions (ifb for upload); bucket max(128 KiB, 4 ms), queue 20 ms',
  udpSocketBuffer: `${UDP_SOCKET_BUFFER_BYTES} bytes (iperf3 -w), so shapers drop rather than block the sender`,
  offloads: 'veth defaults (TSO/GSO/GRO on)',
  addresses: '198.18.0.0/15',
}
