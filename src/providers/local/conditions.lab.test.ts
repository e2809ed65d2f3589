/**
 * Underlay conditions on the real lab (needs root): random loss on one node's uplink is per packet
 * (offloads off) and close to what was asked; a fault takes an uplink down and up again.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { run } from '../../exec.ts'
import { runIperf3 } from '../../tools/iperf3/run.ts'
import { FaultSchedule } from '../../runner/faults.ts'
import { lossTableName } from './conditions.ts'
import { testCluster } from './networks/datapaths.testkit.ts'
import { ping } from './pods.ts'

describe.sequential('underlay conditions', () => {
  let lab: Awaited<ReturnType<typeof testCluster>>
  beforeAll(async () => {
    lab = await testCluster({ nodes: 3, zones: 3, bandwidthBps: 450e6, nodeLossPercent: [0, 2, 0] })
  })
  afterAll(async () => { expect(await lab.dispose()).toEqual([]) })

  test('2% loss on n2: offloads off on its uplink, UDP into n2 loses about 2% of datagrams', async () => {
    const [n1, n2, n3] = lab.cluster.lab.nodes
    const features = await run('ip', ['netns', 'exec', n2!.namespace, 'ethtool', '-k', 'eth0'])
    expect(features.stdout).toMatch(/generic-segmentation-offload: off/)
    expect(features.stdout).toMatch(/tcp-segmentation-offload: off/)
    const sample = await runIperf3({ client: n1!.endpoint, server: n2!.endpoint, probe: { kind: 'udp', bitrateBps: 50e6, durationMs: 2000 } })
    expect(sample.packets).toBeGreaterThan(5000)
    expect(sample.metrics.lossPercent).toBeGreaterThan(1)
    expect(sample.metrics.lossPercent).toBeLessThan(4.5)
    const clean = await runIperf3({ client: n1!.endpoint, server: n3!.endpoint, probe: { kind: 'udp', bitrateBps: 50e6, durationMs: 1000 } })
    expect(clean.metrics.lossPercent).toBeLessThan(1)
    const table = await run('ip', ['netns', 'exec', lab.cluster.lab.underlayNamespace, 'nft', 'list', 'table', 'bridge', lossTableName(lab.runId)])
    expect(table.stdout).toMatch(/numgen random mod 100000 < 2000/)
  })

  test('a fault schedule takes the uplink down for its span, marks overlapping points and restores it', async () => {
    // n3: the node without loss, so a lost ping means the fault and nothing else.
    const [n1, , n3] = lab.cluster.lab.nodes
    const reachable = async () => (await ping(n1!.namespace, n3!.ip, { timeoutS: 0.3 })).ok
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    const faults = new FaultSchedule([{ node: 'n3', kind: 'uplink-down', stepIndex: 0, atMs: 200, forMs: 2000 }], async () => lab.cluster)
    const started = Date.now()
    faults.begin('host', 0)
    await sleep(700)
    expect([await reachable(), await reachable()]).toEqual([false, false])
    const deadline = Date.now() + 10_000
    while (!await reachable() && Date.now() < deadline) await sleep(100)
    expect(await reachable()).toBe(true)
    expect(faults.causeFor('host', 0, started, Date.now(), ['n1', 'n3'])).toMatch(/^fault: node n3's uplink was down from \d+\.\d s to \d+\.\d s into step 0 \(fault schedule\)$/)
    expect(faults.causeFor('host', 0, started, Date.now(), ['n1', 'n2'])).toBeUndefined()
    expect(faults.causeFor('host', 0, Date.now() + 1000, Date.now() + 2000, ['n3'])).toBeUndefined()
    // A step that ends while the link is down brings it back up.
    const early = new FaultSchedule([{ node: 'n3', kind: 'uplink-down', stepIndex: 0, atMs: 0, forMs: 60_000 }], async () => lab.cluster)
    early.begin('flannel', 0)
    await sleep(500)
    expect(await reachable()).toBe(false)
    await early.end('flannel', 0)
    expect((await ping(n1!.namespace, n3!.ip)).ok).toBe(true)
  })
})
