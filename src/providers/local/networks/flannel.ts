import { UNDERLAY_MTU } from '../lab.ts'
import type { Datapath, InstallContext } from '../pod-network.ts'
import { nodeMac, nodeSubnet, POD_NETWORK } from './addressing.ts'
import { attachWithPlugin, hostLocalIpam } from './plugin-pods.ts'
import { createVteps, programNodeRoutes, programVxlanMesh, type VxlanMesh } from './vxlan.ts'

/** flannel's vxlan backend: VNI 1 on UDP 8472 (the kernel's historical port, as flannel sets it). */
export const FLANNEL_VXLAN = { device: 'flannel.1', vni: 1, port: 8472, overhead: 50 } as const

export function flannelMesh(mtu: number): VxlanMesh {
  return {
    device: FLANNEL_VXLAN.device,
    vni: FLANNEL_VXLAN.vni,
    port: FLANNEL_VXLAN.port,
    mtu,
    // flannel gives the VTEP the node subnet's .0 address as a /32.
    vtepIp: (i) => nodeSubnet(i).base,
    vtepMac: (i) => nodeMac(0x01, i),
    podCidr: (i) => nodeSubnet(i).cidr,
  }
}

/** Programs flannel's transport (vxlan mesh or host-gw routes) between the nodes. */
export async function flannelTransport(context: InstallContext, hostGw: boolean, mtu: number): Promise<void> {
  if (hostGw) await programNodeRoutes(context.lab, (i) => nodeSubnet(i).cidr)
  else await programVxlanMesh(context.lab, flannelMesh(mtu))
}

/**
 * flannel: a /24 per node, pods on the `cni0` bridge via the bridge plugin (isGateway, hairpin,
 * host-local IPAM over the node's /24, a route to the cluster network), and either the vxlan
 * backend (`flannel.1`, MTU underlay − 50) or host-gw (routes via node IPs, MTU of the underlay).
 */
export async function buildFlannel(context: InstallContext): Promise<Datapath> {
  const hostGw = context.spec.options.backend === 'host-gw'
  const mtu = hostGw ? UNDERLAY_MTU : UNDERLAY_MTU - FLANNEL_VXLAN.overhead
  if (!hostGw) await createVteps(context.lab, flannelMesh(mtu))
  const slots = await context.createPodSlots()
  const pods = await attachWithPlugin(context, slots, 'bridge', (slot) => ({
    bridge: 'cni0',
    isGateway: true,
    // As flannel's own CNI config has it: pods reach their node (and Services) by the default route.
    isDefaultGateway: true,
    hairpinMode: true,
    ipMasq: false,
    mtu,
    ipam: hostLocalIpam(context, slot.node.name, { subnet: nodeSubnet(slot.nodeIndex).cidr }, [{ dst: POD_NETWORK }]),
  }))
  await flannelTransport(context, hostGw, mtu)
  return {
    pods,
    mtu,
    encapsulation: hostGw ? { kind: 'none' } : { kind: 'vxlan', device: FLANNEL_VXLAN.device, vni: FLANNEL_VXLAN.vni, port: FLANNEL_VXLAN.port },
    policy: 'unsupported',
    describe: {
      backend: hostGw ? 'host-gw' : 'vxlan',
      podCidr: `${POD_NETWORK} (/24 per node)`,
      wiring: 'bridge cni0 (CNI bridge plugin, host-local IPAM)',
      notes: 'flanneld masquerading of traffic leaving the cluster is not needed in the lab and not programmed',
    },
  }
}
