import { access, readFile } from 'node:fs/promises'
import { NetbenchError } from '../../errors.ts'
import { run } from '../../exec.ts'
import { namespaceName } from './names.ts'
import { newRunId } from '../../run-id.ts'
import { claimRun, releaseRun } from './runs.ts'

/**
 * Kernel features the lab's datapaths need, detected for real: each probe creates the object in a
 * throwaway namespace (`nb<id>-probe`, removed right after; a crash leaves it for the reaper) and
 * reads the kernel's answer. Nothing here is assumed from the kernel version.
 */
export type KernelFeature = 'vxlan' | 'ipip' | 'geneve' | 'wireguard' | 'netem' | 'esp' | 'gcm' | 'nftables'

export const FEATURE_LABELS: Record<KernelFeature, string> = {
  vxlan: 'VXLAN devices (vxlan)',
  ipip: 'IP-in-IP tunnels (ipip)',
  geneve: 'Geneve tunnels (geneve)',
  wireguard: 'WireGuard (wireguard)',
  netem: 'the netem qdisc (sch_netem)',
  esp: 'IPsec ESP (xfrm esp4)',
  gcm: 'AES-GCM AEAD for IPsec (rfc4106(gcm(aes)))',
  nftables: 'nftables (nf_tables)',
}

const MODULE_HINT: Record<KernelFeature, string> = {
  vxlan: 'modprobe vxlan',
  ipip: 'modprobe ipip',
  geneve: 'modprobe geneve',
  wireguard: 'modprobe wireguard',
  netem: 'modprobe sch_netem',
  esp: 'modprobe esp4 xfrm_user',
  gcm: 'modprobe gcm aesni_intel (or aes_generic)',
  nftables: 'modprobe nf_tables',
}

export interface FeatureProbe {
  present: boolean
  /** What the kernel said, for the error message. */
  detail: string
}

export type Probes = Record<KernelFeature, FeatureProbe>

const firstLine = (text: string) => text.trim().split('\n')[0] ?? ''

async function probeLink(ns: string, kind: string, extra: string[] = []): Promise<FeatureProbe> {
  const result = await run('ip', ['-n', ns, 'link', 'add', `probe-${kind}`.slice(0, 15), 'type', kind, ...extra])
  return { present: result.exitCode === 0, detail: result.exitCode === 0 ? 'created' : firstLine(result.stderr) }
}

/**
 * ESP: an xfrm state with algorithms the kernel certainly has (cbc(aes)+hmac(sha256) are core);
 * "Requested type not found" means no ESP. GCM: an AEAD state; the kernel looks the algorithm up
 * before the protocol, so this answers even when ESP is missing.
 */
async function probeXfrm(ns: string): Promise<{ esp: FeatureProbe; gcm: FeatureProbe }> {
  const base = ['-n', ns, 'xfrm', 'state', 'add', 'src', '198.18.255.1', 'dst', '198.18.255.2', 'proto', 'esp']
  const esp = await run('ip', [...base, 'spi', '0x101', 'mode', 'transport', 'enc', 'cbc(aes)', `0x${'11'.repeat(16)}`, 'auth', 'hmac(sha256)', `0x${'22'.repeat(32)}`])
  const gcm = await run('ip', [...base, 'spi', '0x102', 'mode', 'transport', 'aead', 'rfc4106(gcm(aes))', `0x${'33'.repeat(20)}`, '128'])
  return {
    esp: { present: esp.exitCode === 0, detail: esp.exitCode === 0 ? 'created' : firstLine(esp.stderr) },
    // "type not found" here means the AEAD was found and only ESP is missing.
    gcm: { present: gcm.exitCode === 0 || /type not found/i.test(gcm.stderr), detail: gcm.exitCode === 0 ? 'created' : firstLine(gcm.stderr) },
  }
}

async function probeNetem(ns: string): Promise<FeatureProbe> {
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
  const result = await run('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'])
  return { present: result.exitCode === 0, detail: result.exitCode === 0 ? 'created' : firstLine(result.stderr) }
}

async function probeNft(ns: string): Promise<FeatureProbe> {
  const result = await run('ip', ['netns', 'exec', ns, 'nft', 'add', 'table', 'inet', 'probe']).catch((error: unknown) => ({ exitCode: 1, stderr: String(error) }))
  return { present: result.exitCode === 0, detail: result.exitCode === 0 ? 'created' : firstLine(result.stderr) }
}

let cached: Promise<Probes> | undefined

/** What this process has probed so far: undefined when nothing needed a feature yet. */
export function probedFeatures(): Promise<Probes> | undefined {
  return cached
}

/** Probes another process of this run made on this same kernel (the CLI's preflight, for its workers). */
export function adoptFeatures(probes: Probes): void {
  cached ??= Promise.resolve(probes)
}

/** Probes every feature once per process. */
export function detectFeatures(): Promise<Probes> {
  cached ??= (async () => {
    const probeId = newRunId()
    const ns = namespaceName(probeId, 'probe')
    // Claimed like a run, so that a netbench starting meanwhile does not reap it as dead.
    await claimRun(probeId, '')
    const add = await run('ip', ['netns', 'add', ns])
    if (add.exitCode !== 0) await releaseRun(probeId)
    if (add.exitCode !== 0) throw new NetbenchError('PROVIDER', `cannot create a namespace to probe kernel features: ${firstLine(add.stderr)}`, { hint: 'the local lab needs root and network namespaces' })
    try {
      const [vxlan, ipip, geneve, wireguard, netem, xfrm, nftables] = await Promise.all([
        probeLink(ns, 'vxlan', ['id', '1', 'dstport', '4789']),
        probeLink(ns, 'ipip'),
        probeLink(ns, 'geneve', ['id', '1', 'remote', '198.18.255.2']),
        probeLink(ns, 'wireguard'),
        probeNetem(ns),
        probeXfrm(ns),
        probeNft(ns),
      ])
      return { vxlan, ipip, geneve, wireguard, netem, esp: xfrm.esp, gcm: xfrm.gcm, nftables }
    } finally {
      await run('ip', ['netns', 'del', ns])
      await releaseRun(probeId)
    }
  })()
  return cached
}

/** Throws exit 3 (KERNEL_FEATURE) naming each missing feature and who needs it. */
export async function requireFeatures(needs: ReadonlyArray<{ feature: KernelFeature; by: string }>): Promise<void> {
  if (!needs.length) return
  const probes = await detectFeatures()
  const missing = needs.filter((need) => !probes[need.feature].present)
  if (!missing.length) return
  const lines = missing.map((need) => `${need.by} needs ${FEATURE_LABELS[need.feature]}, which this kernel lacks (${probes[need.feature].detail})`)
  const features = [...new Set(missing.map((need) => need.feature))]
  throw new NetbenchError('KERNEL_FEATURE', lines.join('; '), {
    hint: `load it if your kernel has it as a module (${features.map((feature) => MODULE_HINT[feature]).join('; ')}), or remove that network/option from the suite`,
  })
}

/** The reference CNI plugins the lab executes. */
export const CNI_BIN_DIR = process.env.NETBENCH_CNI_PATH ?? '/usr/lib/cni'

export async function requireCniPlugins(plugins: readonly string[], by: string): Promise<void> {
  for (const plugin of plugins) {
    try {
      await access(`${CNI_BIN_DIR}/${plugin}`)
    } catch {
      throw new NetbenchError('MISSING_PROGRAM', `${by} needs the CNI plugin '${plugin}' in ${CNI_BIN_DIR}`, {
        hint: 'run `netbench setup` or `apt-get install containernetworking-plugins`',
      })
    }
  }
}

let versions: Promise<Record<string, string>> | undefined

/** Versions worth recording in a report: the CNI plugin package and BIRD. */
export function componentVersions(): Promise<Record<string, string>> {
  versions ??= (async () => {
    const found: Record<string, string> = {}
    const dpkg = await run('dpkg-query', ['-W', '-f', '${Version}', 'containernetworking-plugins']).catch(() => undefined)
    if (dpkg?.exitCode === 0 && dpkg.stdout.trim()) found.cniPlugins = `containernetworking-plugins ${dpkg.stdout.trim()}`
    const bird = await run('bird', ['--version']).catch(() => undefined)
    const birdVersion = /BIRD version (\S+)/.exec(`${bird?.stdout ?? ''}${bird?.stderr ?? ''}`)?.[1]
    if (birdVersion) found.bird = birdVersion
    const kernel = await readFile('/proc/sys/kernel/osrelease', 'utf8').catch(() => '')
    if (kernel) found.kernel = kernel.trim()
    return found
  })()
  return versions
}
