import { runChecked } from '../../../exec.ts'
import { EXEC_CONCURRENCY, mapLimit } from '../concurrency.ts'
import { UNDERLAY_MTU } from '../lab.ts'
import type { Datapath, InstallContext } from '../pod-network.ts'
import { nodeSubnet, POD_NETWORK } from './addressing.ts'
import { attachWithPlugin, hostLocalIpam } from './plugin-pods.ts'
import { programNodeRoutes } from './vxlan.ts'

/**
 * Romana: routed, no overlay. Every node has a gateway address (the ptp plugin puts the node
 * subnet's .1 on each pod's host veth) answered with proxy ARP, /32 routes to local pods, and
 * remote pod blocks routed via the remote node IP. Romana enforces Kubernetes NetworkPolicy (its
 * policy agent programs iptables per pod interface on each node); the lab does the same with
 * nftables on the host-side veths, as for the other routed networks.
 */
export async function buildRomana(context: InstallContext): Promise<Datapath> {
  const mtu = UNDERLAY_MTU
  const slots = await context.createPodSlots()
  const pods = await attachWithPlugin(context, slots, 'ptp', (slot) => ({
    ipMasq: false,
    mtu,
    ipam: hostLocalIpam(context, slot.node.name, { subnet: nodeSubnet(slot.nodeIndex).cidr }, [{ dst: POD_NETWORK }, { dst: '0.0.0.0/0' }]),
  }))
  await mapLimit(context.lab.nodes, EXEC_CONCURRENCY, async (node) => {
    const sysctls = pods.filter((pod) => pod.node === node && pod.hostInterface).map((pod) => `net.ipv4.conf.${pod.hostInterface}.proxy_arp=1`)
    if (sysctls.length) await runChecked('ip', ['netns', 'exec', node.namespace, 'sysctl', '-qw', ...sysctls], { what: `enabling proxy ARP on node ${node.name}` })
  })
  await programNodeRoutes(context.lab, (i) => nodeSubnet(i).cidr)
  return {
    pods,
    mtu,
    encapsulation: { kind: 'none' },
    policy: 'enforced',
    describe: {
      podCidr: `${POD_NETWORK} (/24 per node)`,
      wiring: 'routed veths (CNI ptp plugin: gateway .1 on every host veth, proxy ARP), host-local IPAM',
      routing: 'remote pod blocks via the remote node IP',
    },
  }
}
