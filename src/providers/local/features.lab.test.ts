/**
 * Kernel features are detected for real (a throwaway namespace per probe run) and a network or
 * option that needs a missing one fails before anything is provisioned: exit 3, code
 * KERNEL_FEATURE, a message naming the feature and the network that needs it. Needs root.
 */
import { describe, expect, test } from 'vitest'
import { runCli } from '../../../test/cli.ts'
import { tmpProject } from '../../../test/tmp-project.ts'
import { isNetbenchError } from '../../errors.ts'
import type { NetworkSpec } from '../../model.ts'
import { detectFeatures, type KernelFeature } from './features.ts'
import { listNamespaces } from './runs.ts'
import { checkNetworkRequirements } from './provider.ts'

async function failure(networks: NetworkSpec[]): Promise<unknown> {
  return checkNetworkRequirements(networks).then(() => undefined, (error: unknown) => error)
}

describe('kernel feature detection', () => {
  test('probes every feature in a namespace that is gone afterwards', async () => {
    const probes = await detectFeatures()
    expect(Object.keys(probes).sort()).toEqual(['esp', 'gcm', 'geneve', 'ipip', 'netem', 'nftables', 'vxlan', 'wireguard'])
    // Every lab network is built from vxlan devices or routes; this machine kind has vxlan.
    expect(probes.vxlan.present).toBe(true)
    for (const probe of Object.values(probes)) expect(probe.detail).not.toBe('')
    expect((await listNamespaces()).filter((name) => name.endsWith('-probe'))).toEqual([])
  })

  const cases: Array<[string, NetworkSpec, KernelFeature[], RegExp]> = [
    ['calico encapsulation: ipip', { name: 'calico-ipip', cni: 'calico', options: { encapsulation: 'ipip' } }, ['ipip'], /calico-ipip \(calico encapsulation: ipip\) needs IP-in-IP tunnels \(ipip\)/],
    ['weave encryption: true', { name: 'weave-secure', cni: 'weave', options: { encryption: true } }, ['esp', 'gcm'], /weave-secure \(weave encryption: true\) needs (IPsec ESP|AES-GCM)/],
  ]
  test.each(cases)('%s: fails with exit 3 naming the feature when the kernel lacks it', async (_name, spec, features, message) => {
    const probes = await detectFeatures()
    const missing = features.filter((feature) => !probes[feature].present)
    const error = await failure([spec])
    if (!missing.length) {
      expect(error).toBeUndefined()
      return
    }
    expect(isNetbenchError(error)).toBe(true)
    if (!isNetbenchError(error)) return
    expect(error.code).toBe('KERNEL_FEATURE')
    expect(error.exitCode).toBe(3)
    expect(error.message).toMatch(message)
    if (missing.includes('gcm')) expect(error.message).toMatch(/rfc4106\(gcm\(aes\)\)/)
    if (missing.includes('esp')) expect(error.message).toMatch(/IPsec ESP/)
    expect(error.hint).toMatch(/modprobe/)
  })

  test('the networks this kernel can build pass', async () => {
    const all: NetworkSpec[] = ['flannel', 'calico', 'canal', 'weave', 'cilium', 'romana'].map((name) => ({ name, cni: name, options: {} }))
    expect(await failure(all)).toBeUndefined()
  })

  test('the CLI stops before provisioning: exit 3, the feature named, no run started', async () => {
    const probes = await detectFeatures()
    if (probes.ipip.present) return
    using project = tmpProject({
      's.netbench.yaml': 'name: t\ncluster: { nodes: 2, zones: 1 }\nnetworks: [host, { name: calico-ipip, cni: calico, encapsulation: ipip }]\nsteps: [{ tcp: { duration: 1s } }]\n',
    })
    const { code, stdout, stderr } = await runCli(['s.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stderr).toMatch(/^netbench: calico-ipip \(calico encapsulation: ipip\) needs IP-in-IP tunnels \(ipip\), which this kernel lacks/)
    expect(stdout).not.toMatch(/netbench run/)
  })

  test('cluster.latency needs netem: exit 3 naming netem before anything is provisioned', async () => {
    const probes = await detectFeatures()
    if (probes.netem.present) return
    using project = tmpProject({
      's.netbench.yaml': 'name: t\ncluster: { nodes: 2, zones: 2, latency: 1ms }\nnetworks: [host]\nsteps: [{ tcp: { duration: 1s } }]\n',
    })
    const { code, stdout, stderr } = await runCli(['s.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stderr).toMatch(/^netbench: cluster\.latency \(1 ms between zones\) needs the netem qdisc \(sch_netem\), which this kernel lacks/)
    expect(stderr).toMatch(/modprobe sch_netem/)
    expect(stdout).not.toMatch(/netbench run/)
  })
})
