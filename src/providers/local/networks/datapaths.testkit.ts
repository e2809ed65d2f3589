/**
 * Test-only helpers that look at a running lab from the outside: counters on the underlay, link
 * statistics, what a node still holds after a network is gone.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run, runChecked } from '../../../exec.ts'
import type { LocalClusterSpec } from '../../../model.ts'
import type { LocalLab } from '../lab.ts'
import { prefix } from '../names.ts'
import { newRunId } from '../../../run-id.ts'
import { localProvider, type LocalCluster } from '../provider.ts'
import { claimRun, removeRun } from '../runs.ts'
import { labLeftovers } from '../../../../test/leftovers.ts'

export const ENCAP_PORTS = [8472, 4789, 6784] as const

/**
 * Named nft counters in the underlay namespace's bridge forward hook: UDP to each encapsulation
 * port, and IPv4 packets addressed to pod IPs (what a routed datapath puts on the wire).
 */
export async function addUnderlayCounters(lab: LocalLab): Promise<{ read(): Promise<Record<string, number>>; remove(): Promise<void> }> {
  const table = `${prefix(lab.runId)}obs`
  const ruleset = [
    `table bridge ${table} {`,
    ...ENCAP_PORTS.map((port) => `  counter udp${port} { }`),
    '  counter podip { }',
    '  chain forward {',
    '    type filter hook forward priority 0; policy accept;',
    ...ENCAP_PORTS.map((port) => `    udp dport ${port} counter name udp${port}`),
    '    ip daddr 198.19.0.0/16 counter name podip',
    '  }',
    '}',
    '',
  ].join('\n')
  await runChecked('ip', ['netns', 'exec', lab.underlayNamespace, 'nft', '-f', '-'], { input: ruleset, what: 'adding underlay counters' })
  return {
    async read() {
      const output = await runChecked('ip', ['netns', 'exec', lab.underlayNamespace, 'nft', '-j', 'list', 'counters', 'table', 'bridge', table])
      const counters: Record<string, number> = {}
      for (const item of (JSON.parse(output) as { nftables: Array<{ counter?: { name: string; packets: number } }> }).nftables) {
        if (item.counter) counters[item.counter.name] = item.counter.packets
      }
      return counters
    },
    async remove() {
      await run('ip', ['netns', 'exec', lab.underlayNamespace, 'nft', 'delete', 'table', 'bridge', table])
    },
  }
}

export async function txPackets(namespace: string, device: string): Promise<number> {
  const output = await runChecked('ip', ['-n', namespace, '-s', '-j', 'link', 'show', 'dev', device])
  return (JSON.parse(output) as Array<{ stats64: { tx: { packets: number } } }>)[0]!.stats64.tx.packets
}

/** What a node holds beyond its bare underlay state (eth0, lo, the eth0 subnet route). */
export async function nodeResidue(namespace: string): Promise<string[]> {
  const links = (await runChecked('ip', ['-n', namespace, '-o', 'link', 'show'])).split('\n').map((line) => line.split(': ')[1]?.split('@')[0] ?? '').filter(Boolean)
  const routes = (await runChecked('ip', ['-n', namespace, 'route', 'show'])).split('\n').filter(Boolean)
  const xfrm = (await runChecked('ip', ['-n', namespace, 'xfrm', 'state'])).split('\n').filter(Boolean)
  return [
    ...links.filter((name) => name !== 'lo' && name !== 'eth0').map((name) => `link ${name}`),
    ...routes.filter((route) => !/^198\.18\.0\.0\/24 dev eth0 proto kernel/.test(route)).map((route) => `route ${route}`),
    ...xfrm.map((line) => `xfrm ${line}`),
  ]
}

/** A local cluster with its own run id and run dir; dispose removes both and returns leftovers. */
export async function testCluster(spec: Partial<LocalClusterSpec> = {}) {
  const runId = newRunId()
  const runDir = await mkdtemp(join(tmpdir(), `${prefix(runId)}-`))
  const clusterSpec: LocalClusterSpec = { provider: 'local', nodes: 3, zones: 3, instance: null, bandwidthBps: null, pods: 2, ...spec }
  // Claimed like a real run: otherwise any netbench run starting meanwhile reaps it as dead.
  await claimRun(runId, runDir)
  const cluster = await localProvider.createCluster(clusterSpec, { runId, runDir }) as LocalCluster
  return {
    runId,
    runDir,
    cluster,
    /** Tears everything down and returns what is left of this run on the machine. */
    async dispose(): Promise<string[]> {
      await cluster[Symbol.asyncDispose]()
      await removeRun(runId)
      await rm(runDir, { recursive: true, force: true })
      return ownLeftovers(runId)
    },
  }
}

/** labLeftovers() restricted to one run: other runs (other engineers' tests) may be live. */
export function ownLeftovers(runId: string): string[] {
  return labLeftovers().filter((item) => item.includes(`nb${runId}`) || item.includes(`${runId}.json`))
}
