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

/** argv that runs the agent with this Node, unaffected by the caller's NODE_OPTIONS. */
function agentArgv(args: string[]): string[] {
  return ['env', '-u', 'NODE_OPTIONS', process.execPath, '--no-warnings', '-e', AGENT, ...args]
}

export interface ProbeTarget { name: string; ip: string }
export type ProbeOutcome = 'allowed' | 'blocked' | 'refused'
export interface ProbeResult { name: string; tcp: ProbeOutcome; udp: ProbeOutcome }

/** Starts the server in an endpoint and resolves once it listens on both ports. */
export async function startConnectServer(endpoint: Endpoint, ports: { tcp: number; udp: number }): Promise<RunningProcess> {
  const server = endpoint.start(agentArgv(['serve', endpoint.ip, String(ports.tcp), String(ports.udp)]))
  const ready = await new Promise<boolean>((resolve) => {
    let output = ''
    const timer = setTimeout(() => resolve(false), 15_000)
    server.stdout.on('data', (chunk: Buffer | string) => {
      output += String(chunk)
      if (output.includes('ready')) { clearTimeout(timer); resolve(true) }
    })
    server.exited.then(() => { clearTimeout(timer); resolve(false) })
  })
  if (!ready) {
    await server.stop()
    const result = await server.exited
    throw new NetbenchError('MEASUREMENT', `the connectivity probe server on ${endpoint.name} did not start: ${result.stderr.trim().split('\n')[0] || 'no answer within 15 s'}`, { hint: 'check that the probe ports are free in the pod' })
  }
  return server
}

/** Probes every target from one endpoint (all at once) and returns what each answered. */
export async function probeFrom(endpoint: Endpoint, targets: readonly ProbeTarget[], ports: { tcp: number; udp: number }, timeoutMs = 1000): Promise<ProbeResult[]> {
  const result = await endpoint.exec(agentArgv(['probe', JSON.stringify(targets), String(ports.tcp), String(ports.udp), String(timeoutMs)]), { timeoutMs: timeoutMs * 3 + 15_000 })
  const line = result.stdout.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(line) as ProbeResult[]
  } catch {
    throw new NetbenchError('MEASUREMENT', `the connectivity probe from ${endpoint.name} printed no result: ${result.stderr.trim().split('\n')[0] ?? `exit ${result.exitCode}`}`, { hint: 'this is a netbench bug if it persists' })
  }
}
