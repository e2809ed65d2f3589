/**
 * The kube STAND-IN's exec endpoint: the WebSocket upgrade of `pods/{name}/exec` with the API
 * server's refusals (auth, RBAC, unknown pod or container, no common subprotocol, an unreachable
 * kubelet), then the command run by exec.ts in the pod's image, and an optional idle cut-off.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { podIdentity } from './admission.ts'
import { answerProbe } from './cni.ts'
import { IMAGE_PROGRAMS, imageBin, runExec } from './exec.ts'
import { refuseUpgrade } from './http.ts'
import type { StandInOptions } from './options.ts'
import { forbidden, forbiddenError } from './rbac.ts'
import type { PodRecord, StandInStore } from './store.ts'

export interface ExecLog {
  requests: Array<{ method: string; path: string }>
  unknownRequests: string[]
  execs: Array<{ pod: string; argv: string[]; protocol: string }>
}

export class ExecEndpoint {
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => this.pickProtocol([...offered]) ?? false })
  /** The pod image's programs, one directory per set of `missingPrograms`. */
  private readonly bins = new Map<string, { dir: string; dispose(): void }>()

  constructor(private readonly options: StandInOptions, private readonly store: StandInStore, private readonly log: ExecLog) {}

  terminateClients(): void {
    for (const client of this.wss.clients) client.terminate()
  }

  disposeBins(): void {
    for (const bin of this.bins.values()) bin.dispose()
  }

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, base: string, authorized: boolean): void {
    const url = new URL(request.url ?? '/', base)
    this.log.requests.push({ method: `${request.method ?? 'GET'} (upgrade)`, path: url.pathname })
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname)
    if (!match) {
      this.log.unknownRequests.push(`UPGRADE ${url.pathname}`)
      return refuseUpgrade(socket, 404, 'NotFound', `the stand-in does not serve ${url.pathname}`)
    }
    const [, namespace, name] = match as unknown as [string, string, string]
    if (!authorized) return refuseUpgrade(socket, 401, 'Unauthorized', 'Unauthorized')
    const pod = this.refusal(socket, url, namespace, name)
    if (!pod) return
    const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((entry) => entry.trim()).filter(Boolean)
    const protocol = this.pickProtocol(offered)
    if (!protocol) return refuseUpgrade(socket, 400, 'BadRequest', `unsupported subprotocols ${offered.join(', ') || '(none)'}; the stand-in speaks ${this.options.protocols.join(', ')}`)
    const argv = url.searchParams.getAll('command')
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.log.execs.push({ pod: `${namespace}/${name}`, argv, protocol })
      this.run(ws, pod, namespace, name, argv)
    })
  }

  private pickProtocol(offered: string[]): string | undefined {
    return this.options.protocols.find((protocol) => offered.includes(protocol))
  }

  /** The pod to exec in, or undefined once the upgrade was refused as the API server would. */
  private refusal(socket: Duplex, url: URL, namespace: string, name: string): PodRecord | undefined {
    // WebSocket exec is a GET; newer servers also require create on pods/exec.
    for (const verb of ['get', 'create']) {
      if (forbidden(this.options, verb, 'pods', 'exec')) {
        const error = forbiddenError(verb, 'pods', '', namespace, name, 'exec')
        return void refuseUpgrade(socket, 403, 'Forbidden', error.message, error.details)
      }
    }
    if (this.options.execRefusal) {
      return void refuseUpgrade(socket, this.options.execRefusal, 'InternalError', 'error dialing backend: dial tcp 127.0.0.1:10250: connect: connection refused')
    }
    const pod = this.store.namespaceMap.get(namespace)?.pods.get(name)
    if (!pod) return void refuseUpgrade(socket, 404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })
    const container = url.searchParams.get('container')
    if (container && container !== pod.object.spec.containers[0].name) {
      return void refuseUpgrade(socket, 400, 'BadRequest', `container ${container} is not valid for pod ${name}`)
    }
    if (pod.object.status.phase !== 'Running') return void refuseUpgrade(socket, 400, 'BadRequest', `unable to upgrade connection: container not found ("${container}")`)
    return pod
  }

  private run(ws: WebSocket, pod: PodRecord, namespace: string, name: string, argv: string[]): void {
    const host = pod.object.spec.hostNetwork === true
    const missing = this.options.missingPrograms
    const binKey = missing.join(',')
    let bin = this.bins.get(binKey)
    if (!bin) {
      bin = imageBin(IMAGE_PROGRAMS.filter((program) => !missing.includes(program)))
      this.bins.set(binKey, bin)
    }
    const session = runExec(ws, {
      argv, pod: name, bin: bin.dir, missing,
      network: { ip: '127.0.0.1', mtu: host ? this.options.hostMtu : this.options.podMtu, ifname: host ? 'ens5' : 'eth0', routeMtu: host ? null : this.options.podRouteMtu },
      killServerAfterListening: this.options.killServerAfterListening,
      answerProbe: (probe) => answerProbe(this.options, this.store, namespace, name, probe),
      identity: podIdentity(pod.object),
    })
    pod.sessions.add(session)
    this.idleTimeout(ws)
    if (session.serving) pod.serving = true
    void session.done.then(() => {
      pod.sessions.delete(session)
      if (session.serving) pod.serving = false
    })
  }

  /** Cuts a quiet exec stream like an idle load balancer: any frame either way rearms the timer. */
  private idleTimeout(ws: WebSocket): void {
    const idleMs = this.options.execIdleTimeoutMs
    if (idleMs === null) return
    let timer = setTimeout(() => ws.terminate(), idleMs)
    const rearm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => ws.terminate(), idleMs)
    }
    const send = ws.send.bind(ws)
    ws.send = ((...args: Parameters<typeof ws.send>) => { rearm(); return send(...args) }) as typeof ws.send
    ws.on('ping', rearm)
    ws.on('message', rearm)
    ws.on('close', () => clearTimeout(timer))
  }
}
