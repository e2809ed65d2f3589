import { runChecked } from '../../../exec.ts'
import { EXEC_CONCURRENCY, mapLimit } from '../concurrency.ts'
import type { LocalLab } from '../lab.ts'

/**
 * The static VXLAN mesh flannel's vxlan backend programs (and Calico's vxlan mode, Canal, and the
 * lab's Cilium tunnel): a `nolearning` device per node and, per remote node, a permanent neighbour
 * entry (VTEP IP → VTEP MAC), a permanent FDB entry (VTEP MAC → node IP) and an onlink route to
 * its pod CIDR. No L2/L3 miss handling: what is not programmed is dropped.
 */
export interface VxlanMesh {
  device: string
  vni: number
  port: number
  mtu: number
  /** The node's VTEP address (a /32 on the device). */
  vtepIp(index: number): string
  vtepMac(index: number): string
  /** The pod CIDR routed through the tunnel to this node. */
  podCidr(index: number): string
}

export async function createVteps(lab: LocalLab, mesh: VxlanMesh): Promise<void> {
  await mapLimit(lab.nodes, EXEC_CONCURRENCY, (node, i) => runChecked('ip', ['-n', node.namespace, '-batch', '-'], {
    input: [
      `link add ${mesh.device} type vxlan id ${mesh.vni} local ${node.ip} dev eth0 dstport ${mesh.port} nolearning`,
      `link set ${mesh.device} address ${mesh.vtepMac(i)} mtu ${mesh.mtu} up`,
      `addr add ${mesh.vtepIp(i)}/32 dev ${mesh.device}`,
      '',
    ].join('\n'),
    what: `creating ${mesh.device} on node ${node.name}`,
  }))
}

export async function programVxlanMesh(lab: LocalLab, mesh: VxlanMesh): Promise<void> {
  await mapLimit(lab.nodes, EXEC_CONCURRENCY, async (node, i) => {
    const remotes = lab.nodes.map((remote, j) => ({ remote, j })).filter(({ j }) => j !== i)
    await runChecked('bridge', ['-n', node.namespace, '-batch', '-'], {
      input: remotes.map(({ remote, j }) => `fdb replace ${mesh.vtepMac(j)} dev ${mesh.device} dst ${remote.ip} self permanent\n`).join(''),
      what: `programming the ${mesh.device} FDB on node ${node.name}`,
    })
    await runChecked('ip', ['-n', node.namespace, '-batch', '-'], {
      input: remotes.flatMap(({ j }) => [
        `neigh replace ${mesh.vtepIp(j)} lladdr ${mesh.vtepMac(j)} dev ${mesh.device} nud permanent`,
        `route replace ${mesh.podCidr(j)} via ${mesh.vtepIp(j)} dev ${mesh.device} onlink`,
      ]).join('\n') + '\n',
      what: `programming ${mesh.device} neighbours and routes on node ${node.name}`,
    })
  })
}

/** host-gw style: `<remote pod CIDR> via <remote node IP>` over the shared L2 underlay. */
export async function programNodeRoutes(lab: LocalLab, podCidr: (index: number) => string): Promise<void> {
  await mapLimit(lab.nodes, EXEC_CONCURRENCY, (node, i) => runChecked('ip', ['-n', node.namespace, '-batch', '-'], {
    input: lab.nodes.flatMap((remote, j) => j === i ? [] : [`route replace ${podCidr(j)} via ${remote.ip} dev eth0`]).join('\n') + '\n',
    what: `programming pod routes on node ${node.name}`,
  }))
}
