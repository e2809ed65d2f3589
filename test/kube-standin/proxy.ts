/**
 * A test-only HTTP CONNECT proxy in front of the stand-in: it alone knows that the `.invalid` name
 * the kubeconfig uses is the stand-in on 127.0.0.1, so a client that ignores HTTPS_PROXY cannot
 * even resolve the server. It tunnels nowhere else.
 */
import { createServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'

export const PROXIED_HOST = 'api.standin.invalid'

export interface TestProxy extends AsyncDisposable {
  url: string
  /** CONNECT requests tunnelled, as `host:port`. */
  tunnels: string[]
}

export async function startProxy(): Promise<TestProxy> {
  const tunnels: string[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((_request, response) => { response.writeHead(405).end() })
  server.on('connect', (request, client: Socket, head: Buffer) => {
    const [host, port] = (request.url ?? '').split(':')
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    if (host !== PROXIED_HOST) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    tunnels.push(request.url ?? '')
    const upstream = connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
