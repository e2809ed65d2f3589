import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { parsePing, pingArgs, runPing } from './ping.ts'
import { createNetnsPair } from '../iperf3/netns-endpoint.testkit.ts'

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/ping/${name}`, import.meta.url), 'utf8')

describe('ping', () => {
  test('every reply time is kept; loss from the summary', () => {
    const result = parsePing(fixture('loopback-20.txt'))
    expect(result.rttsMs).toHaveLength(20)
    expect(result.rttsMs[0]).toBe(Number(/time=([\d.]+)/.exec(fixture('loopback-20.txt'))![1]))
    expect(result).toMatchObject({ transmitted: 20, received: 20, lossPercent: 0 })
  })

  test('dropped requests show as loss', () => {
    const result = parsePing(fixture('loopback-40-quarter-dropped.txt'))
    expect(result).toMatchObject({ transmitted: 40, received: 27, lossPercent: 32.5 })
    expect(result.rttsMs).toHaveLength(27)
  })

  test('arguments: count, interval in seconds, numeric output', () => {
    expect(pingArgs('198.18.0.2', { count: 50, intervalMs: 10 })).toEqual(['ping', '-n', '-c', '50', '-i', '0.01', '-W', '1', '198.18.0.2'])
    expect(() => pingArgs('198.18.0.2', { count: 0, intervalMs: 10 })).toThrow(RangeError)
  })

  test('runs between two real namespaces', async () => {
    const pair = await createNetnsPair()
    try {
      const result = await runPing({ client: pair.a, server: pair.b, probe: { count: 20, intervalMs: 5 } })
      expect(result.received).toBe(20)
      expect(result.rttsMs.every((rtt) => rtt > 0 && rtt < 100)).toBe(true)
    } finally {
      await pair.dispose()
    }
  })
})
