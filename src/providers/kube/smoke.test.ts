import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect } from 'vitest'
import { KubeStandIn } from '../../../test/kube-standin/server.ts'
import { kubeProvider } from './provider.ts'
import { runIperf3 } from '../../tools/iperf3/run.ts'

test('smoke', async () => {
  const standIn = await KubeStandIn.start()
  const dir = mkdtempSync(join(tmpdir(), 'kc-'))
  writeFileSync(join(dir, 'config'), standIn.kubeconfig(['standin']))
  process.env.KUBECONFIG = join(dir, 'config')
  const spec = { provider: 'kube', context: null, contexts: { calico: null }, podImage: 'nicolaka/netshoot:v0.13', readyTimeoutMs: 5000, deleteTimeoutMs: 5000, placements: [{ between: 'zones', endpoint: 'pod' }, { between: 'same-node', endpoint: 'pod' }] } as any
  await kubeProvider.preflight(spec, ['calico'])
  const cluster = await kubeProvider.createCluster(spec, { runId: 'ab12', runDir: dir })
  const network = await cluster.install('calico')
  console.log(JSON.stringify(network.describe(), null, 1))
  const pair = network.pair('zones')
  const sample = await runIperf3({ ...pair, probe: { kind: 'udp', bitrateBps: 10e6, durationMs: 1000 } })
  console.log(sample.metrics, sample.datagramBytes)
  const tcp = await runIperf3({ ...network.pair('same-node'), probe: { kind: 'tcp', streams: 1, durationMs: 1000 } })
  console.log(tcp.metrics)
  await network[Symbol.asyncDispose]()
  await cluster[Symbol.asyncDispose]()
  console.log(standIn.namespaces(), standIn.processes(), standIn.unknownRequests, standIn.execs.map(e => e.protocol + ' ' + e.argv.join(' ')))
  await standIn.close()
  expect(standIn.namespaces()).toEqual([])
})
