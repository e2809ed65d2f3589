/**
 * Real measurements between two namespaces (needs root and iperf3). Assertions are ratios with
 * wide margins: a 2-core CI box under load must not turn these red.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Endpoint } from '../../endpoint.ts'
import { isNetbenchError, type NetbenchError } from '../../errors.ts'
import { createNetnsPair, type NetnsPair } from './netns-endpoint.testkit.ts'
import { runIperf3 } from './run.ts'
import { measureSenderCeiling } from './ceiling.ts'
import { ServerKeeper } from './server.ts'
import { parseUdpCounters } from '../udp-counters.ts'

const T = 30_000

function processGone(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return true
  try {
    // Field 3 of /proc/<pid>/stat is the state; Z = exited, waiting to be reaped.
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function rejection(promise: Promise<unknown>): Promise<NetbenchError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  if (!isNetbenchError(error)) throw new Error(`expected a NetbenchError, got ${String(error)}`)
  return error
}

/** Points argv[0] at a path that does not exist, so `ip netns exec` reports iperf3 missing. */
function withoutIperf3(endpoint: Endpoint): Endpoint {
  const rename = (argv: readonly string[]) => argv.map((arg, i) => (i === 0 && arg === 'iperf3' ? '/nonexistent-nbhx/iperf3' : arg))
  return { ...endpoint, exec: (argv, o) => endpoint.exec(rename(argv), o), start: (argv) => endpoint.start(rename(argv)) }
}

describe('runIperf3 between two namespaces', () => {
  let pair: NetnsPair
  beforeAll(async () => { pair = await createNetnsPair() }, T)
  afterAll(async () => {
    await pair.dispose()
    const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    expect(names).not.toContain(pair.ns.a)
    expect(names).not.toContain(pair.ns.b)
  }, T)
  afterEach(() => {
    // Every process a test started (servers and clients) is gone once runIperf3 settles.
    for (const pid of pair.pids) expect(processGone(pid), `pid ${pid} still running`).toBe(true)
  })

  it('`ip netns exec` execs in place: the spawned PID is iperf3 itself', async () => {
    const server = pair.b.start(['iperf3', '-s', '-1', '-p', '5299', '-B', pair.b.ip, '--forceflush'])
    await new Promise<void>((resolve) => {
      let out = ''
      server.stdout.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('Server listening')) resolve() })
    })
    expect(readFileSync(`/proc/${server.pid}/comm`, 'utf8').trim()).toBe('iperf3')
    await server.stop()
    await server.stop() // idempotent
  }, T)

  it('UDP 10M: receives about 10M with near-zero loss, datagrams fill a 1500 MTU', async () => {
    const sample = await runIperf3({ server: pair.b, client: pair.a, probe: { kind: 'udp', bitrateBps: 10e6, durationMs: 1000 } })
    expect(sample.metrics.throughputBps! / 10e6).toBeGreaterThan(0.9)
    expect(sample.metrics.throughputBps! / 10e6).toBeLessThan(1.1)
    expect(sample.metrics.lossPercent!).toBeLessThan(1)
    expect(sample.metrics.jitterMs).toEqual(expect.any(Number))
    expect(sample.metrics.cpuSenderPercent).toEqual(expect.any(Number))
    expect(sample).toMatchObject({ mtu: 1500, datagramBytes: 1472, lostPackets: expect.any(Number) })
    expect(sample.packets!).toBeGreaterThan(700)
    expect(sample.durationMs).toBeGreaterThanOrEqual(1000)
  }, T)

  it('a byte-bounded UDP run ends once its bytes are sent, well before a second', async () => {
    const sample = await runIperf3({ server: pair.b, client: pair.a, probe: { kind: 'udp', bitrateBps: 100e6, durationMs: 1000, bytes: 2.5e6 } })
    // 2.5 MB at 100 Mbit/s: 0.2 s.
    expect(sample.durationMs).toBeGreaterThan(100)
    expect(sample.durationMs).toBeLessThan(600)
    // Every datagram the 2.5 MB took reached the server (a few may be lost on a busy machine).
    expect(sample.packets! * 1472 / 2.5e6).toBeGreaterThan(0.95)
    expect(sample.metrics.senderBps! / 100e6).toBeGreaterThan(0.7)
  }, T)

  it('the sender ceiling sized from a reached rate agrees with a timed one-second run', async () => {
    const timed = await measureSenderCeiling(pair.a, null)
    const sized = await measureSenderCeiling(pair.a, timed! * 0.9)
    expect(timed).toBeGreaterThan(0)
    // Loopback runs here spread by about ±10% from one to the next; the margin is wider.
    expect(sized! / timed!).toBeGreaterThan(0.6)
    expect(sized! / timed!).toBeLessThan(1.6)
  }, T)

  it('UDP through a dropping 50mbit tbf: receiver rate well below sender rate', async () => {
    // A small tbf limit: with the default (latency 20ms) the queue outlasts the socket buffer,
    // the socket blocks and the *sender* slows to 50M with no loss (see fixtures README).
    await pair.a.exec(['tc', 'qdisc', 'add', 'dev', pair.veth.a, 'root', 'tbf', 'rate', '50mbit', 'burst', '32kb', 'limit', '48kb'])
    try {
      const sample = await runIperf3({ server: pair.b, client: pair.a, probe: { kind: 'udp', bitrateBps: 200e6, durationMs: 1000 } })
      const { senderBps, throughputBps, lossPercent } = sample.metrics
      expect(throughputBps! / senderBps!).toBeLessThan(0.6)
      expect(senderBps! / 200e6).toBeGreaterThan(0.5)
      expect(throughputBps! / 50e6).toBeGreaterThan(0.5)
      expect(throughputBps! / 50e6).toBeLessThan(1.2)
      expect(lossPercent!).toBeGreaterThan(20)
      expect(sample.lostPackets!).toBeGreaterThan(0)
    } finally {
      await pair.a.exec(['tc', 'qdisc', 'del', 'dev', pair.veth.a, 'root'])
    }
  }, T)

  it('TCP 2 streams: throughput > 0 and retransmits as a number', async () => {
    const sample = await runIperf3({ server: pair.b, client: pair.a, probe: { kind: 'tcp', streams: 2, durationMs: 1000 } })
    expect(sample.metrics.throughputBps!).toBeGreaterThan(0)
    expect(sample.metrics.retransmits).toEqual(expect.any(Number))
    expect(sample.datagramBytes).toBeUndefined()
    expect((sample.raw as { end: { streams: unknown[] } }).end.streams).toHaveLength(2)
  }, T)

  it('moves to the next port when the first is taken', async () => {
    const blocker = pair.b.start(['iperf3', '-s', '-1', '-p', '5301', '-B', pair.b.ip, '--forceflush'])
    try {
      await new Promise((resolve) => blocker.stdout.once('data', resolve))
      const sample = await runIperf3({ server: pair.b, client: pair.a, portHint: 5301, probe: { kind: 'tcp', streams: 1, durationMs: 1000 } })
      expect((sample.raw as { start: { connecting_to: { port: number } } }).start.connecting_to.port).toBe(5302)
    } finally {
      await blocker.stop()
    }
  }, T)

  it('no server reachable → MEASUREMENT with the iperf3 message', async () => {
    // An unreachable route in the client namespace: connect() fails before any packet leaves.
    await pair.a.exec(['ip', 'route', 'add', 'unreachable', `${pair.b.ip}/32`])
    try {
      const error = await rejection(runIperf3({ server: pair.b, client: pair.a, probe: { kind: 'udp', bitrateBps: 1e6, durationMs: 1000 } }))
      expect(error.code).toBe('MEASUREMENT')
      expect(error.message).toMatch(/^iperf3: unable to connect to server/)
    } finally {
      await pair.a.exec(['ip', 'route', 'del', 'unreachable', `${pair.b.ip}/32`])
    }
  }, T)

  it('server address not on the endpoint → MEASUREMENT quoting iperf3', async () => {
    const error = await rejection(runIperf3({ server: { ...pair.b, ip: '198.18.250.9' }, client: pair.a, probe: { kind: 'tcp', streams: 1, durationMs: 1000 } }))
    expect(error.code).toBe('MEASUREMENT')
    expect(error.message).toContain('Cannot assign requested address')
  }, T)

  it('iperf3 missing → MISSING_PROGRAM with the setup hint', async () => {
    const error = await rejection(runIperf3({ server: withoutIperf3(pair.b), client: pair.a, probe: { kind: 'tcp', streams: 1, durationMs: 1000 } }))
    expect(error.code).toBe('MISSING_PROGRAM')
    expect(error.hint).toContain('netbench setup')
    // Server present, client missing: the exec path reports it the same way.
    const clientError = await rejection(runIperf3({ server: pair.b, client: withoutIperf3(pair.a), probe: { kind: 'tcp', streams: 1, durationMs: 1000 } }))
    expect(clientError.code).toBe('MISSING_PROGRAM')
  }, T)

  it('reads `around` a probe bracket it: none of its datagrams before, all of them after', async () => {
    const received = async () => parseUdpCounters((await pair.b.exec(['cat', '/proc/net/snmp'])).stdout)!.inDatagrams
    const reads: number[] = []
    const sample = await runIperf3({
      server: pair.b, client: pair.a, probe: { kind: 'udp', bitrateBps: 10e6, durationMs: 1000 },
      around: { before: async () => { reads.push(await received()) }, after: async () => { reads.push(await received()) } },
    })
    const delivered = sample.packets! - sample.lostPackets!
    expect(delivered).toBeGreaterThan(500)
    // Only the probe's datagrams arrive in the namespace meanwhile (a handful of slack).
    expect(reads[1]! - reads[0]!).toBeGreaterThanOrEqual(delivered)
    expect(reads[1]! - reads[0]!).toBeLessThanOrEqual(delivered + 10)
  }, T)

  it('a read before the probe that fails stops the server started alongside it', async () => {
    const failing = runIperf3({
      server: pair.b, client: pair.a, probe: { kind: 'udp', bitrateBps: 1e6, durationMs: 1000 },
      around: { before: () => new Promise((_, reject) => setTimeout(() => reject(new Error('counter read failed')), 300)), after: async () => undefined },
    })
    await expect(failing).rejects.toThrow('counter read failed')
    // afterEach: the server (started, listening by then) is gone.
    expect(pair.pids.length).toBeGreaterThan(0)
  }, T)

  it('a ServerKeeper lends one server to probe after probe, and stops it on close', async () => {
    const servers = new ServerKeeper()
    const earlier = pair.pids.length
    const serverPids = () => pair.pids.slice(earlier).filter((pid) => !processGone(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('-s'))
    const udp = await runIperf3({ server: pair.b, client: pair.a, servers, probe: { kind: 'udp', bitrateBps: 10e6, durationMs: 1000 } })
    const tcp = await runIperf3({ server: pair.b, client: pair.a, servers, probe: { kind: 'tcp', streams: 1, durationMs: 1000 } })
    expect(udp.metrics.throughputBps! / 10e6).toBeGreaterThan(0.9)
    expect(tcp.metrics.throughputBps!).toBeGreaterThan(0)
    // One server for both probes, the same port, and still listening between probes.
    const started = serverPids()
    expect(started).toHaveLength(1)
    expect(processGone(started[0]!)).toBe(false)
    const port = (sample: typeof udp) => (sample.raw as { start: { connecting_to: { port: number } } }).start.connecting_to.port
    expect(port(tcp)).toBe(port(udp))
    await servers.close()
    // afterEach: nothing left once closed.
  }, T)

  it('a kept server whose probe failed is stopped: the next probe gets a fresh one', async () => {
    const servers = new ServerKeeper()
    const earlier = pair.pids.length
    try {
      // -w above what the kernel grants: iperf3 reports an error (in its JSON) and the probe fails.
      await expect(runIperf3({ server: pair.b, client: pair.a, servers, probe: { kind: 'udp', bitrateBps: 1e6, durationMs: 1000, socketBufferBytes: 2 ** 30 } })).rejects.toThrow()
      const failedServer = pair.pids[earlier]
      await waitFor(() => processGone(failedServer!))
      const sample = await runIperf3({ server: pair.b, client: pair.a, servers, probe: { kind: 'udp', bitrateBps: 1e6, durationMs: 1000 } })
      expect(sample.metrics.throughputBps! / 1e6).toBeGreaterThan(0.9)
    } finally {
      await servers.close()
    }
  }, T)

  it('abort stops client and server', async () => {
    const controller = new AbortController()
    const run = runIperf3({ server: pair.b, client: pair.a, signal: controller.signal, probe: { kind: 'udp', bitrateBps: 1e6, durationMs: 10_000 } })
    setTimeout(() => controller.abort(new Error('cancelled by test')), 1000)
    await expect(run).rejects.toThrow('cancelled by test')
  }, T)
})

describe('runIperf3 with a 1400 MTU path', () => {
  it('sends MTU - 28 = 1372-byte datagrams', async () => {
    const pair = await createNetnsPair({ mtu: 1400 })
    try {
      const sample = await runIperf3({ server: pair.b, client: pair.a, probe: { kind: 'udp', bitrateBps: 5e6, durationMs: 1000 } })
      expect(sample.mtu).toBe(1400)
      expect(sample.datagramBytes).toBe(1372)
      expect((sample.raw as { start: { test_start: { blksize: number } } }).start.test_start.blksize).toBe(1372)
      expect(sample.metrics.lossPercent!).toBeLessThan(1)
    } finally {
      await pair.dispose()
    }
    for (const pid of pair.pids) expect(processGone(pid)).toBe(true)
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(pair.ns.a)
  }, T)
})
