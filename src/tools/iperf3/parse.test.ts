import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isNetbenchError, type NetbenchError } from '../../errors.ts'
import { datagramBytesForMtu, serverArgs, tcpClientArgs, udpClientArgs, wholeSeconds } from './args.ts'
import { extractJsonText, parseIperf3Json, parseIperf3Output } from './parse.ts'

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../fixtures/iperf3/${name}`, import.meta.url), 'utf8')

function thrown(fn: () => unknown): NetbenchError {
  try {
    fn()
  } catch (error) {
    if (isNetbenchError(error)) return error
    throw error
  }
  throw new Error('expected a NetbenchError')
}

describe('iperf3 args', () => {
  it('builds server and client command lines', () => {
    expect(serverArgs({ port: 5202, bindIp: '198.18.250.2' }))
      .toEqual(['iperf3', '-s', '-1', '-p', '5202', '-B', '198.18.250.2', '--forceflush'])
    expect(serverArgs({ port: 5202, bindIp: '198.18.250.2', kept: true }))
      .toEqual(['iperf3', '-s', '-p', '5202', '-B', '198.18.250.2', '--forceflush'])
    expect(udpClientArgs({ serverIp: '198.18.250.2', port: 5202, bitrateBps: 10.4e6, datagramBytes: 1472, durationMs: 1500, omitMs: 500 }))
      .toEqual(['iperf3', '-c', '198.18.250.2', '-p', '5202', '-u', '-b', '10400000', '-l', '1472',
        '-t', '2', '-O', '1', '--json', '--connect-timeout', '5000'])
    expect(tcpClientArgs({ serverIp: '198.18.250.2', port: 5201, streams: 4, durationMs: 1000, connectTimeoutMs: 3000 }))
      .toEqual(['iperf3', '-c', '198.18.250.2', '-p', '5201', '-P', '4', '-t', '1', '--json', '--connect-timeout', '3000'])
  })

  it('a byte-bounded UDP run takes -n instead of -t (3.12 refuses both), and at least one datagram', () => {
    const base = { serverIp: '198.18.250.2', port: 5201, bitrateBps: 40e9, datagramBytes: 1472, durationMs: 1000 }
    const argv = udpClientArgs({ ...base, bytes: 50e6, intervalMs: 100 })
    expect(argv.slice(argv.indexOf('-n'), argv.indexOf('-n') + 2)).toEqual(['-n', '50000000'])
    expect(argv.slice(argv.indexOf('-i'), argv.indexOf('-i') + 2)).toEqual(['-i', '0.1'])
    expect(argv).not.toContain('-t')
    expect(() => udpClientArgs({ ...base, bytes: 100 })).toThrow(RangeError)
    expect(() => udpClientArgs({ ...base, bytes: Number.NaN })).toThrow(RangeError)
  })

  it('never emits -b 0 and rounds durations up to whole seconds', () => {
    const base = { serverIp: '198.18.250.2', port: 5201, datagramBytes: 1472, durationMs: 1000 }
    expect(() => udpClientArgs({ ...base, bitrateBps: 0 })).toThrow(RangeError)
    expect(() => udpClientArgs({ ...base, bitrateBps: -5 })).toThrow(RangeError)
    expect(() => udpClientArgs({ ...base, bitrateBps: 0.2 })).toThrow(RangeError)
    expect(wholeSeconds(1)).toBe(1)
    expect(wholeSeconds(1000)).toBe(1)
    expect(wholeSeconds(1001)).toBe(2)
    expect(datagramBytesForMtu(1500)).toBe(1472)
    expect(datagramBytesForMtu(1400)).toBe(1372)
  })
})

describe('parseIperf3Output on real iperf3 3.12 output', () => {
  it('UDP 10M: receiver figures from sum_received, sender from sum_sent', () => {
    const r = parseIperf3Output(fixture('udp-10m.json'), 'udp')
    expect(r.offeredBps).toBe(10_000_000)
    expect(r.metrics.senderBps).toBeCloseTo(9996784.33442922, 3)
    expect(r.metrics.throughputBps).toBeCloseTo(9993906.38869563, 3)
    expect(r.metrics.jitterMs).toBeCloseTo(0.0045908079679233419, 12)
    expect(r.metrics.lossPercent).toBe(0)
    expect(r.metrics.retransmits).toBeNull()
    expect(r.metrics.cpuSenderPercent).toBeCloseTo(4.4587740964937135, 9)
    expect(r.metrics.cpuReceiverPercent).toBeCloseTo(1.2066968074313011, 9)
    expect(r).toMatchObject({ packets: 849, lostPackets: 0, datagramBytes: 1472 })
    expect(r.durationMs).toBeCloseTo(1000.104, 6)
    expect((r.raw as { start: { version: string } }).start.version).toBe('iperf 3.12')
  })

  it('UDP 200M through a dropping 50 Mbit tbf: receiver rate is what arrived', () => {
    const r = parseIperf3Output(fixture('udp-200m-tbf-50m-dropping.json'), 'udp')
    expect(r.offeredBps).toBe(200_000_000)
    expect(r.metrics.senderBps!).toBeGreaterThan(190e6)
    expect(r.metrics.throughputBps!).toBeGreaterThan(40e6)
    expect(r.metrics.throughputBps!).toBeLessThan(55e6)
    expect(r.lostPackets!).toBeGreaterThan(0)
    expect(r.metrics.lossPercent!).toBeGreaterThan(60)
    // sum_received.bytes = (packets - lost) × blksize: datagrams that actually arrived.
    const end = (r.raw as { end: { sum_received: { bytes: number } } }).end
    expect(end.sum_received.bytes).toBe((r.packets! - r.lostPackets!) * 1472)
  })

  it('UDP 200M through a backpressuring tbf: the sender itself is held to 50M, no loss', () => {
    const r = parseIperf3Output(fixture('udp-200m-tbf-50m-backpressure.json'), 'udp')
    expect(r.metrics.senderBps!).toBeLessThan(55e6)
    expect(r.metrics.senderBps! / r.offeredBps!).toBeLessThan(0.3)
    expect(r.metrics.lossPercent).toBe(0)
  })

  it('TCP 1 and 2 streams: throughput, sender rate and retransmits', () => {
    for (const name of ['tcp-1stream.json', 'tcp-2streams.json']) {
      const r = parseIperf3Output(fixture(name), 'tcp')
      const end = (r.raw as { end: { sum_sent: { bits_per_second: number; retransmits: number }; sum_received: { bits_per_second: number } } }).end
      expect(r.metrics.throughputBps).toBe(end.sum_received.bits_per_second)
      expect(r.metrics.senderBps).toBe(end.sum_sent.bits_per_second)
      expect(r.metrics.retransmits).toBe(end.sum_sent.retransmits)
      expect(typeof r.metrics.retransmits).toBe('number')
      expect(r.metrics.jitterMs).toBeNull()
      expect(r.metrics.lossPercent).toBeNull()
      expect(r.offeredBps).toBeNull()
      expect(r.packets).toBeUndefined()
      expect(r.metrics.cpuSenderPercent).toBeGreaterThan(0)
    }
    const two = parseIperf3Output(fixture('tcp-2streams.json'), 'tcp')
    expect((two.raw as { end: { streams: unknown[] } }).end.streams).toHaveLength(2)
  })

  it('turns nan / -nan / inf into null and still derives loss from the counts', () => {
    const text = fixture('udp-nan-constructed.json')
    expect(() => JSON.parse(text)).toThrow()
    const r = parseIperf3Output(text, 'udp')
    expect(r.metrics.jitterMs).toBeNull()
    expect(r.metrics.cpuReceiverPercent).toBeNull()
    expect(r.metrics.lossPercent).toBe(0) // lost_percent was -nan; 0 lost of 849
    const sum = (r.raw as { end: { sum: Record<string, unknown> } }).end.sum
    expect(sum.jitter_ms).toBeNull()
    expect(sum.lost_percent).toBeNull()
  })

  it('tolerates warnings before and text after the JSON', () => {
    const text = `warning: UDP block size 1472 exceeds TCP MSS 1448\n${fixture('udp-10m.json')}iperf3: interrupt - the server has terminated\n{"not": "this"}\n`
    const r = parseIperf3Output(text, 'udp')
    expect(r.packets).toBe(849)
    expect(parseIperf3Json('{"a": "nan {x}", "b": -nan, "c": [1e-5, -2, inf]} trailing'))
      .toEqual({ a: 'nan {x}', b: null, c: [1e-5, -2, null] })
  })

  it('reports missing or cut-off JSON as MEASUREMENT', () => {
    expect(thrown(() => parseIperf3Output('iperf3: error - unable to connect to server\n', 'udp')).message)
      .toContain('unable to connect to server')
    const cut = fixture('udp-10m.json').slice(0, 500)
    expect(extractJsonText(cut)).toBeUndefined()
    expect(thrown(() => parseIperf3Output(cut, 'udp')).code).toBe('MEASUREMENT')
    expect(thrown(() => parseIperf3Output(fixture('tcp-1stream.json'), 'udp')).message).toContain('TCP test')
  })

  it.each([
    ['error-connection-refused.json', 'unable to connect to server: Connection refused', /no iperf3 server listens/],
    ['error-server-busy.json', 'the server is busy running a test. try again later', /another client/],
    ['error-server-killed.json', 'control socket has closed unexpectedly', /control connection broke/],
    ['error-interrupted.json', 'interrupt - the client has terminated', /stopped before the test finished/],
  ])('%s becomes a MEASUREMENT error with the iperf3 message', (name, message, hint) => {
    const error = thrown(() => parseIperf3Output(fixture(name), 'udp'))
    expect(error.code).toBe('MEASUREMENT')
    expect(error.message).toBe(`iperf3: ${message}`)
    expect(error.hint).toMatch(hint)
  })
})
