import { UNDERLAY_MTU } from '../lab.ts'
import type { Datapath, InstallContext } from '../pod-network.ts'
import { nodeSubnet, POD_NETWORK } from './addressing.ts'
import { attachCalicoPods } from './calico-pods.ts'
import { createVteps } from './vxlan.ts'
import { FLANNEL_VXLAN, flannelMesh, flannelTransport } from './flannel.ts'

/**
 * Canal: Calico's pod wiring (and policy) over flannel's transport. Pods get Calico's veth layout
 * with host-local IPAM over the node's flannel /24 (canal's `usePodCidr`); nodes are joined by
 * flannel's vxlan mesh (`flannel.1`, VNI 1, UDP 8472) or host-gw routes. No BIRD.
 */
export async function buildCanal(context: InstallContext): Promise<Datapath> {
  const hostGw = context.spec.options.backend === 'host-gw'
  const mtu = hostGw ? UNDERLAY_MTU : UNDERLAY_MTU - FLANNEL_VXLAN.overhead
  if (!hostGw) await createVteps(context.lab, flannelMesh(mtu))
  const slots = await context.createPodSlots()
  const pods = await attachCalicoPods(context, slots, mtu, (slot) => ({ subnet: nodeSubnet(slot.nodeIndex).cidr }))
  await flannelTransport(context, hostGw, mtu)
  return {
    pods,
    mtu,
    encapsulation: hostGw ? { kind: 'none' } : { kind: 'vxlan', device: FLANNEL_VXLAN.device, vni: FLANNEL_VXLAN.vni, port: FLANNEL_VXLAN.port },
    policy: 'enforced',
    describe: {
      backend: hostGw ? 'host-gw' : 'vxlan',
      podCidr: `${POD_NETWORK} (/24 per node, flannel's)`,
      wiring: 'veth cali… in Calico\'s layout (proxy ARP, gateway 169.254.1.1), host-local IPAM over the flannel subnet',
      routing: 'flannel transport; Calico provides wiring and policy, no BGP',
    },
  }
}
