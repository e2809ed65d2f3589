/**
 * The connectivity probe: a tiny Node program started inside endpoints. `serve` accepts TCP
 * connections (and closes them) and echoes UDP datagrams on the endpoint's address; `probe`
 * tries a TCP connect and a UDP echo to every target at once and prints one JSON line.
 * Dropped traffic shows as a timeout (blocked); a refused connection means the server is missing.
 */
import { NetbenchError } from '../../errors.ts'
import type { Endpoint, RunningProcess } from '../../providers/endpoint.ts'

const AGENT = String.raw`
const net = require('net'), dgram = require('dgram')
const [mode, ...args] = process.argv.slice(1)
if (mode === 'serve') {
  const [ip, tcpPort, udpPort] = args
  let ready = 0
  const done = () => { if (++ready === 2) process.stdout.write('ready\n') }
  const server = net.createServer((socket) => { socket.on('error', () => {}); socket.end() })
  server.on('error', (error) => { process.stderr.write(String(error) + '\n'); process.exit(1) })
  server.listen(Number(tcpPort), ip, done)
  const udp = dgram.createSocket('udp4')
  udp.on('error', (error) => { process.stderr.write(String(error) + '\n'); process.exit(1) })
  udp.on('message', (message, peer) => udp.send(message, peer.port, peer.address))
  udp.bind(Number(udpPort), ip, done)
} else {
  const [targetsJson, tcpPort, udpPort, timeoutMs] = args
  const timeout = Number(timeoutMs)
  const tcp = (ip) => new Promise((resolve) => {
    const socket = net.connect({ host: ip, port: Number(tcpPort) })
    const timer = setTimeout(() => { socket.destroy(); resolve('blocked') }, timeout)
    socket.on('connect', () => { clearTimeout(timer); socket.destroy(); resolve('allowed') })
    socket.on('error', (error) => { clearTimeout(timer); resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'blocked') })
  })
  const udp = (ip) => new Promise((resolve) => {
    const socket = dgram.createSocket('udp4')
    let tries = 0
    const send = () => socket.send('netbench', Number(udpPort), ip, () => {})
    const timer = setInterval(() => { if (++tries >= 3) { clearInterval(timer); socket.close(); resolve('blocked') } else send() }, timeout / 3)
    socket.on('message', () => { clearInterval(timer); socket.close(); resolve('allowed') })
    socket.on('error', () => {})
    send()
  })
  Promise.all(JSON.parse(targetsJson).map(async (target) => {
    const [tcpResult, udpResult] = await Promise.all([tcp(target.ip), udp(target.ip)])
    return { name: target.name, tcp: tcpResult, udp: udpResult }
  })).then((results) => process.stdout.write(JSON.stringify(results) + '\n'))
}
`

export interface ProbeTarget { name: string; ip: string }
export type ProbeOutcome = 'allowed' | 'blocked' | 'refused'
export interface ProbeResult { name: string; tcp: ProbeOutcome; udp: ProbeOutcome }

/**
 * How to launch an agent that speaks the serve/probe protocol above in some endpoint: the lab's
 * namespaces run it with this Node; pods run a Python twin (providers/kube/policy-agent.ts).
 */
export interface ConnectAgent {
  argv(args: readonly string[]): string[]
  /** How long the server may take to say "ready" (a pod's interpreter can be slow to start). */
  startTimeoutMs: number
  /** What to check when the agent does not start or answer. */
  hint: string
}

/** The lab's agent, with this Node and unaffected by the caller's NODE_OPTIONS. */
export const NODE_AGENT: ConnectAgent = {
  argv: (args) => ['env', '-u', 'NODE_OPTIONS', process.execPath, '--no-warnings', '-e', AGENT, ...args],
  startTimeoutMs: 15_000,
  hint: 'check that the probe ports are free in the pod',
}

const firstLine = (text: string) => text.trim().split('\n')[0] ?? ''

/** Starts the server in an endpoint and resolves once it listens on both ports. */
export async function startConnectServer(endpoint: Endpoint, ports: { tcp: number; udp: number }, agent: ConnectAgent = NODE_AGENT): Promise<RunningProcess> {
  const server = endpoint.start(agent.argv(['serve', endpoint.ip, String(ports.tcp), String(ports.udp)]))
  const ready = await new Promise<boolean>((resolve) => {
    let output = ''
    const timer = setTimeout(() => resolve(false), agent.startTimeoutMs)
    server.stdout.on('data', (chunk: Buffer | string) => {
      output += String(chunk)
      if (output.includes('ready')) { clearTimeout(timer); resolve(true) }
    })
    void server.exited.then(() => { clearTimeout(timer); resolve(false) })
  })
  if (!ready) {
    await server.stop()
    const result = await server.exited
    throw new NetbenchError('MEASUREMENT', `the connectivity probe server on ${endpoint.label} did not start: ${firstLine(result.stderr) || `no answer within ${agent.startTimeoutMs / 1000} s`}`, { hint: agent.hint })
  }
  return server
}

/** Probes every target from one endpoint (all at once) and returns what each answered. */
export async function probeFrom(endpoint: Endpoint, targets: readonly ProbeTarget[], ports: { tcp: number; udp: number }, agent: ConnectAgent = NODE_AGENT, timeoutMs = 1000): Promise<ProbeResult[]> {
  const argv = agent.argv(['probe', JSON.stringify(targets), String(ports.tcp), String(ports.udp), String(timeoutMs)])
  const result = await endpoint.exec(argv, { timeoutMs: timeoutMs * 3 + agent.startTimeoutMs })
  try {
    return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as ProbeResult[]
  } catch {
    throw new NetbenchError('MEASUREMENT', `the connectivity probe from ${endpoint.label} printed no result: ${firstLine(result.stderr) || `exit ${result.exitCode}`}`, { hint: agent.hint })
  }
}
