import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NetnsEndpoint } from './netns-endpoint.ts'

const namespace = `nbhx${randomBytes(2).toString('hex')}-rf`

/** The `Icmp:` value row of a /proc/net/snmp text, by field name. */
function icmp(snmp: string, field: string): number {
  const [names, values] = snmp.split('\n').filter((line) => line.startsWith('Icmp: ')).map((line) => line.split(/\s+/))
  return Number(values![names!.indexOf(field)])
}

describe('NetnsEndpoint.readFiles: counters read without starting a program', () => {
  let endpoint: NetnsEndpoint
  let execs = 0
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', namespace])
    execFileSync('ip', ['-n', namespace, 'link', 'set', 'lo', 'up'])
    endpoint = new NetnsEndpoint({ name: 'rf', label: 'readFiles test', node: 'n1', zone: 'a', namespace, ip: '127.0.0.1', mtu: 65536 })
    const exec = endpoint.exec.bind(endpoint)
    endpoint.exec = (argv, options) => { execs++; return exec(argv, options) }
  })
  afterAll(() => {
    execFileSync('ip', ['netns', 'del', namespace])
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(namespace)
  })

  it("reads the kernel's own files from this process: /proc/stat, the boot id, the socket buffer limits", async () => {
    const before = execs
    const result = await endpoint.readFiles(['/proc/stat', '/proc/sys/kernel/random/boot_id'])
    expect(execs).toBe(before)
    expect(result.exitCode).toBe(0)
    expect(result.stdout.startsWith('cpu ')).toBe(true)
    expect(result.stdout.trim().endsWith(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim())).toBe(true)
    // Global sysctls: what `cat` in the namespace prints is this machine's value.
    const limits = await endpoint.readFiles(['/proc/sys/net/core/wmem_max', '/proc/sys/net/core/rmem_max'])
    expect(execs).toBe(before)
    expect(limits.stdout).toBe((await endpoint.exec(['cat', '/proc/sys/net/core/wmem_max', '/proc/sys/net/core/rmem_max'])).stdout)
  })

  it("reads the namespace's /proc/net through a program of its own, and falls back to cat without one", async () => {
    // A fresh namespace: its only echo requests are these three.
    const ping = await endpoint.exec(['ping', '-c', '3', '-i', '0.01', '-q', '127.0.0.1'])
    expect(ping.exitCode).toBe(0)
    const viaCat = await endpoint.readFiles(['/proc/net/snmp'])
    expect(icmp(viaCat.stdout, 'InEchos')).toBe(3)

    const sleeper = endpoint.start(['sleep', '30'])
    try {
      // Until `ip netns exec` has entered the namespace the program is not used.
      const deadline = Date.now() + 5000
      let direct = viaCat
      let before = execs
      while (Date.now() < deadline) {
        before = execs
        direct = await endpoint.readFiles(['/proc/net/snmp'])
        if (execs === before) break
      }
      expect(execs).toBe(before)
      expect(icmp(direct.stdout, 'InEchos')).toBe(3)
      expect(direct.stdout).toBe(viaCat.stdout)
    } finally {
      await sleeper.stop()
    }
    const after = execs
    await endpoint.readFiles(['/proc/net/snmp'])
    expect(execs).toBe(after + 1)
  })

  it('anything else is read by cat in the namespace', async () => {
    const before = execs
    const result = await endpoint.readFiles(['/proc/sys/net/ipv4/ip_forward'])
    expect(execs).toBe(before + 1)
    expect(result.stdout.trim()).toMatch(/^[01]$/)
  })
})
