/**
 * The lab beside a running Docker engine (needs root and dockerd; CI gets it from `netbench setup
 * --dev`). dockerd sets the root namespace's iptables FORWARD policy to DROP and bridge netfilter
 * on. The lab's underlay bridge and nodes live in their own namespaces, whose netfilter tables and
 * br_netfilter sysctls are their own, so neither may reach lab traffic: host-to-host and flannel
 * pod-to-pod TCP and UDP must pass with no loss beyond the noise.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runChecked } from '../../exec.ts'
import type { PlannedPoint } from '../../runner/planned.ts'
import { measurePoint } from '../../runner/measure.ts'
import type { EndpointPair } from '../types.ts'
import { dockerEngine } from '../k3s/docker.ts'
import { testCluster } from './networks/datapaths.testkit.ts'

const SHAPED_BPS = 200e6

function point(overrides: Partial<PlannedPoint>): PlannedPoint {
  return {
    id: 'p|0|', network: 'host', stepIndex: 0, step: 'udp', label: 'udp', bitrateBps: null, streams: null,
    durationMs: 1000, omitMs: 0, between: 'zones', repeat: 1, ...overrides,
  }
}

const bridgeNfCallIptables = (namespace?: string) =>
  runChecked(namespace ? 'ip' : 'cat', namespace ? ['netns', 'exec', namespace, 'cat', '/proc/sys/net/bridge/bridge-nf-call-iptables'] : ['/proc/sys/net/bridge/bridge-nf-call-iptables'])
const forwardPolicy = async (namespace?: string) => {
  const rules = await runChecked(namespace ? 'ip' : 'iptables', namespace ? ['netns', 'exec', namespace, 'iptables', '-S', 'FORWARD'] : ['-S', 'FORWARD'])
  return /^-P FORWARD (\w+)/m.exec(rules)?.[1]
}

/** A TCP point and a UDP point at half the shaped rate, as the figures the report quotes. */
async function measure(network: string, pair: EndpointPair) {
  const tcp = await measurePoint('docker', point({ network, step: 'tcp', streams: 1 }), pair)
  const udp = await measurePoint('docker', point({ network, bitrateBps: SHAPED_BPS / 2 }), pair)
  console.log(`${network}: tcp ${(tcp.metrics.throughputBps! / 1e6).toFixed(1)} Mbit/s, udp ${SHAPED_BPS / 2e6}M → ${(udp.metrics.throughputBps! / 1e6).toFixed(1)} Mbit/s, loss ${udp.metrics.lossPercent!.toFixed(2)}%`)
  return { tcp, udp }
}

function expectClean({ tcp, udp }: Awaited<ReturnType<typeof measure>>) {
  expect(tcp.error).toBeNull()
  expect(udp.error).toBeNull()
  // Shaped to 200M: a dropping FORWARD chain would give nothing at all; a busy machine costs less
  // than half (a starved UDP sender offers less, but what it sends arrives: loss stays near 0).
  expect(tcp.metrics.throughputBps!).toBeGreaterThan(0.5 * SHAPED_BPS)
  expect(udp.metrics.throughputBps!).toBeGreaterThan(0.5 * SHAPED_BPS / 2)
  expect(udp.metrics.lossPercent!).toBeLessThan(1)
}

describe.sequential('the lab with dockerd running', () => {
  let lab: Awaited<ReturnType<typeof testCluster>>
  beforeAll(async () => {
    // No skip: CI installs and starts the engine with `netbench setup --dev`.
    await dockerEngine()
    lab = await testCluster({ nodes: 2, zones: 2, bandwidthBps: SHAPED_BPS, pods: 1 })
  })
  afterAll(async () => { if (lab) expect(await lab.dispose()).toEqual([]) })

  test("dockerd's settings are in force in the root namespace, and not in the lab's", async () => {
    expect(await forwardPolicy()).toBe('DROP')
    expect((await bridgeNfCallIptables()).trim()).toBe('1')
    // br_netfilter is per namespace (Linux ≥ 5.3): the underlay bridge calls its own, empty, iptables.
    const underlay = lab.cluster.lab.underlayNamespace
    expect(await forwardPolicy(underlay)).toBe('ACCEPT')
    expect((await bridgeNfCallIptables(underlay)).trim()).toBe('1')
  })

  test('host to host across zones: TCP and UDP pass through the underlay bridge', async () => {
    const network = await lab.cluster.install('host')
    try {
      expectClean(await measure('host', network.pair('zones', 'host')))
    } finally {
      await network[Symbol.asyncDispose]()
    }
  })

  test('flannel pod to pod across zones: VXLAN over the underlay, pods on the cni0 bridge', async () => {
    const network = await lab.cluster.install('flannel')
    try {
      expectClean(await measure('flannel', network.pair('zones')))
    } finally {
      await network[Symbol.asyncDispose]()
    }
  })
})
