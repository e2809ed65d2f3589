import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NetbenchError } from '../../../errors.ts'
import { noteProgramStarted, run } from '../../../exec.ts'
import { spawn } from 'node:child_process'
import { Readable } from 'node:stream'
import type { ExecResult, RunningProcess } from '../../../endpoint.ts'
import { mapLimit, sleep } from '../concurrency.ts'
import type { LocalLab, LabNode } from '../lab.ts'

export const CALICO_AS = 64512

export interface BirdConfigInput {
  node: LabNode
  peers: readonly LabNode[]
  /** IPAM blocks this node owns: announced to peers, blackholed locally. */
  blocks: readonly string[]
  logFile: string
}

/**
 * BIRD 2 configuration in the shape Calico's confd renders: `direct` routes (not the pod /32s), a
 * static blackhole per owned block exported to the kernel and announced to every peer, and an iBGP
 * full mesh (AS 64512) with `direct`, `gateway direct` and `next hop self`, so learned routes are
 * `<remote block> via <remote node IP> proto bird`. Lab timers (hold 3 s, keepalive 1 s,
 * connect delay/retry 1 s — BIRD's floor) keep convergence to about a second.
 */
export function birdConfig(input: BirdConfigInput): string {
  const { node } = input
  const peers = input.peers.map((peer) => `protocol bgp Mesh_${peer.name} from calico_mesh { neighbor ${peer.ip} as ${CALICO_AS}; }`)
  return `# netbench lab: BIRD for Calico on node ${node.name}
log "${input.logFile}" { warning, error, fatal };
router id ${node.ip};

protocol device { scan time 2; }

protocol direct {
  ipv4;
  interface -"cali*", "*";
}

protocol static calico_blocks {
  ipv4;
${input.blocks.map((block) => `  route ${block} blackhole;`).join('\n')}
}

filter calico_kernel_programming {
  if proto = "calico_blocks" then accept;
  if source = RTS_BGP then accept;
  reject;
}

filter calico_export_to_bgp_peers {
  if proto = "calico_blocks" then accept;
  reject;
}

protocol kernel {
  ipv4 { import none; export filter calico_kernel_programming; };
  merge paths on;
}

template bgp calico_mesh {
  local ${node.ip} as ${CALICO_AS};
  direct;
  hold time 3;
  keepalive time 1;
  connect delay time 1;
  connect retry time 1;
  error wait time 1, 2;
  ipv4 {
    import all;
    export filter calico_export_to_bgp_peers;
    next hop self;
    gateway direct;
  };
}

${peers.join('\n')}
`
}

export interface BirdDaemon {
  node: LabNode
  socket: string
  process: RunningProcess
}

/**
 * Starts BIRD in the node's namespace in the foreground (`-f`), so the PID we hold is BIRD's own
 * and stopping it is a signal to that PID (a daemonised BIRD would be a zombie before it is
 * reaped). Config, log and control socket live in the network's work dir.
 */
export async function startBird(workDir: string, input: Omit<BirdConfigInput, 'logFile'>, options: { detached?: boolean } = {}): Promise<BirdDaemon> {
  const name = input.node.name
  const config = join(workDir, `bird-${name}.conf`)
  const socket = join(workDir, `bird-${name}.ctl`)
  await writeFile(config, birdConfig({ ...input, logFile: join(workDir, `bird-${name}.log`) }))
  const check = await run('bird', ['-p', '-c', config])
  if (check.exitCode !== 0) {
    throw new NetbenchError('PROVIDER', `BIRD rejected the configuration for node ${name}: ${(check.stderr || check.stdout).trim().split('\n')[0]}`, { hint: 'this is a netbench bug; the configuration is in the run directory' })
  }
  const argv = ['bird', '-f', '-c', config, '-s', socket]
  const process = options.detached ? startDetached(input.node.namespace, argv) : input.node.endpoint.start(argv)
  return { node: input.node, socket, process }
}

/**
 * For `netbench lab up`: BIRD must outlive the CLI, so it gets no pipes (a write to a closed pipe
 * would kill it) and its own process group. `lab down` stops it with the lab's namespaces.
 */
function startDetached(namespace: string, argv: readonly string[]): RunningProcess {
  noteProgramStarted()
  const child = spawn('ip', ['netns', 'exec', namespace, ...argv], { detached: true, stdio: 'ignore' })
  child.unref()
  const exited = new Promise<ExecResult>((resolve) => {
    child.on('error', (error) => resolve({ exitCode: null, signal: null, stdout: '', stderr: error.message }))
    child.on('exit', (exitCode, signal) => resolve({ exitCode, signal, stdout: '', stderr: '' }))
  })
  return {
    pid: child.pid,
    stdout: Readable.from([]),
    stderr: Readable.from([]),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** `birdc -s <socket> <command…>`; BIRD's answer as text. */
export async function birdc(socket: string, command: readonly string[]): Promise<string> {
  const result = await run('birdc', ['-s', socket, ...command], { timeoutMs: 5000 })
  if (result.exitCode !== 0) throw new NetbenchError('PROVIDER', `birdc ${command.join(' ')} failed: ${(result.stderr || result.stdout).trim().split('\n')[0]}`, { hint: 'is BIRD running?' })
  return result.stdout
}

/** BGP sessions and their state from `birdc show protocols`, e.g. { Mesh_n2: 'Established' }. */
export function parseBgpSessions(output: string): Record<string, string> {
  const sessions: Record<string, string> = {}
  for (const line of output.split('\n')) {
    const fields = line.trim().split(/\s+/)
    if (fields[1] === 'BGP') sessions[fields[0]!] = fields.slice(5).join(' ') || fields[3]!
  }
  return sessions
}

/** Between looks at the routes: a converged mesh is seen within this, plus one look's time. */
const BGP_POLL_MS = 15

/**
 * Waits until every node's kernel holds a `proto bird` route for every block of every other
 * node: BGP has converged and BIRD has programmed what it learned. A BIRD that exits is an error.
 */
export async function waitBgpConverged(lab: LocalLab, daemons: readonly BirdDaemon[], blocksOf: (index: number) => readonly string[], options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000)
  let exited: string | undefined
  daemons.forEach((daemon) => daemon.process.exited.then((result) => { exited ??= `BIRD on ${daemon.node.name} exited (${result.exitCode ?? result.signal}): ${result.stderr.trim().split('\n')[0] ?? ''}` }))
  let pending = lab.nodes.map((node, index) => ({ node, index }))
  for (;;) {
    options.signal?.throwIfAborted()
    if (exited) throw new NetbenchError('PROVIDER', exited, { hint: 'see the BIRD log in the run directory' })
    const [done] = await Promise.all([
      mapLimit(pending, 8, async ({ node, index }) => {
        const routes = await run('ip', ['-n', node.namespace, 'route', 'show', 'proto', 'bird'])
        const wanted = lab.nodes.flatMap((_, other) => other === index ? [] : blocksOf(other))
        return wanted.every((block) => new RegExp(`^${block.replace(/[./]/g, (c) => `\\${c}`)} via `, 'm').test(routes.stdout))
      }),
      // BIRD 2.0 at times holds a new session's first UPDATE until its loop next wakes (a timer,
      // up to ~0.7 s later); a request on its control socket wakes it, as calico-node's readiness
      // check (which asks BIRD's socket) does. About half of 3-node set-ups here waited for that.
      ...daemons.map((daemon) => run('birdc', ['-s', daemon.socket, 'show', 'protocols'], { timeoutMs: 5000 }).catch(() => undefined)),
    ])
    pending = pending.filter((_, i) => !done[i])
    if (!pending.length) return
    if (Date.now() > deadline) {
      const states = await birdc(daemons[pending[0]!.index]!.socket, ['show', 'protocols']).then(parseBgpSessions, () => ({}))
      throw new NetbenchError('PROVIDER', `BGP did not converge on ${pending.map(({ node }) => node.name).join(', ')}: ${JSON.stringify(states)}`, { hint: 'see the BIRD logs in the run directory' })
    }
    await sleep(BGP_POLL_MS)
  }
}

export async function stopBirds(daemons: readonly BirdDaemon[]): Promise<void> {
  await Promise.all(daemons.map((daemon) => daemon.process.stop()))
}
