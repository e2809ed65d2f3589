import { join } from 'node:path'
import { execCni, hostInterface, podAddress } from '../cni-plugin.ts'
import { EXEC_CONCURRENCY, mapLimit } from '../concurrency.ts'
import type { InstallContext } from '../pod-network.ts'
import { prefix } from '../names.ts'
import { makePod, readPodMtus, type Pod, type PodSlot } from '../pods.ts'

/** host-local IPAM whose state lives in the network's work dir, never in /var/lib/cni. */
export function hostLocalIpam(context: InstallContext, nodeName: string, range: Record<string, string>, routes: Array<{ dst: string }> = []): Record<string, unknown> {
  return {
    type: 'host-local',
    ranges: [[range]],
    ...routes.length ? { routes } : {},
    dataDir: join(context.workDir, 'ipam', nodeName),
  }
}

/**
 * Wires every pod with one reference plugin (bridge or ptp) exactly as a runtime would: ADD in
 * the pod's node namespace with the pod's netns, the node's configuration on stdin. The result
 * gives the address and the host-side veth; the MTU is read back from the pod.
 */
export async function attachWithPlugin(
  context: InstallContext,
  slots: readonly PodSlot[],
  plugin: 'bridge' | 'ptp',
  configFor: (slot: PodSlot) => Record<string, unknown>,
): Promise<Pod[]> {
  // Nodes in parallel, a node's pods in order (as a kubelet would), so p1 gets the first address.
  const byNode = context.lab.nodes.map((node) => slots.filter((slot) => slot.node === node))
  const attachedByNode = await mapLimit(byNode, EXEC_CONCURRENCY, async (nodeSlots) => {
    const done = []
    for (const slot of nodeSlots) done.push(await attachOne(slot))
    return done
  })
  const attached = attachedByNode.flat()
  const mtus = await readPodMtus(attached.map((item) => item.slot))
  return attached.map((item, i) => makePod(item.slot, { ip: item.ip, mtu: mtus[i]!, hostInterface: item.hostInterface, release: item.release }))

  async function attachOne(slot: PodSlot) {
    const config: Record<string, unknown> = { name: `${prefix(context.lab.runId)}-${context.spec.name}`, type: plugin, ...configFor(slot) }
    const result = await execCni({ nodeNamespace: slot.node.namespace, plugin, command: 'ADD', podNamespace: slot.namespace, config })
    const bridge = typeof config.bridge === 'string' ? config.bridge : undefined
    return { slot, ip: podAddress(result, slot.name), hostInterface: hostInterface(result, bridge), release: { plugin, config } }
  }
}
