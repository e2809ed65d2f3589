/**
 * The suite language's fixed vocabularies as plain data: the schema is built from them, and the
 * code that plans a run reads them without loading the schema (TypeBox) at all.
 */

/** Uplink rates of the cloud instances `cluster.instance` names. */
export const INSTANCE_PRESETS = {
  'm4.large': 450e6,
  'm4.xlarge': 750e6,
  'm5.large': 750e6,
  't3.large': 510e6,
} as const satisfies Record<string, number>

/**
 * Options of the networks that have them, and which CNI each applies to (checked after the
 * schema, so a misplaced option is told as such rather than as an unknown field).
 */
export const NETWORK_OPTIONS = {
  backend: { cnis: ['flannel', 'canal'], values: ['vxlan', 'host-gw'], description: 'flannel backend: vxlan (default) or host-gw (routes via node IPs, no encapsulation).' },
  encapsulation: { cnis: ['calico'], values: ['none', 'vxlan', 'ipip'], description: 'Calico encapsulation: none (BGP-routed, default), vxlan (VNI 4096, port 4789) or ipip (needs the kernel ipip module).' },
  encryption: { cnis: ['weave'], values: [true, false], description: 'Weave encryption: IPsec ESP with AES-GCM between nodes (needs ESP and GCM in the kernel).' },
  routing: { cnis: ['cilium'], values: ['tunnel', 'native'], description: 'Cilium routing: tunnel (VXLAN 8472, default) or native (node routes, no encapsulation).' },
} as const
export type NetworkOptionName = keyof typeof NETWORK_OPTIONS
