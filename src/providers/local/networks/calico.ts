import { runChecked } from '../../../exec.ts'
import { EXEC_CONCURRENCY, mapLimit } from '../concurrency.ts'
import { UNDERLAY_MTU } from '../lab.ts'
import type { Datapath, InstallContext } from '../pod-network.ts'
import { calicoBlock, nodeMac, POD_NETWORK } from './addressing.ts'
import { CALICO_AS, startBird, stopBirds, waitBgpConverged, type BirdDaemon } from './bird.ts'
import { attachCalicoPods } from './calico-pods.ts'
import { createVteps, programVxlanMesh, type VxlanMesh } from './vxlan.ts'

export const CALICO_VXLAN = { device: 'vxlan.calico', vni: 4096, port: 4789, overhead: 50 } as const
/** IPIP adds a 20-byte outer header: 1480 on a 1500 underlay, as Calico auto-detects it. */
export const CALICO_IPIP_OVERHEAD = 20

function calicoMesh(mtu: number): VxlanMesh {
  return {
    device: CALICO_VXLAN.device,
    vni: CALICO_VXLAN.vni,
    port: CALICO_VXLAN.port,
    mtu,
    // Calico gives the VTEP an address from the node's block (its first).
    vtepIp: (i) => calicoBlock(i).base,
    vtepMac: (i) => nodeMac(0x0c, i),
    podCidr: (i) => calicoBlock(i).cidr,
  }
}

/**
 * Calico: /26 IPAM blocks per node, pods wired in Calico's exact veth layout, and one of:
 * - `none` (default): BIRD on every node, iBGP full mesh (AS 64512) announcing each node's blocks;
 *   remote blocks are learned via BGP (`proto bird`), never written by netbench.
 * - `vxlan`: `vxlan.calico` (VNI 4096, UDP 4789, MTU 1450) programmed per remote node as Felix
 *   does in vxlan mode (Calico's vxlan manifests run without BIRD).
 * - `ipip`: `tunl0`, routes `<remote block> via <node IP> dev tunl0 onlink` (needs ipip).
 */
export async function buildCalico(context: InstallContext): Promise<Datapath> {
  const { lab } = context
  const encapsulation = context.spec.options.encapsulation ?? 'none'
  const mtu = encapsulation === 'vxlan' ? UNDERLAY_MTU - CALICO_VXLAN.overhead : encapsulation === 'ipip' ? UNDERLAY_MTU - CALICO_IPIP_OVERHEAD : UNDERLAY_MTU
  const blocks = (i: number) => [calicoBlock(i).cidr]
  if (encapsulation === 'vxlan') await createVteps(lab, calicoMesh(mtu))
  if (encapsulation === 'ipip') {
    await mapLimit(lab.nodes, EXEC_CONCURRENCY, (node, i) => runChecked('ip', ['-n', node.namespace, '-batch', '-'], {
      input: `link add tunl0 type ipip\nlink set tunl0 mtu ${mtu} up\naddr add ${calicoBlock(i).base}/32 dev tunl0\n`,
      what: `creating tunl0 on node ${node.name}`,
    }))
  }
  let daemons: BirdDaemon[] = []
  if (encapsulation === 'none') {
    // BIRD first, as calico-node runs before pods are scheduled: BGP waits at least 1 s before
    // connecting (BIRD's floor for `connect delay time`), and pods are wired meanwhile.
    context.onTeardown(() => stopBirds(daemons))
    daemons = await Promise.all(lab.nodes.map((node, i) => startBird(context.workDir, { node, peers: lab.nodes.filter((peer) => peer !== node), blocks: blocks(i) }, { detached: context.persistent })))
  }
  const slots = await context.createPodSlots()
  // The block's first address is the tunnel address; pods get the next ones (host-local skips .1).
  const pods = await attachCalicoPods(context, slots, mtu, (slot) => ({ subnet: calicoBlock(slot.nodeIndex).cidr }))

  if (encapsulation !== 'none') {
    // Felix-style: blackhole the own block, route the others through the tunnel.
    await mapLimit(lab.nodes, EXEC_CONCURRENCY, (node, i) => runChecked('ip', ['-n', node.namespace, 'route', 'replace', 'blackhole', calicoBlock(i).cidr], { what: `blackholing the block of node ${node.name}` }))
    if (encapsulation === 'vxlan') await programVxlanMesh(lab, calicoMesh(mtu))
    else {
      await mapLimit(lab.nodes, EXEC_CONCURRENCY, (node, i) => runChecked('ip', ['-n', node.namespace, '-batch', '-'], {
        input: lab.nodes.flatMap((remote, j) => j === i ? [] : [`route replace ${calicoBlock(j).cidr} via ${remote.ip} dev tunl0 onlink`]).join('\n') + '\n',
        what: `programming tunl0 routes on node ${node.name}`,
      }))
    }
  }
  return {
    pods,
    mtu,
    encapsulation: encapsulation === 'vxlan'
      ? { kind: 'vxlan', device: CALICO_VXLAN.device, vni: CALICO_VXLAN.vni, port: CALICO_VXLAN.port }
      : encapsulation === 'ipip' ? { kind: 'ipip', device: 'tunl0' } : { kind: 'none' },
    policy: 'enforced',
    describe: {
      encapsulationMode: encapsulation,
      podCidr: `${POD_NETWORK} (/26 blocks per node)`,
      wiring: 'veth cali… (MAC ee:ee:ee:ee:ee:ee, proxy ARP, gateway 169.254.1.1), host-local IPAM',
      routing: encapsulation === 'none'
        ? `BIRD iBGP full mesh, AS ${CALICO_AS}, hold 3 s / keepalive 1 s; routes learned via BGP (proto bird)`
        : 'routes programmed per remote node as Felix does in this mode (no BGP)',
    },
    ready: encapsulation === 'none'
      ? (signal) => waitBgpConverged(lab, daemons, blocks, { signal })
      : undefined,
    get birdSockets() {
      return Object.fromEntries(daemons.map((daemon) => [daemon.node.name, daemon.socket]))
    },
  }
}
