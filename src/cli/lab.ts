import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT, NetbenchError } from '../errors.ts'
import { checkLabEnvironment } from '../providers/local/preflight.ts'
import { createLab } from '../providers/local/lab.ts'
import { prefix } from '../providers/local/names.ts'
import { newRunId } from '../run-id.ts'
import { checkConditionRequirements, checkNetworkRequirements, createLocalCluster, LOCAL_NETWORKS } from '../providers/local/provider.ts'
import { claimRun, persistentLabs, removeRun } from '../providers/local/runs.ts'
import { INSTANCE_PRESETS } from '../suites/presets.ts'
import type { LocalClusterSpec } from '../model.ts'
import { formatRate } from '../units.ts'

export interface LabFlags {
  network?: unknown
  nodes?: unknown
  zones?: unknown
  pods?: unknown
  instance?: unknown
}

/** What `lab status` shows, kept in the run's state file. */
interface LabInfo {
  network: string
  setupMs: number
  mtu: number
  describe: Record<string, unknown>
  bandwidthBps: number | null
  nodes: Array<{ name: string; zone: string; ip: string; namespace: string }>
  pods: Array<{ name: string; ip: string; namespace: string; node: string }>
  birdSockets: Record<string, string>
}

function intFlag(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  const number = Number(value)
  if (!Number.isInteger(number) || number < min || number > max) throw new NetbenchError('USAGE', `--${name} ${String(value)}: expected a whole number from ${min} to ${max}`, { hint: `e.g. --${name} ${fallback}` })
  return number
}

/**
 * `netbench lab up|status|down`: a lab to explore by hand. `up` builds nodes and one network's
 * pods and leaves them running (BIRD included) after the command ends; `status` lists what is up
 * and how to enter it; `down` removes one lab or all of them.
 */
export async function labCommand(action: string, id: string | undefined, flags: LabFlags, out: NodeJS.WritableStream): Promise<number> {
  switch (action) {
    case 'up': return labUp(flags, out)
    case 'status': return labStatus(out)
    case 'down': return labDown(id, out)
    default: throw new NetbenchError('USAGE', `unknown lab action '${action}'`, { hint: 'use netbench lab up, lab status or lab down' })
  }
}

async function labUp(flags: LabFlags, out: NodeJS.WritableStream): Promise<number> {
  const network = flags.network === undefined ? 'flannel' : String(flags.network)
  if (!(LOCAL_NETWORKS as readonly string[]).includes(network)) throw new NetbenchError('USAGE', `--network ${network}: the local lab has no such network`, { hint: `use one of ${LOCAL_NETWORKS.join(', ')}` })
  const nodes = intFlag(flags.nodes, 'nodes', 3, 2, 64)
  const zones = intFlag(flags.zones, 'zones', Math.min(3, nodes), 1, Math.min(26, nodes))
  const pods = intFlag(flags.pods, 'pods', 2, 1, 16)
  const instance = flags.instance === undefined ? null : String(flags.instance)
  if (instance !== null && !(instance in INSTANCE_PRESETS)) throw new NetbenchError('USAGE', `--instance ${instance}: unknown instance preset`, { hint: `use one of ${Object.keys(INSTANCE_PRESETS).join(', ')}` })
  const spec: LocalClusterSpec = { provider: 'local', nodes, zones, pods, instance, bandwidthBps: instance ? INSTANCE_PRESETS[instance as keyof typeof INSTANCE_PRESETS] : null }
  await checkLabEnvironment()
  await checkNetworkRequirements([network])
  await checkConditionRequirements(spec)

  const runId = newRunId()
  const runDir = await mkdtemp(join(tmpdir(), `${prefix(runId)}-`))
  await claimRun(runId, runDir, { persistent: true })
  try {
    const lab = await createLab(runId, spec)
    const cluster = createLocalCluster(lab, spec, { runId, runDir }, { persistent: true })
    const installed = await cluster.install(network)
    const info: LabInfo = {
      network,
      setupMs: installed.setupMs,
      mtu: installed.mtu,
      describe: installed.describe(),
      bandwidthBps: spec.bandwidthBps,
      nodes: lab.nodes.map(({ name, zone, ip, namespace }) => ({ name, zone, ip, namespace })),
      pods: installed.pods.map((pod) => ({ name: pod.name, ip: pod.ip, namespace: pod.namespace, node: pod.node.name })),
      birdSockets: { ...installed.birdSockets },
    }
    await claimRun(runId, runDir, { persistent: true, lab: info })
    out.write(`netbench: lab ${runId} is up: ${network} on ${nodes} nodes in ${zones} zone(s), ${pods} pod(s) per node, set up in ${(installed.setupMs / 1000).toFixed(2)} s\n`)
    out.write(renderLab(runId, info))
    return EXIT.ok
  } catch (error) {
    await removeRun(runId)
    throw error
  }
}

function renderLab(runId: string, info: LabInfo): string {
  const lines: string[] = []
  const shaping = info.bandwidthBps ? `uplinks ${formatRate(info.bandwidthBps)}` : 'unshaped uplinks'
  lines.push(`  network ${info.network}: MTU ${info.mtu}, encapsulation ${String(info.describe.encapsulation ?? 'none')}, ${shaping}`)
  lines.push('  nodes:')
  for (const node of info.nodes) lines.push(`    ${node.name.padEnd(4)} zone ${node.zone}  ${node.ip.padEnd(14)} ip netns exec ${node.namespace} bash`)
  if (info.pods.length) {
    lines.push('  pods:')
    for (const pod of info.pods) lines.push(`    ${pod.name.padEnd(7)} on ${pod.node.padEnd(4)} ${pod.ip.padEnd(14)} ip netns exec ${pod.namespace} bash`)
  }
  const sockets = Object.entries(info.birdSockets)
  if (sockets.length) {
    lines.push('  BGP (BIRD):')
    for (const [node, socket] of sockets) lines.push(`    ${node.padEnd(4)} birdc -s ${socket} show protocols`)
  }
  const [first, second] = info.pods.length >= 2 ? [info.pods[0]!, info.pods.find((pod) => pod.node !== info.pods[0]!.node) ?? info.pods[1]!] : [undefined, undefined]
  if (first && second) lines.push(`  try: ip netns exec ${first.namespace} ping -c 3 ${second.ip}`)
  lines.push(`  remove it with: netbench lab down ${runId}`)
  return `${lines.join('\n')}\n`
}

async function labStatus(out: NodeJS.WritableStream): Promise<number> {
  const labs = await persistentLabs()
  if (!labs.length) {
    out.write('netbench: no lab is up (start one with `netbench lab up --network calico`)\n')
    return EXIT.ok
  }
  for (const lab of labs) {
    const info = lab.lab as LabInfo | undefined
    if (!info) {
      out.write(`netbench: lab ${lab.runId} (started ${lab.startedAt}) is still coming up or failed half-way; remove it with \`netbench lab down ${lab.runId}\`\n`)
      continue
    }
    out.write(`netbench: lab ${lab.runId}, up since ${lab.startedAt}: ${info.network} on ${info.nodes.length} nodes, ${info.pods.length} pods\n`)
    out.write(renderLab(lab.runId, info))
  }
  return EXIT.ok
}

async function labDown(id: string | undefined, out: NodeJS.WritableStream): Promise<number> {
  const labs = await persistentLabs()
  const targets = id === undefined ? labs : labs.filter((lab) => lab.runId === id)
  if (id !== undefined && !targets.length) throw new NetbenchError('USAGE', `no lab ${id} is up`, { hint: labs.length ? `labs up: ${labs.map((lab) => lab.runId).join(', ')}` : 'nothing is up' })
  if (!targets.length) {
    out.write('netbench: no lab is up\n')
    return EXIT.ok
  }
  for (const lab of targets) {
    const removed = await removeRun(lab.runId)
    out.write(`netbench: lab ${lab.runId} is down (removed ${removed.length} object(s))\n`)
  }
  return EXIT.ok
}
