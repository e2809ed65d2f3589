/**
 * Proof that every datapath is real (needs root): on a 3-node, 3-zone lab, for each network
 * - every pod reaches every other pod;
 * - a don't-fragment probe of MTU − 28 bytes of payload passes and one of MTU − 27 fails;
 * - a 1 s TCP transfer between nodes shows up on the underlay as UDP to the CNI's port (vxlan
 *   device tx counters grow too), or, for routed datapaths, as plain pod-addressed packets;
 * - Calico: BIRD reports every BGP session Established and remote blocks are `proto bird` routes;
 * - after uninstalling, the nodes are bare again and no namespace, process or IPAM state remains.
 */
import { readdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runChecked } from '../../../exec.ts'
import type { NetworkSpec } from '../../../model.ts'
import { runIperf3 } from '../../../tools/iperf3/run.ts'
import { listNamespaces } from '../runs.ts'
import { pickPodPair, ping, unansweredPairs, type Pod } from '../pods.ts'
import type { LocalNetwork } from '../pod-network.ts'
import { birdc, parseBgpSessions } from './bird.ts'
import { calicoBlock } from './addressing.ts'
import { addUnderlayCounters, nodeResidue, ownLeftovers, testCluster, txPackets } from './datapaths.testkit.ts'

type Lab = Awaited<ReturnType<typeof testCluster>>

const variants: Array<{ spec: NetworkSpec; mtu: number; port: number | null; device?: string }> = [
  { spec: { name: 'flannel', cni: 'flannel', options: {} }, mtu: 1450, port: 8472, device: 'flannel.1' },
  { spec: { name: 'flannel-hostgw', cni: 'flannel', options: { backend: 'host-gw' } }, mtu: 1500, port: null },
  { spec: { name: 'calico', cni: 'calico', options: {} }, mtu: 1500, port: null },
  { spec: { name: 'calico-vxlan', cni: 'calico', options: { encapsulation: 'vxlan' } }, mtu: 1450, port: 4789, device: 'vxlan.calico' },
  { spec: { name: 'canal', cni: 'canal', options: {} }, mtu: 1450, port: 8472, device: 'flannel.1' },
  { spec: { name: 'weave', cni: 'weave', options: {} }, mtu: 1376, port: 6784, device: 'vxlan-6784' },
  { spec: { name: 'cilium', cni: 'cilium', options: {} }, mtu: 1450, port: 8472, device: 'cilium_vxlan' },
  { spec: { name: 'cilium-native', cni: 'cilium', options: { routing: 'native' } }, mtu: 1500, port: null },
  { spec: { name: 'romana', cni: 'romana', options: {} }, mtu: 1500, port: null },
]

describe.sequential('local lab datapaths', () => {
  let lab: Lab

  beforeAll(async () => {
    lab = await testCluster({ nodes: 3, zones: 3 })
  })

  afterAll(async () => {
    const leftovers = await lab.dispose()
    expect(leftovers).toEqual([])
  })

  for (const variant of variants) {
    test(`${variant.spec.name}: reachable, MTU ${variant.mtu}, ${variant.port ? `UDP ${variant.port} on the underlay` : 'routed without encapsulation'}, clean after`, async () => {
      const network = await lab.cluster.install(variant.spec)
      let uninstalled = false
      try {
        expect(network.setupMs).toBeGreaterThan(0)
        expect(network.pods).toHaveLength(6)
        for (const pod of network.pods) expect(pod.mtu, pod.name).toBe(variant.mtu)
        expect(network.mtu).toBe(variant.mtu)

        const pairs = network.pods.flatMap((a) => network.pods.filter((b) => b !== a).map((b) => [a, b] as [Pod, Pod]))
        expect((await unansweredPairs(pairs, 1)).map(([a, b]) => `${a.name}→${b.name}`)).toEqual([])

        const [client, server] = pickPodPair(network.pods, 'zones')
        expect(client.node).not.toBe(server.node)
        const fits = await ping(client.namespace, server.ip, { dontFragment: true, size: variant.mtu - 28 })
        expect(fits.ok, fits.output).toBe(true)
        const tooBig = await ping(client.namespace, server.ip, { dontFragment: true, size: variant.mtu - 27 })
        expect(tooBig.ok, tooBig.output).toBe(false)

        await proveEncapsulation(lab, network, variant, client, server)
        if (variant.spec.cni === 'calico' && !variant.spec.options.encapsulation) await proveBgp(network)

        const workDir = `net-${variant.spec.name}`
        expect(await readdir(lab.runDir)).toContain(workDir)
        await network[Symbol.asyncDispose]()
        uninstalled = true
        for (const node of lab.cluster.lab.nodes) expect(await nodeResidue(node.namespace), node.name).toEqual([])
        const namespaces = (await listNamespaces()).filter((name) => name.startsWith(`nb${lab.runId}-`))
        expect(namespaces.sort()).toEqual(lab.cluster.lab.nodes.map((node) => node.namespace).concat(lab.cluster.lab.underlayNamespace).sort())
        expect(await readdir(lab.runDir)).not.toContain(workDir)
        expect(ownLeftovers(lab.runId).filter((item) => !item.startsWith('netns') && !item.startsWith('dir'))).toEqual([])
      } finally {
        if (!uninstalled) await network[Symbol.asyncDispose]()
      }
    })
  }
})

async function proveEncapsulation(lab: Lab, network: LocalNetwork, variant: typeof variants[number], client: Pod, server: Pod): Promise<void> {
  const counters = await addUnderlayCounters(lab.cluster.lab)
  try {
    const device = variant.device
    const txBefore = device ? await txPackets(client.node.namespace, device) : 0
    const sample = await runIperf3({ client: client.endpoint, server: server.endpoint, probe: { kind: 'tcp', streams: 1, durationMs: 1000 } })
    expect(sample.metrics.throughputBps).toBeGreaterThan(1e6)
    const seen = await counters.read()
    if (variant.port) {
      expect(network.encapsulation).toMatchObject({ kind: 'vxlan', port: variant.port })
      expect(seen[`udp${variant.port}`], JSON.stringify(seen)).toBeGreaterThan(100)
      // Inner pod addresses never appear on the underlay unencapsulated.
      expect(seen.podip, JSON.stringify(seen)).toBe(0)
      expect(await txPackets(client.node.namespace, device!) - txBefore).toBeGreaterThan(100)
    } else {
      expect(network.encapsulation.kind).toBe('none')
      for (const port of [8472, 4789, 6784]) expect(seen[`udp${port}`], JSON.stringify(seen)).toBe(0)
      expect(seen.podip, JSON.stringify(seen)).toBeGreaterThan(100)
    }
  } finally {
    await counters.remove()
  }
}

async function proveBgp(network: LocalNetwork): Promise<void> {
  const nodes = network.lab.nodes
  for (const [index, node] of nodes.entries()) {
    const socket = network.birdSockets[node.name]!
    const sessions = parseBgpSessions(await birdc(socket, ['show', 'protocols']))
    const peers = nodes.filter((peer) => peer !== node).map((peer) => `Mesh_${peer.name}`)
    expect(Object.keys(sessions).sort()).toEqual(peers.sort())
    for (const peer of peers) expect(sessions[peer], `${node.name} ${peer}`).toMatch(/Established/)
    const routes = await runChecked('ip', ['-n', node.namespace, 'route', 'show', 'proto', 'bird'])
    expect(routes).toContain(`blackhole ${calicoBlock(index).cidr}`)
    for (const [other, peer] of nodes.entries()) {
      if (other !== index) expect(routes).toContain(`${calicoBlock(other).cidr} via ${peer.ip} dev eth0`)
    }
  }
}
