/**
 * The MTU of a pod's interface, read inside the pod: `ip -json addr show` lists every interface
 * with its MTU and addresses; the one carrying the pod IP is the one iperf3 sends through.
 */
interface IpJsonInterface {
  ifname?: string
  mtu?: number
  addr_info?: Array<{ family?: string; local?: string }>
}

/** The MTU of the interface that holds `ip`; undefined when the output does not say. */
export function mtuFromIpJson(output: string, ip: string): { ifname: string; mtu: number } | undefined {
  let interfaces: IpJsonInterface[]
  try {
    // Some iproute2 versions print one JSON array per line; take the first that parses.
    const text = output.trim().split('\n').find((line) => line.trim().startsWith('[')) ?? output
    interfaces = JSON.parse(text) as IpJsonInterface[]
  } catch {
    return undefined
  }
  if (!Array.isArray(interfaces)) return undefined
  const match = interfaces.find((entry) => entry.addr_info?.some((address) => address.local === ip))
  if (!match || typeof match.mtu !== 'number' || !Number.isInteger(match.mtu)) return undefined
  return { ifname: match.ifname ?? '?', mtu: match.mtu }
}

/** `/sys/class/net/eth0/mtu` as the fallback when the image has no `ip`. */
export function mtuFromSysfs(output: string): number | undefined {
  const value = Number(output.trim())
  return Number.isInteger(value) && value >= 68 ? value : undefined
}
