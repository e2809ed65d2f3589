/**
 * Kubernetes Services in the lab: kube-proxy's nftables datapath (pkg/proxy/nftables/proxier.go),
 * programmed the same way on every node, as kube-proxy does. A Service selects one server pod:
 *
 *   nat-prerouting / nat-output ─► services: ip daddr . meta l4proto . th dport vmap @service-ips
 *                                             fib daddr type local … vmap @service-nodeports
 *   service-ips        ClusterIP . proto . port  → goto service-<i>-default/<name>
 *   service-nodeports  proto . node port         → goto external-<i>-… (masquerade, then the service)
 *   service-…          masquerade what comes from outside the pod network; numgen random mod N → endpoint
 *   endpoint-…         masquerade the endpoint's own traffic (hairpin); DNAT to the pod
 *   nat-postrouting    masquerading: what carries the 0x4000 mark
 *
 * One Service exposes every port the probes use (iperf3's and sockperf's), where a real one lists
 * its ports; the endpoint chain's DNAT maps each ClusterIP port and node port to the pod's port.
 * Not in kube-proxy: the endpoint chain sets a conntrack mark, so that a counter can count every
 * client-to-Service packet of the translated connections (NAT chains see only a connection's first).
 */
import { NetbenchError } from '../../errors.ts'
import { run, runChecked } from '../../exec.ts'
import type { Via } from '../../model.ts'
import { DEFAULT_PORTS } from '../../tools/iperf3/run.ts'
import { PORT_TRIES } from '../../tools/iperf3/server.ts'
import { SOCKPERF_PORT, SOCKPERF_PORTS } from '../../tools/sockperf/sockperf.ts'
import type { ServiceRoute } from '../types.ts'
import { EXEC_CONCURRENCY, mapLimit } from './concurrency.ts'
import type { LabNode, LocalLab } from './lab.ts'
import { prefix } from './names.ts'
import { POD_NETWORK } from './networks/addressing.ts'

type ServiceVia = Exclude<Via, 'pod'>

/** What a Service selects: a pod, or on the host network a node (a hostNetwork pod). */
export interface Backend {
  name: string
  ip: string
  node: LabNode
}

/**
 * Pod networks and the host network coexist on the nodes, so each has its own table, ClusterIP
 * block and node ports.
 */
export type ServiceSlot = 'pods' | 'host'
const SLOTS: Record<ServiceSlot, { suffix: string; octet: number; nodePortOffset: number }> = {
  pods: { suffix: 'svc', octet: 64, nodePortOffset: 0 },
  host: { suffix: 'svchost', octet: 96, nodePortOffset: 1360 },
}

/** ClusterIPs: a /18 of 198.18.0.0/15 that the underlay (.0.x), the feature probes (.255.x) and the pods (198.19/16) leave alone. */
export const SERVICE_CIDR = '198.18.64.0/18'
const FIRST_NODE_PORT = 30000
const LAST_NODE_PORT = 32767
const MASQUERADE_MARK = '0x4000'
/** Conntrack marks of the Services' connections: this base plus the Service's index. */
const CT_MARK_BASE = 0x5e000000

const span = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i)
/** iperf3 servers rotate through DEFAULT_PORTS and step past a busy port up to PORT_TRIES - 1 times; sockperf has its own range. */
export const SERVICE_PORTS: readonly number[] = [
  ...span(DEFAULT_PORTS.first, DEFAULT_PORTS.last - DEFAULT_PORTS.first + PORT_TRIES),
  ...span(SOCKPERF_PORT, SOCKPERF_PORTS),
]

export function serviceTableName(runId: string, slot: ServiceSlot): string {
  return `${prefix(runId)}-${SLOTS[slot].suffix}`
}

/** One Service: a ClusterIP (and node ports) selecting one pod. */
interface LabService {
  index: number
  pod: Backend
  clusterIp: string
  /** Node port per Service port; empty unless a step goes via nodeport. */
  nodePorts: Map<number, number>
}

/** The Services a network built and the routes through them. */
export interface LabServices {
  route(via: ServiceVia, client: Backend, server: Backend): ServiceRoute
  remove(): Promise<void>
}

function planServices(servers: readonly Backend[], vias: readonly ServiceVia[], slot: ServiceSlot): LabService[] {
  const { octet, nodePortOffset } = SLOTS[slot]
  const withNodePorts = vias.includes('nodeport')
  const firstNodePort = FIRST_NODE_PORT + nodePortOffset
  if (withNodePorts && firstNodePort + servers.length * SERVICE_PORTS.length - 1 > LAST_NODE_PORT) {
    throw new NetbenchError('PROVIDER', `${servers.length} NodePort Services need more node ports than ${FIRST_NODE_PORT}-${LAST_NODE_PORT} hold`, { hint: 'this is a netbench bug' })
  }
  return servers.map((pod, index) => ({
    index,
    pod,
    clusterIp: `198.18.${octet + Math.floor((index + 1) / 256)}.${(index + 1) % 256}`,
    nodePorts: new Map(withNodePorts ? SERVICE_PORTS.map((port, i) => [port, firstNodePort + index * SERVICE_PORTS.length + i]) : []),
  }))
}

const serviceName = (service: LabService) => `${service.index}-default/iperf3-${service.pod.name}`

/** The chains and maps of one Service. */
function serviceRules(service: LabService): string {
  const name = serviceName(service)
  const ip = service.pod.ip
  const ports = [
    ...SERVICE_PORTS.map((port) => `${port} : ${ip} . ${port}`),
    ...[...service.nodePorts].map(([port, nodePort]) => `${nodePort} : ${ip} . ${port}`),
  ]
  return [
    `  map ports-${service.index} { type inet_service : ipv4_addr . inet_service; elements = { ${ports.join(', ')} } }`,
    `  chain service-${name} {`,
    // Traffic to the ClusterIP from outside the pod network (a node's own) is masqueraded.
    `    ip daddr ${service.clusterIp} ip saddr != ${POD_NETWORK} jump mark-for-masquerade`,
    `    numgen random mod 1 vmap { 0 : goto endpoint-${name}__${ip} }`,
    '  }',
    ...service.nodePorts.size ? [`  chain external-${name} { jump mark-for-masquerade; goto service-${name}; }`] : [],
    `  chain endpoint-${name}__${ip} {`,
    // Hairpin: the pod reaching itself through its Service must see the reply come from elsewhere.
    `    ip saddr ${ip} jump mark-for-masquerade`,
    `    ct mark set ${CT_MARK_BASE + service.index}`,
    `    meta l4proto { tcp, udp } dnat ip to th dport map @ports-${service.index}`,
    '  }',
    `  counter translated-${service.index} {}`,
  ].join('\n')
}

/** The whole table, the same on every node. */
export function serviceRuleset(table: string, services: readonly LabService[]): string {
  const clusterIps = services.flatMap((service) => ['tcp', 'udp'].flatMap((proto) => [
    `${service.clusterIp} . ${proto} . ${DEFAULT_PORTS.first}-${DEFAULT_PORTS.last + PORT_TRIES - 1} : goto service-${serviceName(service)}`,
    `${service.clusterIp} . ${proto} . ${SOCKPERF_PORT}-${SOCKPERF_PORT + SOCKPERF_PORTS - 1} : goto service-${serviceName(service)}`,
  ]))
  const nodePorts = services.flatMap((service) => service.nodePorts.size
    ? ['tcp', 'udp'].map((proto) => `${proto} . ${Math.min(...service.nodePorts.values())}-${Math.max(...service.nodePorts.values())} : goto external-${serviceName(service)}`)
    : [])
  const counted = services.map((service) => `    ct direction original ct mark ${CT_MARK_BASE + service.index} counter name "translated-${service.index}"`)
  return [
    `table ip ${table} {`,
    `  map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; flags interval; elements = { ${clusterIps.join(', ')} } }`,
    ...nodePorts.length ? [`  map service-nodeports { type inet_proto . inet_service : verdict; flags interval; elements = { ${nodePorts.join(', ')} } }`] : [],
    '  chain nat-prerouting { type nat hook prerouting priority -100; policy accept; jump services; }',
    '  chain nat-output { type nat hook output priority -100; policy accept; jump services; }',
    '  chain nat-postrouting { type nat hook postrouting priority 100; policy accept; jump masquerading; }',
    `  chain mark-for-masquerade { meta mark set meta mark or ${MASQUERADE_MARK}; }`,
    `  chain masquerading { meta mark & ${MASQUERADE_MARK} == 0 return; meta mark set meta mark xor ${MASQUERADE_MARK}; masquerade fully-random; }`,
    '  chain services {',
    '    ip daddr . meta l4proto . th dport vmap @service-ips',
    ...nodePorts.length ? ['    fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports'] : [],
    '  }',
    ...services.map(serviceRules),
    // After the NAT chains (-100): the mark is set when a connection's first packet is counted.
    // A node's own connection to itself (a hairpin on the host network) comes back in over lo: counted once, on output.
    '  chain count-prerouting {', '    type filter hook prerouting priority -90; policy accept;', '    iifname "lo" return', ...counted, '  }',
    '  chain count-output {', '    type filter hook output priority -90; policy accept;', ...counted, '  }',
    '}',
  ].join('\n')
}

/** What a Service's counter holds on every node together. */
async function readTranslated(lab: LocalLab, table: string, service: LabService): Promise<{ packets: number; bytes: number }> {
  const readings = await mapLimit(lab.nodes, EXEC_CONCURRENCY, async (node) => {
    const output = await runChecked('ip', ['netns', 'exec', node.namespace, 'nft', '-j', 'list', 'counter', 'ip', table, `translated-${service.index}`], { what: `reading the Service counter on node ${node.name}` })
    const entry = (JSON.parse(output) as { nftables: Array<{ counter?: { packets: number; bytes: number } }> }).nftables.find((item) => item.counter)?.counter
    return entry ?? { packets: 0, bytes: 0 }
  })
  return readings.reduce((sum, reading) => ({ packets: sum.packets + reading.packets, bytes: sum.bytes + reading.bytes }), { packets: 0, bytes: 0 })
}

function routeOf(lab: LocalLab, table: string, service: LabService, via: ServiceVia, client: Backend): ServiceRoute {
  const nodePort = via === 'nodeport'
  const port = (serverPort: number): number => {
    const mapped = nodePort ? service.nodePorts.get(serverPort) : SERVICE_PORTS.includes(serverPort) ? serverPort : undefined
    if (mapped === undefined) throw new NetbenchError('PROVIDER', `the lab's Service for ${service.pod.name} has no port ${serverPort}`, { hint: `its ports are ${SERVICE_PORTS[0]}-… (iperf3) and ${SOCKPERF_PORT}-… (sockperf); this is a netbench bug` })
    return mapped
  }
  const address = nodePort ? client.node.ip : service.clusterIp
  const label = nodePort
    ? `NodePort ${client.node.name}:${Math.min(...service.nodePorts.values())}-${Math.max(...service.nodePorts.values())} → ${service.pod.name}`
    : `ClusterIP ${service.clusterIp} → ${service.pod.name}${via === 'hairpin' ? ' (hairpin)' : ''}`
  return { via, address, port, label, translated: () => readTranslated(lab, table, service) }
}

/**
 * Programs a Service for each of `servers` (the endpoints steps can pick as their server: not a
 * Service per pod of a 50-node lab) on every node; `remove` takes the table away again.
 */
export async function installServices(lab: LocalLab, servers: readonly Backend[], vias: readonly ServiceVia[], slot: ServiceSlot): Promise<LabServices> {
  const table = serviceTableName(lab.runId, slot)
  const services = planServices(servers, vias, slot)
  const ruleset = serviceRuleset(table, services)
  // A node's own connections are routed before the output hook translates them: real nodes reach
  // ClusterIPs by their default route, lab nodes have none, so the host network routes the range.
  const routed = slot === 'host'
  const remove = async () => {
    await mapLimit(lab.nodes, EXEC_CONCURRENCY, async (node) => {
      await run('ip', ['netns', 'exec', node.namespace, 'nft', 'delete', 'table', 'ip', table])
      if (routed) await run('ip', ['-n', node.namespace, 'route', 'del', SERVICE_CIDR, 'dev', 'eth0'])
    })
  }
  try {
    // One transaction per node that replaces the whole table (an earlier install's included).
    await mapLimit(lab.nodes, EXEC_CONCURRENCY, async (node) => {
      await runChecked('ip', ['netns', 'exec', node.namespace, 'nft', '-f', '-'], { input: `table ip ${table} {}\ndelete table ip ${table}\n${ruleset}\n`, what: `programming Services on node ${node.name}` })
      if (routed) await runChecked('ip', ['-n', node.namespace, 'route', 'replace', SERVICE_CIDR, 'dev', 'eth0', 'scope', 'link'], { what: `routing ClusterIPs on node ${node.name}` })
    })
  } catch (error) {
    await remove()
    throw error
  }
  return {
    route(via, client, server) {
      const service = services.find((candidate) => candidate.pod.name === server.name)
      if (!vias.includes(via) || !service) {
        throw new NetbenchError('SERVICE_PATH_MISSING', `no Service path via ${via} to ${server.name} was built`, { hint: `the lab builds Service paths for the vias the suite's steps name (${vias.join(', ') || 'none'}); this is a netbench bug` })
      }
      return routeOf(lab, table, service, via, client)
    },
    remove,
  }
}
