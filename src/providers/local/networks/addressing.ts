/**
 * Pod addressing: everything lives in 198.19.0.0/16 (the upper half of the benchmarking range
 * 198.18.0.0/15; the underlay uses 198.18.0.0/24), so no lab address can reach a real network.
 */
export const POD_NETWORK = '198.19.0.0/16'

/** flannel, canal, cilium, romana: one /24 per node, 198.19.<node>.0/24 (node numbers from 1). */
export function nodeSubnet(index: number): { cidr: string; base: string; gateway: string } {
  const octet = index + 1
  return { cidr: `198.19.${octet}.0/24`, base: `198.19.${octet}.0`, gateway: `198.19.${octet}.1` }
}

/** Calico: /26 blocks carved from 198.19.0.0/16, one per node (node 1 owns 198.19.0.0/26). */
export function calicoBlock(index: number): { cidr: string; base: string } {
  const offset = index * 64
  const base = `198.19.${Math.floor(offset / 256)}.${offset % 256}`
  return { cidr: `${base}/26`, base }
}

/** Weave: one flat /16; each node allocates from its own slice, as weave's IPAM splits the range. */
export function weaveRange(index: number): { subnet: string; rangeStart: string; rangeEnd: string; gateway: string } {
  const octet = index + 1
  // The node's own address on the bridge (what `weave expose` gives it), the pods' default gateway.
  return { subnet: POD_NETWORK, rangeStart: `198.19.${octet}.1`, rangeEnd: `198.19.${octet}.253`, gateway: `198.19.${octet}.254` }
}

/**
 * A fixed, locally administered unicast MAC per node and datapath (`0a:58:…`), so remote nodes
 * can be programmed without reading the device back.
 */
export function nodeMac(tag: number, index: number): string {
  const hex = (value: number) => value.toString(16).padStart(2, '0')
  return `0a:58:${hex(tag)}:${hex((index >> 8) & 0xff)}:${hex(index & 0xff)}:01`
}
