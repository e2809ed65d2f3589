/**
 * The connectivity probe: a tiny Node program started inside endpoints. `serve` accepts TCP
 * connections (and closes them) and echoes UDP datagrams on the endpoint's address, on each of
 * the comma-separated ports; `probe` tries a TCP connect and a UDP echo to every target and port
 * at once and prints one JSON line.
 * Dropped traffic shows as a timeout (blocked); a refused connection means the server is missing.
 */
import { connect } from 'node:net'
import { NetbenchError } from '../../errors.ts'
import type { Endpoint, RunningProcess } from '../../endpoint.ts'

const AGENT = String.raw`
const net = require('net'), dgram = require('dgram')
const [mode, ...args] = process.argv.slice(1)
const list = (text) => text ? text.split(',').map(Number) : []
const tcp = (ip, port, timeout) => new Promise((resolve) => {
  const socket = net.connect({ host: ip, port })
  const timer = setTimeout(() => { socket.destroy(); resolve('blocked') }, timeout)
  socket.on('connect', () => { clearTimeout(timer); socket.destroy(); resolve('allowed') })
  socket.on('error', (error) => { clearTimeout(timer); resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'blocked') })
})
const udp = (ip, port, timeout) => new Promise((resolve) => {
  const socket = dgram.createSocket('udp4')
  let tries = 0
  const send = () => socket.send('netbench', port, ip, () => {})
  const timer = setInterval(() => { if (++tries >= 3) { clearInterval(timer); socket.close(); resolve('blocked') } else send() }, timeout / 3)
  socket.on('message', () => { clearInterval(timer); socket.close(); resolve('allowed') })
  socket.on('error', () => {})
  send()
})
const each = async (ports, probe, ip, timeout) => Object.fromEntries(await Promise.all(ports.map(async (port) => [port, await probe(ip, port, timeout)])))
const probeAll = (targets, tcpPorts, udpPorts, timeout) => Promise.all(targets.map(async (target) => {
  const [tcpResults, udpResults] = await Promise.all([each(tcpPorts, tcp, target.ip, timeout), each(udpPorts, udp, target.ip, timeout)])
  return { name: target.name, tcp: tcpResults, udp: udpResults }
}))
if (mode === 'serve') {
  const [ip, tcpPorts, udpPorts, control] = args
  const fail = (error) => { process.stderr.write(String(error) + '\n'); process.exit(1) }
  const listening = [
    ...list(tcpPorts).map((port) => new Promise((resolve) => {
      const server = net.createServer((socket) => { socket.on('error', () => {}); socket.end() })
      server.on('error', fail)
      server.listen(port, ip, resolve)
    })),
    ...list(udpPorts).map((port) => new Promise((resolve) => {
      const socket = dgram.createSocket('udp4')
      socket.on('error', fail)
      socket.on('message', (message, peer) => socket.send(message, peer.port, peer.address))
      socket.bind(port, ip, resolve)
    })),
  ]
  // A control socket (a file path, outside any network namespace): each line asks for one probe
  // from this endpoint, answered with one line, so probing again starts no process.
  if (control) listening.push(new Promise((resolve) => {
    const server = net.createServer((connection) => {
      let buffer = ''
      connection.on('error', () => {})
      connection.on('data', (chunk) => {
        buffer += chunk
        const end = buffer.indexOf('\n')
        if (end < 0) return
        const request = JSON.parse(buffer.slice(0, end))
        probeAll(request.targets, request.tcp, request.udp, request.timeoutMs).then((results) => connection.end(JSON.stringify(results) + '\n'))
      })
    })
    server.on('error', fail)
    server.listen(control, resolve)
  }))
  Promise.all(listening).then(() => process.stdout.write('ready\n'))
} else {
  const [targetsJson, tcpPorts, udpPorts, timeoutMs] = args
  probeAll(JSON.parse(targetsJson), list(tcpPorts), list(udpPorts), Number(timeoutMs)).then((results) => process.stdout.write(JSON.stringify(results) + '\n'))
}
`

export interface ProbeTarget { name: string; ip: string }
export type ProbeOutcome = 'allowed' | 'blocked' | 'refused'
/** What each port answered, by port number. */
export interface ProbeResult { name: string; tcp: Record<string, ProbeOutcome>; udp: Record<string, ProbeOutcome> }
export interface ProbePorts { tcp: readonly number[]; udp: readonly number[] }

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

/**
 * Starts the server in an endpoint and resolves once it listens on every port. With `control` (a
 * Unix socket path the caller can reach: the lab's namespaces share its file system), the server
 * also takes probe requests there (see probeThrough).
 */
export async function startConnectServer(endpoint: Endpoint, ports: ProbePorts, agent: ConnectAgent = NODE_AGENT, control?: string): Promise<RunningProcess> {
  const server = endpoint.start(agent.argv(['serve', endpoint.ip, ports.tcp.join(','), ports.udp.join(','), ...control ? [control] : []]))
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
export async function probeFrom(endpoint: Endpoint, targets: readonly ProbeTarget[], ports: ProbePorts, agent: ConnectAgent = NODE_AGENT, timeoutMs = 1000): Promise<ProbeResult[]> {
  const argv = agent.argv(['probe', JSON.stringify(targets), ports.tcp.join(','), ports.udp.join(','), String(timeoutMs)])
  const result = await endpoint.exec(argv, { timeoutMs: timeoutMs * 3 + agent.startTimeoutMs })
  try {
    return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as ProbeResult[]
  } catch {
    throw new NetbenchError('MEASUREMENT', `the connectivity probe from ${endpoint.label} printed no result: ${firstLine(result.stderr) || `exit ${result.exitCode}`}`, { hint: agent.hint })
  }
}

/** Probes every target from the endpoint whose server listens on `control` (no process started). */
export async function probeThrough(control: string, label: string, targets: readonly ProbeTarget[], ports: ProbePorts, timeoutMs: number): Promise<ProbeResult[]> {
  const answer = await new Promise<string>((resolve, reject) => {
    let output = ''
    const socket = connect(control, () => socket.write(JSON.stringify({ targets, tcp: ports.tcp, udp: ports.udp, timeoutMs }) + '\n'))
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no answer')) }, timeoutMs * 3 + 10_000)
    socket.on('data', (chunk: Buffer) => { output += String(chunk) })
    socket.on('end', () => { clearTimeout(timer); resolve(output) })
    socket.on('error', (error) => { clearTimeout(timer); reject(error) })
  }).catch((error: unknown) => {
    throw new NetbenchError('MEASUREMENT', `the connectivity probe server on ${label} did not answer: ${error instanceof Error ? error.message : String(error)}`, { hint: NODE_AGENT.hint })
  })
  try {
    return JSON.parse(answer.trim()) as ProbeResult[]
  } catch {
    throw new NetbenchError('MEASUREMENT', `the connectivity probe server on ${label} answered no result`, { hint: NODE_AGENT.hint })
  }
}
