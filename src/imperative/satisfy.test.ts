/** The imperative matchers against hand-made points: figures worked out by hand, nothing measured. */
import { describe, expect, test } from 'vitest'
import { handPoint } from '../../test/hand-result.ts'
import { formatApart } from '../expect/evaluate.ts'
import { netbenchMatchers } from './matchers.ts'
import { judgeLab, judgePoint } from './satisfy.ts'

const udp10 = (received: number[], extra: Parameters<typeof handPoint>[3] = {}) =>
  handPoint('host', 'udp 10M', { throughputBps: received, lossPercent: received.map(() => 0), lossNetworkPercent: received.map(() => 0), jitterMs: received.map(() => 0.01) }, extra)

describe('toReachThroughput: reach means throughput >= 99% of offered', () => {
  test('a lossless path (99.9% of the offer) reaches it; the issue-14 example passes', () => {
    const result = netbenchMatchers.toReachThroughput(udp10([9.99e6]), '10M')
    expect(result.pass).toBe(true)
    expect(result.message()).toBe('host › udp 10M › throughput >= 99% of offered holds: measured 10.0 Mbit/s, needed >= 9.9 Mbit/s (99% of offered 10.0 Mbit/s)')
  })

  test('a miss shows both sides and the bound', () => {
    const result = netbenchMatchers.toReachThroughput(udp10([9.8e6]), '10M')
    expect(result.pass).toBe(false)
    expect(result.message()).toBe('host › udp 10M › throughput >= 99% of offered missed: measured 9.8 Mbit/s, needed >= 9.9 Mbit/s (99% of offered 10.0 Mbit/s)')
  })

  test('a sender that fell short of the offer is named in the miss', () => {
    const point = handPoint('host', 'udp 100M', { throughputBps: [54.7e6], senderBps: [54.8e6], lossPercent: [0] }, { limitedBy: 'sender' })
    expect(netbenchMatchers.toReachThroughput(point, '100M').message()).toBe('host › udp 100M › throughput >= 99% of offered missed: measured 54.7 Mbit/s, needed >= 99.0 Mbit/s (99% of offered 100.0 Mbit/s); the sender sent only 54.8 Mbit/s')
  })

  test('another rate than the offer (or a tcp point) is an absolute bound at 99% of it', () => {
    const tcp = handPoint('host', 'tcp', { throughputBps: [395e6] })
    const result = netbenchMatchers.toReachThroughput(tcp, '400M')
    expect(result.pass).toBe(false)
    expect(result.message()).toBe('host › tcp › throughput >= 396M missed: measured 395.0 Mbit/s, needed >= 396.0 Mbit/s (99% of 400.0 Mbit/s)')
  })
})

describe('toSatisfy on a point: the suite grammar, subject optional', () => {
  test('subject-less, with the subject, and with all', () => {
    const point = udp10([9.99e6])
    expect(judgePoint('loss.network < 1%', point).pass).toBe(true)
    expect(judgePoint('host at 10M loss < 1%', point).pass).toBe(true)
    expect(judgePoint('all jitter.max <= 1ms', point).pass).toBe(true)
    expect(judgePoint('throughput >= 100% of offered', point)).toEqual({
      pass: false, message: 'host › udp 10M › throughput >= 100% of offered missed: measured 9.99 Mbit/s, needed >= 10.00 Mbit/s (100% of offered 10.0 Mbit/s)',
    })
  })

  test('an expectation that cannot read this point says why instead of passing', () => {
    const point = udp10([9.99e6])
    expect(judgePoint('calico loss < 1%', point).message).toBe('"calico loss < 1%" is about calico, but the point is host › udp 10M')
    expect(judgePoint('at 100M loss < 1%', point)).toMatchObject({ pass: false, message: '"at 100M loss < 1%" does not apply to host › udp 10M (between zones)' })
    expect(judgePoint('retransmits < 10', point).pass).toBe(false)
    expect(judgePoint('throughput >= 90% of flannel', point).message).toMatch(/compares networks: write expect\(lab\)\.toSatisfy\('host throughput >= 90% of flannel'\)/)
  })

  test('a bad expression throws with the parser message and caret', () => {
    expect(() => judgePoint('loss.netwrk < 1%', udp10([1e7]))).toThrow(/unknown stat 'netwrk' in "host loss\.netwrk < 1%".*\n {2}host loss\.netwrk < 1%\n {12}\^{6}/)
  })

  test('a failed measurement is not judged', () => {
    const failed = udp10([], { status: 'error', error: 'iperf3: server busy' })
    expect(netbenchMatchers.toHaveLossBelow(failed, 1)).toMatchObject({ pass: false })
    expect(netbenchMatchers.toHaveLossBelow(failed, 1).message()).toBe('host › udp 10M › loss < 1% could not be judged: measurement failed: iperf3: server busy')
  })
})

describe('toSatisfy on the lab: every point measured in the file', () => {
  const measured = {
    points: [
      handPoint('flannel', 'tcp', { throughputBps: [400e6] }),
      handPoint('calico', 'tcp', { throughputBps: [350e6] }),
      handPoint('calico', 'udp 10M', { throughputBps: [10e6], lossPercent: [0] }),
    ],
    networks: [{ name: 'calico', status: 'ok' as const, error: null, setupMs: 2300 }],
  }

  test('a share of another network reads its point with the same label and placement', () => {
    expect(judgeLab('calico tcp throughput >= 85% of flannel', measured)).toEqual({
      pass: true, message: "calico › tcp › throughput >= 85% of flannel holds: measured 350.0 Mbit/s, needed >= 340.0 Mbit/s (85% of flannel's 400.0 Mbit/s)",
    })
    expect(judgeLab('calico tcp throughput >= 90% of flannel', measured).pass).toBe(false)
    expect(judgeLab('calico udp throughput >= 90% of flannel', measured).message).toBe('calico › udp 10M › throughput >= 90% of flannel could not be judged: the lab measured no udp 10M of flannel between zones to compare with')
  })

  test("a Service path against its own network reads the pod path; `of <network> via <path>` names it", () => {
    const paths = {
      points: [
        handPoint('calico', 'tcp', { throughputBps: [400e6] }),
        { ...handPoint('calico', 'tcp via service', { throughputBps: [390e6] }), via: 'service' as const },
      ],
      networks: [],
    }
    expect(judgeLab('calico tcp via service throughput >= 95% of calico', paths)).toEqual({
      pass: true, message: "calico › tcp via service › throughput >= 95% of calico holds: measured 390.0 Mbit/s, needed >= 380.0 Mbit/s (95% of calico via pod's 400.0 Mbit/s)",
    })
    expect(judgeLab('calico tcp throughput >= 99% of calico via service', paths).message).toMatch(/^calico › tcp › throughput >= 99% of calico via service holds: .*; calico › tcp via service › /)
    expect(judgeLab('calico tcp via nodeport throughput > 1M', paths).message).toMatch(/applies to no point the lab measured/)
  })

  test('setup-time, and an expectation nothing measured applies to', () => {
    expect(judgeLab('calico setup-time < 5s', measured).pass).toBe(true)
    expect(judgeLab('weave tcp throughput > 1M', measured).message).toBe('"weave tcp throughput > 1M" applies to no point the lab measured in this file (it measured flannel › tcp, calico › tcp, calico › udp 10M)')
  })
})

test('formatApart adds digits until the value and its bound differ', () => {
  expect(formatApart(9.997e6, 10e6, 'bps')).toEqual(['9.997 Mbit/s', '10.000 Mbit/s'])
  expect(formatApart(438.2e6, 405e6, 'bps')).toEqual(['438.2 Mbit/s', '405.0 Mbit/s'])
  expect(formatApart(0.999, 1, 'percent')).toEqual(['0.999%', '1.000%'])
  expect(formatApart(5, 5, 'count')).toEqual(['5', '5'])
})
