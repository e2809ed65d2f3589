/**
 * The stand-in's exec endpoint: the `v5.channel.k8s.io` / `v4.channel.k8s.io` WebSocket protocol
 * (every binary frame starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 the final
 * metav1.Status as JSON, 255 half-close in v5), backed by REAL local processes: iperf3, sh, cat,
 * sleep and rm run on this machine, so what netbench parses is real iperf3 output over loopback.
 *
 * Like a kubelet, closing the socket does not end the process; deleting the pod does.
 *
 * Processes run as the pod's user with its capabilities only (setpriv: uid/gid, bounding set,
 * no_new_privs, so file capabilities such as ping's cap_net_raw do not apply). A command that runs
 * ping gets a network namespace of its own (loopback only) whose net.ipv4.ping_group_range is the
 * pod's sysctl, so the kernel itself decides whether an unprivileged ping may open its socket.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { WebSocket } from 'ws'
import type { PodIdentity } from './admission.ts'
import { isClusterIp } from './services.ts'

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const

/**
 * Programs a stand-in pod image has (netshoot-like, plus sockperf as in the image docs/kubernetes.md
 * describes); `ip` is emulated, the rest run for real.
 */
export const IMAGE_PROGRAMS = ['sh', 'iperf3', 'cat', 'sleep', 'rm', 'kill', 'ping', 'sockperf'] as const
const SYSTEM_PATHS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin']

export interface StandInStatus {
  metadata: Record<string, never>
  status: 'Success' | 'Failure'
  message?: string
  reason?: string
  details?: { causes: Array<{ reason?: string; message: string }> }
  code?: number
}

export function successStatus(): StandInStatus {
  return { metadata: {}, status: 'Success' }
}

/** What a kubelet sends when the command exits non-zero (kubectl reads the ExitCode cause). */
export function exitStatus(code: number): StandInStatus {
  return {
    metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
    message: `command terminated with non-zero exit code: error executing command, exit code ${code}`,
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  }
}

/** What containerd reports through the kubelet when the program does not exist in the image. */
export function notFoundStatus(program: string): StandInStatus {
  const message = `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${program}": executable file not found in $PATH: unknown`
  return { metadata: {}, status: 'Failure', reason: 'InternalError', code: 500, message, details: { causes: [{ message }] } }
}

/** A directory of symlinks: the PATH of a pod image that has exactly these programs. */
export function imageBin(programs: readonly string[]): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kube-standin-bin-'))
  mkdirSync(dir, { recursive: true })
  // Pods may run as an unprivileged user, who must reach the image's programs.
  chmodSync(dir, 0o755)
  for (const program of programs) {
    const found = SYSTEM_PATHS.map((path) => join(path, program)).find((candidate) => existsSync(candidate))
    if (!found) throw new Error(`stand-in: ${program} is not installed on this machine`)
    // A copy carries no file capabilities (this host's ping has cap_net_raw=ep): the image's ping
    // must then use an ICMP datagram socket, as where ping_group_range is what allows it.
    if (program === 'ping') {
      copyFileSync(found, join(dir, program))
      chmodSync(join(dir, program), 0o755)
    } else {
      symlinkSync(found, join(dir, program))
    }
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface PodNetwork {
  ip: string
  mtu: number
  ifname: string
  /** MTU set on the pod's routes (Cilium's route MTU); null: routes without one. */
  routeMtu: number | null
}

/** `ip -json route get <peer>` in a pod. */
export function routeJson(net: PodNetwork, peer: string): string {
  return JSON.stringify([{ dst: peer, dev: net.ifname, prefsrc: net.ip, flags: [], uid: 0, cache: [], ...net.routeMtu ? { metrics: [{ mtu: net.routeMtu }] } : {} }]) + '\n'
}

/** `ip -json addr show` of a pod. Its IP is 127.0.0.1 here, so lo lists only ::1 (one match). */
export function ipJson(net: PodNetwork): string {
  return JSON.stringify([
    { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, operstate: 'UNKNOWN', addr_info: [{ family: 'inet6', local: '::1', prefixlen: 128, scope: 'host' }] },
    { ifindex: 3, ifname: net.ifname, flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: net.mtu, operstate: 'UP', addr_info: [{ family: 'inet', local: net.ip, prefixlen: 32, scope: 'global', label: net.ifname }] },
  ]) + '\n'
}

export interface ExecRequest {
  argv: string[]
  pod: string
  network: PodNetwork
  /** PATH of the pod's image. */
  bin: string
  /** Programs the image lacks (a direct exec of one fails like containerd does). */
  missing: readonly string[]
  /** Stand-in fault: kill `iperf3 -s` right after it says it listens (a server that dies). */
  killServerAfterListening: boolean
  /** Answers a policy-step probe (the stand-in plays the CNI: every pod IP is 127.0.0.1). */
  answerProbe(probe: PolicyProbe): string
  /** Who the pod's processes run as. */
  identity: PodIdentity
}

/** netbench's policy probe (`python3 -c <agent> probe <targets> <tcp ports> <udp ports> <timeout>`, ports comma-separated). */
export interface PolicyProbe {
  targets: Array<{ name: string; ip: string }>
  tcpPorts: number[]
  udpPorts: number[]
}

export interface ExecSession {
  process: ChildProcess | undefined
  done: Promise<void>
  /** A policy probe server (emulated by a real, killable process). */
  serving?: boolean
}

/**
 * `python3 -c <agent> serve|probe …`, possibly under netbench's PID-file wrapper: several pods
 * cannot all listen on 127.0.0.1:8080, so the stand-in plays the agent (see server.ts).
 */
function policyAgent(argv: readonly string[]): { mode: 'serve' | 'probe'; args: string[]; pidFile: string | null } | undefined {
  const at = argv.indexOf('python3')
  if (at < 0 || argv[at + 1] !== '-c' || !/connectivity|socket/.test(argv[at + 2] ?? '')) return undefined
  const mode = argv[at + 3]
  if (mode !== 'serve' && mode !== 'probe') return undefined
  const pidFile = at === 4 && argv[0] === 'sh' ? argv[3]! : null
  return { mode, args: argv.slice(at + 4), pidFile }
}

function send(ws: WebSocket, channel: number, data: Buffer | string): void {
  if (ws.readyState !== ws.OPEN) return
  const payload = typeof data === 'string' ? Buffer.from(data) : data
  ws.send(Buffer.concat([Buffer.from([channel]), payload]))
}

function finish(ws: WebSocket, status: StandInStatus): void {
  send(ws, CHANNEL.status, JSON.stringify(status))
  if (ws.readyState === ws.OPEN) ws.close(1000)
}

/** Only loopback (the pods' 127.0.0.1 and the ClusterIPs): the stand-in must never be a way to send traffic elsewhere. */
function foreignAddress(argv: readonly string[]): string | undefined {
  return argv.find((arg) => /^\d{1,3}(\.\d{1,3}){3}$/.test(arg) && arg !== '127.0.0.1' && !isClusterIp(arg))
}

const SETPRIV = '/usr/bin/setpriv'
const UNSHARE = '/usr/bin/unshare'
/** In the ping's own network namespace: loopback up, the pod's ping_group_range, then the command. */
const PING_NAMESPACE = '/bin/ip link set lo up && echo "$1" > /proc/sys/net/ipv4/ping_group_range && shift && exec "$@"'

/** The program and arguments that run `argv` as the pod's user, capabilities and sysctls allow. */
export function podCommand(argv: readonly string[], identity: PodIdentity): [string, string[]] {
  const bounding = ['-all', ...identity.capabilities.map((cap) => `+${cap}`)].join(',')
  const dropped = ['--reuid', String(identity.uid), '--regid', String(identity.gid), '--clear-groups', '--inh-caps', '-all', '--bounding-set', bounding, '--no-new-privs', '--', ...argv]
  if (!argv.includes('ping')) return [SETPRIV, dropped]
  return [UNSHARE, ['--net', '--', '/bin/sh', '-c', PING_NAMESPACE, 'sh', identity.pingGroupRange, SETPRIV, ...dropped]]
}

export function runExec(ws: WebSocket, request: ExecRequest): ExecSession {
  const { argv } = request
  const program = argv[0] ?? ''
  // v5 clients half-close stdin with [255, 0]; there is no stdin to close here.
  ws.on('message', () => undefined)
  const agent = policyAgent(argv)
  if (agent?.mode === 'probe') {
    const [targets, tcpPorts, udpPorts] = agent.args
    const ports = (text: string | undefined) => (text ?? '').split(',').filter(Boolean).map(Number)
    send(ws, CHANNEL.stdout, request.answerProbe({ targets: JSON.parse(targets!) as PolicyProbe['targets'], tcpPorts: ports(tcpPorts), udpPorts: ports(udpPorts) }))
    finish(ws, successStatus())
    return { process: undefined, done: Promise.resolve() }
  }
  if (agent?.mode === 'serve') {
    // A real process stands for the server, so netbench's stop() (kill by PID file) really ends it.
    const script = agent.pidFile ? 'echo $$ > "$0" && echo ready && exec sleep 3600' : 'echo ready && exec sleep 3600'
    const session = runExec(ws, { ...request, argv: ['sh', '-c', script, ...agent.pidFile ? [agent.pidFile] : []] })
    return { ...session, serving: true }
  }
  if (program === 'ip') {
    if (argv.join(' ') === 'ip -json addr show') {
      send(ws, CHANNEL.stdout, ipJson(request.network))
      finish(ws, successStatus())
    } else if (argv.length === 5 && argv.slice(0, 4).join(' ') === 'ip -json route get') {
      send(ws, CHANNEL.stdout, routeJson(request.network, argv[4]!))
      finish(ws, successStatus())
    } else {
      send(ws, CHANNEL.stderr, `stand-in ip: unsupported arguments ${argv.slice(1).join(' ')}\n`)
      finish(ws, exitStatus(255))
    }
    return { process: undefined, done: Promise.resolve() }
  }
  if (!(IMAGE_PROGRAMS as readonly string[]).includes(program) || request.missing.includes(program)) {
    finish(ws, notFoundStatus(program))
    return { process: undefined, done: Promise.resolve() }
  }
  const foreign = foreignAddress(argv)
  if (foreign) {
    send(ws, CHANNEL.stderr, `stand-in: refusing ${foreign}: only 127.0.0.1 is reachable here\n`)
    finish(ws, exitStatus(2))
    return { process: undefined, done: Promise.resolve() }
  }
  const [file, args] = podCommand(argv, request.identity)
  const child = spawn(file, args, {
    env: { PATH: request.bin, HOME: '/tmp', LANG: 'C' },
    cwd: '/tmp',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let listening = ''
  child.stdout.on('data', (chunk: Buffer) => {
    send(ws, CHANNEL.stdout, chunk)
    if (request.killServerAfterListening && argv.includes('-s')) {
      listening += chunk.toString()
      if (/Server listening/.test(listening)) child.kill('SIGKILL')
    }
  })
  child.stderr.on('data', (chunk: Buffer) => send(ws, CHANNEL.stderr, chunk))
  const done = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      send(ws, CHANNEL.stderr, `${error.message}\n`)
      finish(ws, notFoundStatus(program))
      resolve()
    })
    child.on('close', (code, signal) => {
      const exitCode = code ?? (signal ? 128 + ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as Record<string, number>)[signal]! : 1)
      finish(ws, exitCode === 0 ? successStatus() : exitStatus(exitCode))
      resolve()
    })
  })
  return { process: child, done }
}
