import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, resolve, sep } from 'node:path'
import { DEFAULT_REPORT_DIR, shown } from '../../reporters/report-dir.ts'
import { EXIT, NetbenchError } from '../errors.ts'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.json': 'application/json', '.xml': 'application/xml',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.css': 'text/css', '.txt': 'text/plain; charset=utf-8',
}

/** Serves the files of `root`, read-only; nothing outside it, whatever the path says. */
function serve(root: string, index: string): Server {
  return createServer((request, response) => {
    let path: string
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
    } catch {
      response.writeHead(400).end('bad path\n')
      return
    }
    const file = resolve(root, `.${path === '/' ? `/${index}` : path}`)
    const inside = file === root || file.startsWith(root + sep)
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end()
    } else if (!inside) {
      response.writeHead(403).end('outside the report directory\n')
    } else if (!existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${path}\n`)
    } else {
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' })
      if (request.method === 'HEAD') response.end()
      else createReadStream(file).pipe(response)
    }
  })
}

/**
 * `netbench show-report [dir]`: serves the report on 127.0.0.1 (a free port, or `port`) until
 * SIGINT/SIGTERM, or until `signal` aborts (tests).
 */
export async function showReport(dir: string | undefined, stream: NodeJS.WritableStream, options: { port?: number; signal?: AbortSignal } = {}): Promise<number> {
  const root = resolve(dir ?? DEFAULT_REPORT_DIR)
  const index = ['index.html', 'compare.html'].find((name) => existsSync(join(root, name)))
  if (!index) {
    throw new NetbenchError('USAGE', `no report in ${shown(root)}`, { hint: 'run the suites with --reporter html (or `netbench report <result.json>`) first' })
  }
  const server = serve(root, index)
  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, '127.0.0.1', done)
  })
  const { port } = server.address() as AddressInfo
  stream.write(`Serving ${shown(root)} at http://127.0.0.1:${port}/ — press Ctrl-C to stop\n`)
  let stop = () => {}
  await new Promise<void>((done) => {
    stop = done
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    options.signal?.addEventListener('abort', stop, { once: true })
  })
  process.off('SIGINT', stop)
  process.off('SIGTERM', stop)
  server.closeAllConnections()
  await new Promise((done) => server.close(done))
  return EXIT.ok
}
