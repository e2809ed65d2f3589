import { readFileSync } from 'node:fs'
import { afterEach, expect, test } from 'vitest'
import { runCli } from '../cli.ts'
import { labLeftovers } from '../leftovers.ts'
import { tmpProject } from '../tmp-project.ts'
import type { PointResult, RunResult } from '../../src/results/types.ts'

afterEach(() => {
  expect(labLeftovers()).toEqual([])
})

// One run for every case (lab tests must stay short): a bridged overlay and a routed network,
// each with the pod path, a ClusterIP (UDP, whose packets iperf3 counts; TCP), a NodePort and a
// hairpin. The expectations compare UDP at a fixed rate, which a shared machine's noise leaves alone.
const suite = `name: services
cluster: { nodes: 2, zones: 2 }
networks: [flannel, calico]
steps:
  - udp: { bitrates: [20M], duration: 1s }
  - udp: { bitrates: [20M], duration: 1s, via: service }
  - tcp: { duration: 1s, via: service }
  - udp: { bitrates: [20M], duration: 1s, via: nodeport }
  - tcp: { duration: 1s, via: hairpin }
expect:
  - all udp via service throughput >= 50% of flannel
  - calico via service udp throughput >= 50% of calico
  - flannel via nodeport throughput >= 50% of flannel via pod
`

test('Service paths in the lab: ClusterIP DNAT counted, NodePort from another node, hairpin, beside the pod path', async () => {
  using project = tmpProject({ 's.netbench.yaml': suite })
  const { code, stdout, stderr } = await runCli(['s.netbench.yaml', '--output', 'r.json', '--reporter', 'terminal', '--reporter', 'html', '--reporter', 'junit', '--report-dir', 'rep'], { cwd: project.dir })
  expect(stderr).toBe('')
  expect(code).toBe(0)
  const result = JSON.parse(readFileSync(project.path('r.json'), 'utf8')) as RunResult
  const points = result.suites[0]!.points
  const find = (network: string, label: string): PointResult => points.find((point) => point.network === network && point.label === label)!
  for (const network of ['flannel', 'calico']) {
    const pod = find(network, 'udp 20M (zones)')
    const service = find(network, 'tcp via service (zones)')
    expect(pod.status).toBe('ok')
    expect(pod.via).toBeUndefined()
    expect(service).toMatchObject({ status: 'ok', via: 'service', from: pod.from, to: pod.to })
    expect(service.service!.route).toMatch(/^ClusterIP 198\.18\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d+ → n2-p1$/)
    expect(service.metrics.throughputBps).toBeGreaterThan(0)
    expect(service.service!.translatedPackets).toBeGreaterThan(0)
    // Every client-to-Service datagram was translated: iperf3's count plus its control connection's few.
    const udp = find(network, 'udp 20M via service (zones)')
    const sent = udp.samples[0]!.packets!
    expect(udp.service!.translatedPackets).toBeGreaterThanOrEqual(sent)
    expect(udp.service!.translatedPackets).toBeLessThan(sent + 100)
    const nodePort = find(network, 'udp 20M via nodeport (zones)')
    expect(nodePort).toMatchObject({ status: 'ok', from: 'n1-p1', to: 'n2-p1' })
    expect(nodePort.service!.route).toMatch(/^NodePort n1:3\d{4}-3\d{4} → n2-p1$/)
    expect(nodePort.service!.translatedPackets).toBeGreaterThan(0)
    const hairpin = find(network, 'tcp via hairpin (same pod)')
    expect(hairpin).toMatchObject({ status: 'ok', from: 'n2-p1', to: 'n2-p1' })
    expect(hairpin.service!.translatedPackets).toBeGreaterThan(0)
  }
  const expectations = result.suites[0]!.expectations
  expect(expectations.map((e) => [e.name, e.status]).sort()).toEqual([
    ['flannel › udp 20M via service (zones) › throughput >= 50% of flannel', 'passed'],
    ['calico › udp 20M via service (zones) › throughput >= 50% of flannel', 'passed'],
    ['calico › udp 20M via service (zones) › throughput >= 50% of calico', 'passed'],
    ['flannel › udp 20M via nodeport (zones) › throughput >= 50% of flannel via pod', 'passed'],
  ].sort())
  // The own network's reference is its pod path; another network's, the same path.
  expect(expectations.find((e) => e.text.startsWith('calico'))!.message).toMatch(/of calico via pod's /)
  expect(expectations.find((e) => e.text.startsWith('all') && e.network === 'calico')!.message).toMatch(/of flannel's /)
  expect(stdout).toMatch(/calico via service\s+1 stream\s+\d/)
  expect(stdout).toMatch(/calico via hairpin \(same pod\): ClusterIP \S+ → n2-p1 \(hairpin\), [\d,]+ packets translated/)
  expect(readFileSync(project.path('rep/index.html'), 'utf8')).toMatch(/title="NodePort n1:\d+-\d+ → n2-p1">DNAT [\d,]+ pkts</)
  expect(readFileSync(project.path('rep/junit.xml'), 'utf8')).toMatch(/name="udp 20M via service \(zones\)\.service\.translated\.packets" value="\d+"/)
}, 90_000)
