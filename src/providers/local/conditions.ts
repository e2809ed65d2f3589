import { runChecked } from '../../exec.ts'
import type { LocalClusterSpec } from '../../model.ts'
import { EXEC_CONCURRENCY, mapLimit } from './concurrency.ts'
import type { LocalLab } from './lab.ts'
import { prefix } from './names.ts'

export function lossTableName(runId: string): string {
  return `${prefix(runId)}-loss`
}

/** `numgen random mod 100000 < N`: loss in steps of 0.001%. */
const LOSS_SCALE = 100_000

/**
 * Underlay conditions after the nodes exist:
 * - loss: an nftables table in the underlay namespace drops a random share of the frames entering
 *   or leaving each lossy node's port (`numgen random`); segmentation and receive offloads are
 *   turned off on both ends of that uplink first, so the share applies to packets and not to the
 *   64 KB superpackets veths otherwise carry; tiny UDP frames (probe handshakes) are spared;
 * - latency: netem on every node's eth0 delays frames to nodes of other zones (htb + u32 on the
 *   destination MAC); preflight has made sure the kernel has netem.
 */
export async function applyConditions(lab: LocalLab, spec: LocalClusterSpec): Promise<void> {
  const lossy = lab.nodes.map((node, i) => ({ node, percent: spec.nodeLossPercent?.[i] ?? 0 })).filter(({ percent }) => percent > 0)
  if (lossy.length) {
    await mapLimit(lossy, EXEC_CONCURRENCY, async ({ node }) => {
      await runChecked('ip', ['netns', 'exec', node.namespace, 'ethtool', '-K', 'eth0', 'tso', 'off', 'gso', 'off', 'gro', 'off'], { what: `turning offloads off on ${node.name}` })
      await runChecked('ip', ['netns', 'exec', lab.underlayNamespace, 'ethtool', '-K', `p${node.name}`, 'tso', 'off', 'gso', 'off', 'gro', 'off'], { what: `turning offloads off on the port of ${node.name}` })
    })
    const rules = lossy.flatMap(({ node, percent }) => {
      const threshold = Math.round((percent / 100) * LOSS_SCALE)
      return [
        `    iifname "p${node.name}" numgen random mod ${LOSS_SCALE} < ${threshold} counter drop comment "${percent}% loss from ${node.name}"`,
        `    oifname "p${node.name}" numgen random mod ${LOSS_SCALE} < ${threshold} counter drop comment "${percent}% loss to ${node.name}"`,
      ]
    })
    // Tiny UDP frames pass: iperf3 opens a UDP test with a 4-byte handshake (82 bytes at most once
    // encapsulated) that it never retries, so losing it would stall the probe instead of measuring loss.
    const handshake = '    meta l4proto udp meta length < 100 accept comment "probe handshakes"'
    const ruleset = [`table bridge ${lossTableName(lab.runId)} {`, '  chain forward {', '    type filter hook forward priority -10; policy accept;', handshake, ...rules, '  }', '}', ''].join('\n')
    await runChecked('ip', ['netns', 'exec', lab.underlayNamespace, 'nft', '-f', '-'], { input: ruleset, what: 'injecting packet loss on the underlay' })
  }
  if (spec.zoneLatencyMs) {
    const delay = `${Math.round(spec.zoneLatencyMs * 1000)}us`
    const macs = await mapLimit(lab.nodes, EXEC_CONCURRENCY, async (node) => {
      const link = JSON.parse(await runChecked('ip', ['-n', node.namespace, '-j', 'link', 'show', 'dev', 'eth0'])) as Array<{ address: string }>
      return link[0]!.address
    })
    await mapLimit(lab.nodes, EXEC_CONCURRENCY, async (node) => {
      const remote = lab.nodes.map((other, i) => ({ other, mac: macs[i]! })).filter(({ other }) => other.zone !== node.zone)
      // htb only classifies (rates far above any link); frames to other zones' nodes, by their
      // MAC so that routed pod traffic counts as well as encapsulated traffic, go through netem.
      const commands = [
        'qdisc add dev eth0 root handle 1: htb default 1',
        'class add dev eth0 parent 1: classid 1:1 htb rate 100gbit',
        'class add dev eth0 parent 1: classid 1:3 htb rate 100gbit',
        `qdisc add dev eth0 parent 1:3 handle 30: netem delay ${delay} limit 100000`,
        ...remote.map(({ mac }) => `filter add dev eth0 parent 1: protocol all prio 1 u32 match ether dst ${mac} flowid 1:3`),
      ]
      await runChecked('tc', ['-n', node.namespace, '-batch', '-'], { input: `${commands.join('\n')}\n`, what: `adding zone latency on ${node.name}` })
    })
  }
}
