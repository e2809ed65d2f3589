import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { clientArgs, parseSockperf, serverArgs } from './sockperf.ts'

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/sockperf/${name}`, import.meta.url), 'utf8')

describe('sockperf', () => {
  test('TCP: percentiles in ms from the --full-rtt summary, TPS from the measured part of the run', () => {
    const result = parseSockperf(fixture('tcp-loopback-1s.txt'))
    expect(result.rttMs['p99.9']).toBeCloseTo(0.572857, 6)
    expect(result.rttMs.p50).toBeGreaterThan(result.rttMs.min)
    expect(result.rttMs.p99).toBeGreaterThanOrEqual(result.rttMs.p90)
    expect(result.transactions).toBe(17748)
    expect(result.transactionsPerSecond).toBeCloseTo(17748 / 0.55, 3)
    expect(result).toMatchObject({ lossPercent: 0, durationMs: 550 })
  })

  test('UDP: the same summary', () => {
    const result = parseSockperf(fixture('udp-loopback-1s.txt'))
    expect(result.rttMs.p50).toBeCloseTo(0.04122, 6)
    expect(result.transactions).toBe(12214)
  })

  test('no summary: an error naming what sockperf said, though it exited 0', () => {
    expect(() => parseSockperf(fixture('refused.txt'))).toThrow(/no round-trip summary: ERROR: Can`t connect socket \(errno=111 Connection refused\)/)
    expect(() => parseSockperf('')).toThrow(/no round-trip summary$/)
    expect(() => parseSockperf(fixture('udp-lab-policed-no-observations.txt'))).toThrow(/no round-trip summary: No valid observations found\. Try tune parameters/)
    // A summary cut short (a killed client) is no result either.
    const cut = fixture('tcp-loopback-1s.txt').split('percentile 90.000')[0]!
    expect(() => parseSockperf(cut)).toThrow(/no round-trip summary/)
  })

  test('arguments: protocol, whole seconds, message size, round trips rather than half', () => {
    expect(clientArgs('198.18.0.2', 11111, { protocol: 'tcp', durationMs: 2000 })).toEqual(['sockperf', 'ping-pong', '--tcp', '-i', '198.18.0.2', '-p', '11111', '-t', '2', '-m', '64', '--full-rtt'])
    expect(clientArgs('198.18.0.2', 11111, { protocol: 'udp', durationMs: 1000, messageBytes: 100 })).toEqual(['sockperf', 'ping-pong', '-i', '198.18.0.2', '-p', '11111', '-t', '1', '-m', '100', '--full-rtt'])
    expect(serverArgs('tcp', '198.18.0.2', 11111)).toEqual(['sockperf', 'server', '--tcp', '-i', '198.18.0.2', '-p', '11111'])
    expect(() => clientArgs('198.18.0.2', 11111, { protocol: 'tcp', durationMs: 1500 })).toThrow(RangeError)
    expect(() => clientArgs('198.18.0.2', 11111, { protocol: 'tcp', durationMs: 1000, messageBytes: 4 })).toThrow(RangeError)
  })
})
