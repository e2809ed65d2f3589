import { createHash } from 'node:crypto'
import { runChecked } from '../../../exec.ts'
import { execCni, podAddress } from '../cni-plugin.ts'
import { EXEC_CONCURRENCY, mapLimit } from '../concurrency.ts'
import { prefix } from '../names.ts'
import type { InstallContext } from '../pod-network.ts'
import { makePod, readPodMtus, type Pod, type PodSlot } from '../pods.ts'
import { hostLocalIpam } from './plugin-pods.ts'

/** The pod's gateway in Calico's layout: a link-local address nobody owns, answered by proxy ARP. */
export const CALICO_GATEWAY = '169.254.1.1'
export const CALICO_HOST_MAC = 'ee:ee:ee:ee:ee:ee'

/** `cali` + 11 hex digits of a hash of the workload, as Calico names the host end. */
export function caliInterface(podNamespace: string): string {
  return `cali${createHash('sha1').update(podNamespace).digest('hex').slice(0, 11)}`
}

/**
 * Calico's pod wiring, built as its CNI plugin builds it: an address from host-local IPAM (the
 * reference plugin, state in the work dir), then a veth whose host end `cali…` has MAC
 * ee:ee:ee:ee:ee:ee, proxy_arp=1 and proxy_delay=0, and no address; in the pod `<ip>/32`,
 * `169.254.1.1 dev eth0 scope link` and `default via 169.254.1.1`; on the node `<ip>/32 dev cali…`.
 *
 * The node answers ARP for 169.254.1.1 only if it has a route to it through another interface:
 * real nodes do through their default route; lab nodes have none, so they get
 * `169.254.1.1 dev eth0 scope link` (nothing is ever sent to that address).
 */
export async function attachCalicoPods(context: InstallContext, slots: readonly PodSlot[], mtu: number, range: (slot: PodSlot) => Record<string, string>): Promise<Pod[]> {
  const byNode = context.lab.nodes.map((node) => slots.filter((slot) => slot.node === node))
  const attached = await mapLimit(byNode, EXEC_CONCURRENCY, async (nodeSlots) => {
    const done: Array<{ slot: PodSlot; ip: string; hostInterface: string; release: { plugin: string; config: Record<string, unknown> } }> = []
    const node = nodeSlots[0]?.node
    if (!node) return done
    await runChecked('ip', ['-n', node.namespace, 'route', 'replace', `${CALICO_GATEWAY}/32`, 'dev', 'eth0', 'scope', 'link'], { what: `routing the pod gateway on node ${node.name}` })
    for (const slot of nodeSlots) {
      const config = { name: `${prefix(context.lab.runId)}-${context.spec.name}`, ipam: hostLocalIpam(context, slot.node.name, range(slot)) }
      const ip = podAddress(await execCni({ nodeNamespace: node.namespace, plugin: 'host-local', command: 'ADD', podNamespace: slot.namespace, config }), slot.name)
      const cali = caliInterface(slot.namespace)
      await runChecked('ip', ['-n', node.namespace, '-batch', '-'], {
        input: [
          `link add ${cali} mtu ${mtu} type veth peer name eth0 mtu ${mtu} netns ${slot.namespace}`,
          `link set ${cali} address ${CALICO_HOST_MAC} up`,
          '',
        ].join('\n'),
        what: `creating the veth of pod ${slot.name}`,
      })
      await runChecked('ip', ['-n', slot.namespace, '-batch', '-'], {
        input: [
          'link set eth0 up',
          `addr add ${ip}/32 dev eth0`,
          `route add ${CALICO_GATEWAY} dev eth0 scope link`,
          `route add default via ${CALICO_GATEWAY} dev eth0`,
          '',
        ].join('\n'),
        what: `addressing pod ${slot.name}`,
      })
      await runChecked('ip', ['-n', node.namespace, 'route', 'replace', `${ip}/32`, 'dev', cali, 'scope', 'link'], { what: `routing pod ${slot.name}` })
      done.push({ slot, ip, hostInterface: cali, release: { plugin: 'host-local', config } })
    }
    const sysctls = done.flatMap(({ hostInterface }) => [
      `net.ipv4.conf.${hostInterface}.proxy_arp=1`,
      `net.ipv4.neigh.${hostInterface}.proxy_delay=0`,
      `net.ipv4.conf.${hostInterface}.forwarding=1`,
      `net.ipv4.conf.${hostInterface}.rp_filter=0`,
    ])
    if (sysctls.length) await runChecked('ip', ['netns', 'exec', node.namespace, 'sysctl', '-qw', ...sysctls], { what: `setting proxy ARP on node ${node.name}` })
    return done
  })
  const flat = attached.flat()
  const mtus = await readPodMtus(flat.map((item) => item.slot))
  return flat.map((item, i) => makePod(item.slot, { ip: item.ip, mtu: mtus[i]!, hostInterface: item.hostInterface, release: item.release }))
}
