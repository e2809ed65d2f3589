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

/**
 * The MTU of the route to a peer (`ip -json route get <peer>`): `metrics[].mtu` when the route sets
 * one, as Cilium does (route MTU below the device MTU for VXLAN/Geneve -50, WireGuard -80, so the
 * device can still receive full frames); undefined when the route has none.
 */
export function mtuFromRouteJson(output: string): number | undefined {
  try {
    const routes = JSON.parse(output.trim().split('\n').find((line) => line.trim().startsWith('[')) ?? output) as Array<{ metrics?: Array<{ mtu?: number }> }>
    const mtu = Array.isArray(routes) ? routes[0]?.metrics?.find((metric) => typeof metric.mtu === 'number')?.mtu : undefined
    return mtu !== undefined && Number.isInteger(mtu) && mtu >= 68 ? mtu : undefined
  } catch {
    return undefined
  }
}
