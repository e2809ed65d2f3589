import { UNDERLAY_MTU } from '../lab.ts'
import type { Datapath, InstallContext } from '../pod-network.ts'
import { nodeMac, nodeSubnet, POD_NETWORK } from './addressing.ts'
import { attachWithPlugin, hostLocalIpam } from './plugin-pods.ts'
import { createVteps, programNodeRoutes, programVxlanMesh, type VxlanMesh } from './vxlan.ts'

export const CILIUM_VXLAN = { device: 'cilium_vxlan', vni: 2, port: 8472, overhead: 50 } as const

export const CILIUM_NOTE = "Cilium's eBPF datapath (tc/XDP programs, eBPF host routing, socket load balancing) is not reproduced: the lab builds the same topology from plain kernel devices (veth + ptp routes, kernel vxlan), so figures reflect that topology, not Cilium's eBPF fast paths"

function ciliumMesh(mtu: number): VxlanMesh {
  return {
    device: CILIUM_VXLAN.device,
    vni: CILIUM_VXLAN.vni,
    port: CILIUM_VXLAN.port,
    mtu,
    vtepIp: (i) => nodeSubnet(i).base,
    vtepMac: (i) => nodeMac(0xc1, i),
    podCidr: (i) => nodeSubnet(i).cidr,
  }
}

/**
 * Cilium's topology without eBPF: a /24 per node (cluster-pool IPAM), pods on routed veths (the
 * ptp plugin: /32-style routing through the node, like `lxc…` devices), and either the VXLAN
 * tunnel (`cilium_vxlan`, UDP 8472, MTU 1450) or native routing via node IPs (MTU 1500).
 */
export async function buildCilium(context: InstallContext): Promise<Datapath> {
  const native = context.spec.options.routing === 'native'
  const mtu = native ? UNDERLAY_MTU : UNDERLAY_MTU - CILIUM_VXLAN.overhead
  if (!native) await createVteps(context.lab, ciliumMesh(mtu))
  const slots = await context.createPodSlots()
  const pods = await attachWithPlugin(context, slots, 'ptp', (slot) => ({
    ipMasq: false,
    mtu,
    ipam: hostLocalIpam(context, slot.node.name, { subnet: nodeSubnet(slot.nodeIndex).cidr }, [{ dst: POD_NETWORK }, { dst: '0.0.0.0/0' }]),
  }))
  if (native) await programNodeRoutes(context.lab, (i) => nodeSubnet(i).cidr)
  else await programVxlanMesh(context.lab, ciliumMesh(mtu))
  return {
    pods,
    mtu,
    encapsulation: native ? { kind: 'none' } : { kind: 'vxlan', device: CILIUM_VXLAN.device, vni: CILIUM_VXLAN.vni, port: CILIUM_VXLAN.port },
    policy: 'enforced',
    describe: {
      routing: native ? 'native (node routes, no encapsulation)' : 'tunnel (vxlan)',
      podCidr: `${POD_NETWORK} (/24 per node)`,
      wiring: 'routed veths (CNI ptp plugin, host-local IPAM)',
      notes: CILIUM_NOTE,
    },
  }
}
