/**
 * Node CPU on the kube provider against the Kubernetes API STAND-IN (test/kube-standin): /proc/stat
 * is read by exec into the pods, as on a real cluster. The stand-in's pods are processes on this
 * machine, so both "nodes" share its kernel: the figure must come out as the machine's, once.
 */
import { expect, test } from 'vitest'
import { kubeSpec, standInPerTest } from '../../../test/kube-standin/fixture.ts'
import type { ClusterSpec } from '../../model.ts'
import { measurePoint } from '../../runner/measure.ts'
import { kubeProvider } from './provider.ts'

const standIns = standInPerTest()

test('a TCP point through pod exec reads /proc/stat in both pods, side by side, then once for their shared kernel, and labels it', async () => {
  const { standIn: server } = await standIns.start()
  const cluster = await kubeProvider.createCluster(kubeSpec() as ClusterSpec, { runId: 'cpu1', runDir: '/tmp' })
  const calico = await cluster.install('calico')
  const point = await measurePoint('s', {
    id: 'calico|0|', network: 'calico', stepIndex: 0, step: 'tcp', label: 'tcp', bitrateBps: null, streams: 1, durationMs: 1000, omitMs: 0, between: 'zones', repeat: 1,
  }, calico.pair('zones'))
  expect(point.status, point.error ?? '').toBe('ok')
  expect(point.nodeCpu).toMatchObject({ scope: 'machine', nodes: ['node-a1', 'node-b1'] })
  expect(point.metrics.cpuNodePercent).toBeGreaterThan(0)
  expect(point.metrics.cpuNodePerGbps).toBeGreaterThan(0)
  // Before the probe in the client's and the server's pod (pod exec wraps the argv in sh); after
  // it in one of them only, since the first reading found both on one kernel (one boot id).
  const reads = server.execs.filter((exec) => exec.argv.includes('/proc/stat')).map((exec) => exec.pod.split('/')[1])
  expect(reads.slice(0, 2).sort()).toEqual(['calico-p1', 'calico-p2'])
  expect(reads).toHaveLength(3)
  await cluster[Symbol.asyncDispose]()
  expect(server.namespaces()).toEqual([])
}, 60_000)
