/**
 * The kube STAND-IN's "kube-proxy": a userspace TCP + UDP forwarder per Service port, as
 * kube-proxy's old userspace mode was. It listens on the ClusterIP (and, for a NodePort, on the
 * node's address, 127.0.0.1) and relays each connection or datagram flow to the one endpoint the
 * Service's selector finds (every stand-in pod is at 127.0.0.1). It exists so that a client really
 * reaches its server through the Service address; it is routing for tests, never a datapath worth
 * measuring (every byte crosses this process twice).
 */
import { createSocket, type Socket as UdpSocket, type RemoteInfo } from 'node:dgram'
import { createServer, connect, type Server, type Socket } from 'node:net'

/** Where a new flow goes: the endpoint's address and port, or null (no ready endpoint: refused). */
export type Resolve = () => { ip: string; port: number } | null

/** UDP flows idle this long are forgotten (kube-proxy's userspace mode used 250 ms … minutes). */
const UDP_IDLE_MS = 30_000
/** A relay that drains late drops datagrams: ask for more than the default (the kernel caps it at rmem_max). */
const UDP_BUFFER_BYTES = 1 << 20

export interface Listener {
  close(): Promise<void>
}

/** TCP: each accepted connection is piped to a new connection to the endpoint. */
export async function tcpForwarder(address: string, port: number, resolve: Resolve): Promise<Listener> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  }
  const server: Server = createServer((client) => {
    track(client)
    const target = resolve()
    if (!target) return client.resetAndDestroy()
    const upstream = connect(target.port, target.ip)
    track(upstream)
    // Nagle off both ways: the forwarder must not add its own delays to a request/response probe.
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    client.pipe(upstream)
    upstream.pipe(client)
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(port, address, () => done())
  })
  return {
    close: () => new Promise<void>((done) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => done())
    }),
  }
}

/** UDP: one upstream socket per client address, so the endpoint's replies find their way back. */
export async function udpForwarder(address: string, port: number, resolve: Resolve): Promise<Listener> {
  const listener: UdpSocket = createSocket({ type: 'udp4', recvBufferSize: UDP_BUFFER_BYTES })
  const flows = new Map<string, { socket: UdpSocket; target: { ip: string; port: number }; timer: NodeJS.Timeout }>()
  const forget = (key: string) => {
    const flow = flows.get(key)
    if (!flow) return
    clearTimeout(flow.timer)
    flow.socket.close()
    flows.delete(key)
  }
  const flowFor = (from: RemoteInfo) => {
    const key = `${from.address}:${from.port}`
    const existing = flows.get(key)
    if (existing) {
      existing.timer.refresh()
      return existing
    }
    const target = resolve()
    if (!target) return null
    const socket = createSocket({ type: 'udp4', recvBufferSize: UDP_BUFFER_BYTES })
    // Only the endpoint's replies go back to the client.
    socket.on('message', (reply, sender) => {
      if (sender.address === target.ip && sender.port === target.port) listener.send(reply, from.port, from.address)
    })
    socket.on('error', () => forget(key))
    const flow = { socket, target, timer: setTimeout(() => forget(key), UDP_IDLE_MS) }
    flows.set(key, flow)
    return flow
  }
  listener.on('message', (datagram, from) => {
    const flow = flowFor(from)
    flow?.socket.send(datagram, flow.target.port, flow.target.ip, (error) => { if (error) forget(`${from.address}:${from.port}`) })
  })
  await new Promise<void>((done, fail) => {
    listener.once('error', fail)
    listener.bind(port, address, () => done())
  })
  return {
    close: async () => {
      for (const key of [...flows.keys()]) forget(key)
      await new Promise<void>((done) => listener.close(() => done()))
    },
  }
}
