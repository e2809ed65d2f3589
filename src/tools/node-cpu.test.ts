import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { Endpoint } from '../endpoint.ts'
import { nodeCpuFigures } from '../results/node-cpu.ts'
import { kernelCpu, nodeCpuBetween, parseProcStat, readNodeCpu, type CpuCounters } from './node-cpu.ts'
import { run } from '../exec.ts'

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/proc-stat/${name}`, import.meta.url), 'utf8')
const endpoint = (node: string) => ({ name: node, node }) as Endpoint

describe('/proc/stat (captured on the lab machine around a 1 s loopback iperf3 run)', () => {
  test('the aggregate cpu line, the CPU count and the boot id', () => {
    const before = parseProcStat(fixture('before.txt'))
    // cpu  1084696 1547 378442 814388 2870 0 109720 1333 0 0: user+nice, system, softirq, all but guest.
    expect(before).toEqual({
      bootId: '1a26e6f6-128d-483a-8c66-ead69bc46bb7', cpus: 2,
      user: 1084696 + 1547, system: 378442, softirq: 109720, total: 1084696 + 1547 + 378442 + 814388 + 2870 + 0 + 109720 + 1333,
    })
  })

  test('the run in between: shares of both CPUs that add up with idle to 100%, over about the second it took', () => {
    const use = kernelCpu(['n1'], parseProcStat(fixture('before.txt')), parseProcStat(fixture('after-iperf3-1s.txt')))
    const busy = use.userPercent + use.systemPercent + use.softirqPercent
    expect(busy).toBeGreaterThan(20)
    expect(busy).toBeLessThan(100)
    // iperf3 on loopback is kernel work: system and softirq dominate user.
    expect(use.systemPercent + use.softirqPercent).toBeGreaterThan(use.userPercent)
    expect(use.seconds).toBeGreaterThan(0.9)
    expect(use.seconds).toBeLessThan(2)
    expect(use.cpus).toBe(2)
  })

  test('a text without a cpu line is a measurement error naming what it read', () => {
    expect(() => parseProcStat('intr 1 2 3\n')).toThrow('/proc/stat has no readable cpu line')
    expect(() => parseProcStat('cpu  1 2 x 4 5 6 7 8\n')).toThrow('cpu  1 2 x')
  })
})

describe('ends that share a kernel are counted once', () => {
  const counters = (bootId: string, busy: number, total: number): CpuCounters => ({ bootId, cpus: 4, user: busy, system: 0, softirq: 0, total })

  test('two nodes on one machine (one boot id): the machine\'s figure, labelled so', () => {
    const ends = [endpoint('n1'), endpoint('n2')]
    const cpu = nodeCpuBetween(ends.map((end) => ({ endpoint: end, counters: counters('a', 0, 0) })), ends.map((end) => ({ endpoint: end, counters: counters('a', 100, 400) })))
    expect(cpu.scope).toBe('machine')
    expect(cpu.kernels).toHaveLength(1)
    expect(cpu.kernels[0]!.nodes).toEqual(['n1', 'n2'])
    // 25% of 4 CPUs = 1 CPU-second per second; at 2 Gbit/s that is 0.5 per Gbit/s.
    expect(nodeCpuFigures(cpu, 2e9)).toEqual({ percent: 25, perGbps: 0.5 })
  })

  test('two real nodes: the busier node\'s share, the CPU of both per Gbit/s', () => {
    const ends = [endpoint('n1'), endpoint('n2')]
    const cpu = nodeCpuBetween(
      [{ endpoint: ends[0]!, counters: counters('a', 0, 0) }, { endpoint: ends[1]!, counters: counters('b', 0, 0) }],
      [{ endpoint: ends[0]!, counters: counters('a', 100, 400) }, { endpoint: ends[1]!, counters: counters('b', 200, 400) }],
    )
    expect(cpu.scope).toBe('nodes')
    expect(nodeCpuFigures(cpu, 1e9)).toEqual({ percent: 50, perGbps: 3 })
    expect(nodeCpuFigures(cpu, null).perGbps).toBeNull()
  })
})

/** An endpoint on this machine that counts the programs it runs (this machine's real /proc/stat). */
function countingEndpoint(name: string): Endpoint & { execs: number } {
  const endpoint = {
    name, label: name, node: name, zone: 'a', ip: '198.18.0.1', mtu: 1500, execs: 0,
    exec: (argv: readonly string[]) => {
      endpoint.execs++
      return run(argv[0]!, argv.slice(1))
    },
    start: () => { throw new Error('not used') },
  }
  return endpoint
}

describe('readNodeCpu', () => {
  test('reads ends found on one kernel once from the second reading on, with the same figures', async () => {
    const client = countingEndpoint('n1')
    const server = countingEndpoint('n2')
    const first = await readNodeCpu([client, server])
    expect([client.execs, server.execs]).toEqual([1, 1])
    expect(first[0]!.counters.bootId).toBe(first[1]!.counters.bootId)
    const second = await readNodeCpu([client, server])
    // One read shared by both ends: the same counters for each.
    expect(client.execs + server.execs).toBe(3)
    expect(second[1]!.counters).toBe(second[0]!.counters)
    const cpu = nodeCpuBetween(first, second)
    expect(cpu.scope).toBe('machine')
    expect(cpu.kernels).toHaveLength(1)
    expect(cpu.kernels[0]!.nodes).toEqual(['n1', 'n2'])
  })
})
