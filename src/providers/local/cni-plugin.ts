import { NetbenchError } from '../../errors.ts'
import { run } from '../../exec.ts'
import { CNI_BIN_DIR } from './features.ts'

/** The parts of a CNI 1.0 result the lab reads. */
export interface CniResult {
  interfaces?: Array<{ name: string; mac?: string; sandbox?: string }>
  ips?: Array<{ address: string; gateway?: string; interface?: number }>
  routes?: Array<{ dst: string; gw?: string }>
}

export interface CniCall {
  /** Node namespace the plugin runs in (`ip netns exec <node>`), as a runtime on that node would. */
  nodeNamespace: string
  /** Plugin binary name in CNI_BIN_DIR: bridge, ptp, host-local… */
  plugin: string
  command: 'ADD' | 'DEL' | 'CHECK'
  /** The pod's namespace name; CNI_NETNS is its /run/netns path, CNI_CONTAINERID the name. */
  podNamespace: string
  ifname?: string
  /** The network configuration, passed on stdin as JSON. */
  config: Record<string, unknown>
  timeoutMs?: number
}

export const CNI_VERSION = '1.0.0'

/**
 * Executes a reference CNI plugin exactly as a container runtime does: the CNI_* variables in the
 * environment (no shell), the network configuration on stdin, the result or an error object on
 * stdout. A failure becomes a provider error quoting the plugin's own message.
 */
export async function execCni(call: CniCall): Promise<CniResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.podNamespace,
    CNI_NETNS: `/run/netns/${call.podNamespace}`,
    CNI_IFNAME: call.ifname ?? 'eth0',
    CNI_PATH: CNI_BIN_DIR,
  }
  const config = { cniVersion: CNI_VERSION, ...call.config }
  const result = await run('ip', ['netns', 'exec', call.nodeNamespace, `${CNI_BIN_DIR}/${call.plugin}`], {
    env, input: JSON.stringify(config), timeoutMs: call.timeoutMs ?? 20_000,
  })
  if (result.exitCode !== 0) {
    let message = result.stderr.trim().split('\n')[0] || `exit ${result.exitCode ?? result.signal}`
    try {
      const error = JSON.parse(result.stdout) as { msg?: string; details?: string }
      if (error.msg) message = error.details ? `${error.msg}: ${error.details}` : error.msg
    } catch { /* not JSON: keep stderr */ }
    throw new NetbenchError('PROVIDER', `CNI plugin ${call.plugin} ${call.command} for ${call.podNamespace} failed: ${message}`, {
      hint: 'run `netbench clean` and try again; check the plugin works with `netbench lab up`',
    })
  }
  if (call.command !== 'ADD') return {}
  try {
    return JSON.parse(result.stdout) as CniResult
  } catch {
    throw new NetbenchError('PROVIDER', `CNI plugin ${call.plugin} ADD for ${call.podNamespace} printed no JSON result`, { hint: 'check the plugin version (containernetworking-plugins ≥ 1.0)' })
  }
}

/** The pod's IPv4 address without prefix length, from a CNI result. */
export function podAddress(result: CniResult, what: string): string {
  const address = result.ips?.find((ip) => ip.address.includes('.'))?.address
  if (!address) throw new NetbenchError('PROVIDER', `${what}: the CNI result has no IPv4 address`, { hint: 'check the IPAM configuration' })
  return address.split('/')[0]!
}

/** The host-side interface of the pod (the veth end without a sandbox, not the bridge). */
export function hostInterface(result: CniResult, bridge?: string): string | undefined {
  return result.interfaces?.find((item) => !item.sandbox && item.name !== bridge)?.name
}
