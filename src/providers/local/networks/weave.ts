import { randomBytes } from 'node:crypto'
import { runChecked } from '../../../exec.ts'
import { EXEC_CONCURRENCY, mapLimit } from '../concurrency.ts'
import type { LocalLab } from '../lab.ts'
import type { Datapath, InstallContext } from '../pod-network.ts'
import { POD_NETWORK, weaveRange } from './addressing.ts'
import { attachWithPlugin, hostLocalIpam } from './plugin-pods.ts'

/** Weave fastdp: VXLAN on UDP 6784 (6783 + 1), pod MTU 1376 (GCE's 1460 minus VXLAN and ESP). */
export const WEAVE = { bridge: 'weave', device: 'vxlan-6784', port: 6784, vni: 1, mtu: 1376 } as const

/**
 * Weave Net: one flat L2 network over the /16. Pods join bridge `weave` (bridge plugin, hairpin,
 * no gateway; host-local IPAM over the node's slice of the range); the bridge has a learning VXLAN
 * port on UDP 6784 with head-end replication (an all-zeros FDB entry per peer), which is what the
 * OVS vxlan vport of fastdp amounts to. `encryption: true` adds IPsec ESP (transport mode,
 * rfc4106(gcm(aes)), per-direction keys) on the UDP 6784 flows between nodes.
 */
export async function buildWeave(context: InstallContext): Promise<Datapath> {
  const { lab } = context
  const encrypted = context.spec.options.encryption === true
  const slots = await context.createPodSlots()
  const pods = await attachWithPlugin(context, slots, 'bridge', (slot) => ({
    bridge: WEAVE.bridge,
    // Pods reach their node (and Services) by the default route via the node's exposed bridge address.
    isDefaultGateway: true,
    hairpinMode: true,
    ipMasq: false,
    mtu: WEAVE.mtu,
    ipam: hostLocalIpam(context, slot.node.name, weaveRange(slot.nodeIndex)),
  }))
  await mapLimit(lab.nodes, EXEC_CONCURRENCY, async (node, i) => {
    await runChecked('ip', ['-n', node.namespace, '-batch', '-'], {
      input: [
        `link add ${WEAVE.device} type vxlan id ${WEAVE.vni} local ${node.ip} dev eth0 dstport ${WEAVE.port} learning`,
        `link set ${WEAVE.device} mtu ${WEAVE.mtu} master ${WEAVE.bridge} up`,
        '',
      ].join('\n'),
      what: `creating the weave vxlan port on node ${node.name}`,
    })
    await runChecked('bridge', ['-n', node.namespace, '-batch', '-'], {
      input: lab.nodes.filter((_, j) => j !== i).map((peer) => `fdb append 00:00:00:00:00:00 dev ${WEAVE.device} dst ${peer.ip}\n`).join(''),
      what: `adding weave peers on node ${node.name}`,
    })
  })
  if (encrypted) await encryptPeers(lab)
  return {
    pods,
    mtu: WEAVE.mtu,
    encapsulation: { kind: 'vxlan', device: WEAVE.device, vni: WEAVE.vni, port: WEAVE.port },
    policy: 'enforced',
    describe: {
      podCidr: `${POD_NETWORK} (flat, a slice per node)`,
      wiring: 'bridge weave (CNI bridge plugin, hairpin, host-local IPAM) + learning vxlan-6784 with head-end replication',
      encryption: encrypted ? 'IPsec ESP transport, rfc4106(gcm(aes)), per-direction keys' : 'off',
      notes: 'weave encodes peer IDs in the VNI; the lab uses one VNI. Sleeve (userspace, UDP 6783) is not reproduced',
    },
  }
}

/** ESP transport-mode SAs for every ordered node pair, and an outbound policy on UDP 6784. */
async function encryptPeers(lab: LocalLab): Promise<void> {
  const spi = (from: number, to: number) => `0x${(0x6784_0000 + from * 256 + to).toString(16)}`
  const keys = new Map<string, string>()
  const keyOf = (from: number, to: number) => {
    const id = `${from}>${to}`
    if (!keys.has(id)) keys.set(id, `0x${randomBytes(20).toString('hex')}`)
    return keys.get(id)!
  }
  await mapLimit(lab.nodes, EXEC_CONCURRENCY, (node, i) => runChecked('ip', ['-n', node.namespace, '-batch', '-'], {
    input: lab.nodes.flatMap((peer, j) => j === i ? [] : [
      `xfrm state add src ${node.ip} dst ${peer.ip} proto esp spi ${spi(i, j)} reqid 6784 mode transport aead rfc4106(gcm(aes)) ${keyOf(i, j)} 128`,
      `xfrm state add src ${peer.ip} dst ${node.ip} proto esp spi ${spi(j, i)} reqid 6784 mode transport aead rfc4106(gcm(aes)) ${keyOf(j, i)} 128`,
      `xfrm policy add src ${node.ip} dst ${peer.ip} proto udp dport ${WEAVE.port} dir out tmpl src ${node.ip} dst ${peer.ip} proto esp reqid 6784 mode transport`,
    ]).join('\n') + '\n',
    what: `setting up weave encryption on node ${node.name}`,
  }))
}
