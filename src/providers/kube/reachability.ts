/**
 * Before measuring, every pair of a network must reach the ports iperf3 will use: node security
 * groups (EKS), OpenShift host networking and firewalld close 5201–5250 between nodes by default,
 * which would otherwise show up as iperf3 connect timeouts in the middle of a run. The range is
 * cluster.ports (default 5201–5250). The check runs
 * the connectivity agent (TCP connect, UDP echo) at both ends of the range, server side in the
 * pair's server pod, and names every port and node that did not answer.
 */
import { NetbenchError } from '../../errors.ts'
import { probeFrom, startConnectServer } from '../../tools/connect/agent.ts'
import type { PortRange } from '../../endpoint.ts'
import type { EndpointPair } from '../types.ts'
import type { PodEndpoint } from './pod-endpoint.ts'
import { PYTHON_AGENT } from './policy-agent.ts'

export interface Unreachable {
  from: string
  to: string
  what: string
}

async function checkPair(client: PodEndpoint, server: PodEndpoint, port: number): Promise<Unreachable[]> {
  const ports = { tcp: [port], udp: [port] }
  const running = await startConnectServer(server, ports, PYTHON_AGENT)
  try {
    const [answer] = await probeFrom(client, [{ name: server.pod, ip: server.ip }], ports, PYTHON_AGENT, 2000)
    const closed = (['tcp', 'udp'] as const).filter((protocol) => answer?.[protocol][port] !== 'allowed').map((protocol) => `${protocol.toUpperCase()} ${port}`)
    return closed.map((what) => ({ from: client.label, to: server.label, what }))
  } finally {
    await running.stop()
  }
}

/** Throws (exit 3) naming every pair and port that cannot be reached; same-pod pairs are skipped. */
export async function checkReachability(pairs: readonly EndpointPair[], context: string, ports: PortRange): Promise<void> {
  const unique = new Map<string, { client: PodEndpoint; server: PodEndpoint }>()
  for (const pair of pairs) {
    const client = pair.client as PodEndpoint
    const server = pair.server as PodEndpoint
    if (client.pod !== server.pod) unique.set(`${client.pod}>${server.pod}`, { client, server })
  }
  const failed: Unreachable[] = []
  for (const { client, server } of unique.values()) {
    for (const port of new Set([ports.first, ports.last])) failed.push(...await checkPair(client, server, port))
  }
  if (!failed.length) return
  const byPair = new Map<string, string[]>()
  for (const entry of failed) byPair.set(`${entry.from} → ${entry.to}`, [...byPair.get(`${entry.from} → ${entry.to}`) ?? [], entry.what])
  const list = [...byPair].map(([pair, what]) => `${pair}: ${what.join(', ')}`).join('; ')
  throw new NetbenchError('PROVIDER', `context '${context}': the iperf3 ports ${ports.first}–${ports.last} are not reachable between the test pods (${list})`, {
    hint: `open TCP and UDP ${ports.first}-${ports.last} between the nodes (EKS: the node security group; OpenShift/firewalld: the host firewall), or set cluster.ports to a range that is open`,
  })
}
