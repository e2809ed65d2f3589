/**
 * Node CPU (/proc/stat, issue 11 part 3) reaches the reader in every reporter, from a result the
 * local lab wrote (fixtures/results/node-cpu.json: host and flannel, UDP 300M and TCP, 1 s each),
 * labelled as the machine's since the lab's nodes share one kernel. Results without it render as before.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadResult } from '../src/results/load-result.ts'
import { renderReport } from './html/render.ts'
import { renderJunit } from './junit/render.ts'
import { renderSummary } from './terminal/summary.ts'

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/results/${name}`, import.meta.url))
const { result } = await loadResult(fixture('node-cpu.json'))
const { result: older } = await loadResult(fixture('quickstart.json'))
const points = result.suites[0]!.points
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '')
const MACHINE = 'the machine (n1, n2 share its kernel: not a node\'s own figure)'

describe('node CPU in the reports', () => {
  it('the result loads (schema version 2, optional fields) and every point has it', () => {
    expect(result.schemaVersion).toBe(2)
    for (const point of points) {
      expect(point.nodeCpu).toMatchObject({ scope: 'machine', nodes: ['n1', 'n2'] })
      expect(point.metrics.cpuNodePercent).toBeGreaterThan(0)
    }
  })

  it('terminal: a node CPU column and its per-Gbit/s cost in the UDP and TCP tables, and whose CPU it is', () => {
    const text = plain(renderSummary(result))
    const tcpHeader = text.split('\n').find((line) => line.trimStart().startsWith('TCP'))!
    expect(tcpHeader).toMatch(/cpu snd\/rcv .*node CPU +node CPU-s per Gbit\/s/)
    const flannelTcp = text.split('\n').find((line) => line.trimStart().startsWith('flannel') && line.includes('1 stream'))!
    const tcp = points.find((point) => point.network === 'flannel' && point.step === 'tcp')!
    expect(flannelTcp).toContain(`softirq ${Math.round(tcp.nodeCpu!.softirqPercent)}%`)
    expect(flannelTcp).toContain(String(Number(tcp.metrics.cpuNodePerGbps!.toFixed(3))))
    expect(text.match(/Node CPU: user \+ system \+ softirq of the machine \(n1, n2 share its kernel/g)).toHaveLength(2)
    expect(plain(renderSummary(older))).not.toContain('node CPU')
  })

  it('HTML: the column in the points table, the caption under it, the cost in the TCP chart\'s caption', () => {
    const html = renderReport(result)
    expect(html).toContain(`<th class="num" title="user + system + softirq of the nodes, not iperf3's">node CPU</th>`)
    expect(html).toContain(`<td class="num" title="${MACHINE.replace("'", '&#39;')}">`)
    expect(html).toMatch(/Node CPU per Gbit\/s received: host [\d.]+, flannel [\d.]+ CPU-seconds, of the machine/)
    expect(html.match(/class="muted small node-cpu"/g)).toHaveLength(2)
    expect(renderReport(older)).not.toContain('node CPU')
  })

  it('JUnit: properties per point, with the scope said', () => {
    const xml = renderJunit(result)
    const udp = points.find((point) => point.network === 'host' && point.step === 'udp')!
    expect(xml).toContain(`<property name="udp 300M.cpu.node.percent" value="${Number(udp.metrics.cpuNodePercent!.toPrecision(10))}"/>`)
    expect(xml).toContain('<property name="tcp.cpu.node.per-gbps"')
    expect(xml).toContain('<property name="udp 300M.cpu.node.scope" value="machine"/>')
    expect(xml).toContain(`<property name="tcp.cpu.node.of" value="${MACHINE}"/>`)
  })
})
