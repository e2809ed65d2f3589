import { runChecked } from '../../exec.ts'
import type { LocalClusterSpec } from '../../model.ts'
import { NetnsEndpoint } from './netns-endpoint.ts'
import { namespaceName, nodeName, prefix, zoneName } from './names.ts'
import { FULL_FRAME_BYTES, policeUplinks, readShaperCounters, shapeUplink, type PolicedUplink } from './shaping.ts'
import type { ShaperCounters } from '../../results/metrics.ts'
import { EXEC_CONCURRENCY, mapLimit } from './concurrency.ts'
import { applyConditions } from './conditions.ts'

/** Underlay addressing: 198.18.0.0/15 is reserved for benchmarking, so nothing here can collide. */
export const UNDERLAY_PREFIX = '198.18.0'
export const UNDERLAY_MTU = 1500

export interface LabNode {
  name: string
  zone: string
  namespace: string
  ip: string
  /** Uplink shaped: upload through the ifb `ifb`, download on the underlay port `port`. */
  shaper: { port: string; ifb: string; rateBps: number } | null
  /** The node's own network stack as an endpoint (the host network). */
  endpoint: NetnsEndpoint
}

/** The local provider's machines: the underlay and its nodes (the imperative API's `Lab` is another thing). */
export interface LocalLab {
  runId: string
  underlayNamespace: string
  nodes: LabNode[]
}

const nodeSysctls = [
  'net.ipv4.ip_forward=1',
  // Pods and overlays route asymmetrically; strict reverse-path filtering would drop them.
  'net.ipv4.conf.all.rp_filter=0',
  'net.ipv4.conf.default.rp_filter=0',
]

export function nodeAddress(index: number): string {
  return `${UNDERLAY_PREFIX}.${index + 1}`
}

/**
 * Builds the underlay: one namespace holding a bridge (the L2 segment every node shares) and one
 * namespace per node, attached by a veth shaped in both directions on the underlay side, as a
 * cloud instance's network is. Zones are assigned round-robin.
 */
export async function createLab(runId: string, spec: LocalClusterSpec): Promise<LocalLab> {
  const underlayNamespace = namespaceName(runId, 'ul')
  await runChecked('ip', ['netns', 'add', underlayNamespace])
  await runChecked('ip', ['-n', underlayNamespace, '-batch', '-'], {
    input: 'link set lo up\nlink add br0 type bridge\nlink set br0 up\n',
    what: 'creating the underlay bridge',
  })
  // Nodes are independent: build them a few at a time (a 50-node lab in seconds, not a minute).
  const nodes = await mapLimit(Array.from({ length: spec.nodes }, (_, index) => index), EXEC_CONCURRENCY, (index) => createNode(runId, index, spec, underlayNamespace))
  const lab = { runId, underlayNamespace, nodes }
  await policeFrames(lab, FULL_FRAME_BYTES)
  await applyConditions(lab, spec)
  return lab
}

/** The uplink rate of one node: its group's, else the cluster's. */
export function nodeRate(spec: LocalClusterSpec, index: number): number | null {
  return spec.nodeBandwidthBps ? spec.nodeBandwidthBps[index] ?? null : spec.bandwidthBps
}

async function createNode(runId: string, index: number, spec: LocalClusterSpec, underlayNamespace: string): Promise<LabNode> {
  const name = nodeName(index)
  const zone = zoneName(index % spec.zones)
  const namespace = namespaceName(runId, name)
  const ip = nodeAddress(index)
  const port = `p${name}`
  await runChecked('ip', ['netns', 'add', namespace])
  await runChecked('ip', ['-n', namespace, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', underlayNamespace], { what: `creating the uplink of node ${name}` })
  await runChecked('ip', ['-n', namespace, '-batch', '-'], {
    input: `link set lo up\nlink set eth0 mtu ${UNDERLAY_MTU} up\naddr add ${ip}/24 dev eth0\n`,
    what: `addressing node ${name}`,
  })
  await runChecked('ip', ['-n', underlayNamespace, '-batch', '-'], { input: `link set ${port} master br0\nlink set ${port} up\n`, what: `attaching node ${name}` })
  await runChecked('ip', ['netns', 'exec', namespace, 'sysctl', '-qw', ...nodeSysctls], { what: `setting sysctls on node ${name}` })
  const rate = nodeRate(spec, index)
  const shaper = rate === null ? null : { port, ifb: `i${name}`, rateBps: rate }
  if (shaper) await shapeUplink(underlayNamespace, shaper.port, shaper.ifb, shaper.rateBps)
  const instance = spec.nodeInstances?.[index]
  const endpoint = new NetnsEndpoint({ name, label: `node ${name} (zone ${zone}${instance ? `, ${instance}` : ''})`, node: name, zone, namespace, ip, mtu: UNDERLAY_MTU })
  return { name, zone, namespace, ip, shaper, endpoint }
}

/** Re-rates every node's UDP policers for a network whose full-size frames are `frameBytes` long. */
export async function policeFrames(lab: LocalLab, frameBytes: number): Promise<void> {
  const uplinks = lab.nodes.flatMap((node): PolicedUplink[] => node.shaper ? [{ nodeNamespace: node.namespace, port: node.shaper.port, node: node.name, rateBps: node.shaper.rateBps }] : [])
  await policeUplinks(prefix(lab.runId), lab.underlayNamespace, uplinks, frameBytes)
}

/**
 * The shapers traffic from one node to another crosses: the sender's upload and the receiver's
 * download. Undefined when neither uplink is shaped or both ends are on one node.
 */
export function pathShapers(lab: LocalLab, from: string, to: string): (() => Promise<ShaperCounters | undefined>) | undefined {
  if (from === to) return undefined
  // One reader per path for the lab's life: a probe's reading after can stand for the next one's before.
  let readers = shaperReaders.get(lab)
  if (!readers) shaperReaders.set(lab, readers = new Map())
  const key = `${from}>${to}`
  if (!readers.has(key)) readers.set(key, newPathShapers(lab, from, to))
  return readers.get(key)
}

const shaperReaders = new WeakMap<LocalLab, Map<string, (() => Promise<ShaperCounters | undefined>) | undefined>>()

function newPathShapers(lab: LocalLab, from: string, to: string): (() => Promise<ShaperCounters | undefined>) | undefined {
  const sender = lab.nodes.find((node) => node.name === from)
  const receiver = lab.nodes.find((node) => node.name === to)
  const devices = [sender?.shaper?.ifb, receiver?.shaper?.port].filter((device) => device !== undefined)
  const policers = { runPrefix: prefix(lab.runId), senderNamespace: sender?.shaper ? sender.namespace : undefined, receiverNode: receiver?.shaper ? receiver.name : undefined }
  return devices.length ? () => readShaperCounters(lab.underlayNamespace, devices, policers) : undefined
}
