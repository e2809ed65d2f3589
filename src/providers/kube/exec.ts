/**
 * Runs a command in a pod through the API server's exec endpoint (WebSocket, `v5.channel.k8s.io`
 * or `v4.channel.k8s.io`: channel 1 stdout, 2 stderr, 3 the final Status as JSON).
 *
 * client-node's `Exec.exec` resolves as soon as the socket opens; the command has only ended when
 * the Status arrives on channel 3 (or, if the pod or connection goes away, when the socket closes
 * without one). `openExec` exposes both moments.
 */
import type { RequestOptions } from 'node:https'
import { PassThrough } from 'node:stream'
import { Exec, type KubeConfig } from '@kubernetes/client-node'
import WebSocket from 'ws'
import { NetbenchError } from '../../errors.ts'
import { RBAC_HINT, statusOf, type KubeStatus } from './errors.ts'

export interface PodRef {
  namespace: string
  pod: string
  container: string
}

/** How a command ended, from its Status (or the lack of one). */
export interface ExecOutcome {
  /** 0 on Success, the code of a NonZeroExitCode failure, null when the command did not run to an exit. */
  exitCode: number | null
  /** The Status message of a failure that is not an exit code (e.g. executable not found). */
  message: string | null
  reason: string | null
  /** The socket closed without a Status: the pod, the node or the connection went away. */
  lost: boolean
}

export interface ExecStream {
  readonly stdout: PassThrough
  readonly stderr: PassThrough
  /** The negotiated subprotocol (`v5.channel.k8s.io`, `v4.channel.k8s.io`, …). */
  readonly protocol: string
  /** Settles (never rejects) when the Status arrives or the socket closes. */
  readonly done: Promise<ExecOutcome>
  /** Closes the socket; the command may go on running in the pod (stop it first). */
  close(): void
}

export interface OpenExecOptions {
  handshakeTimeoutMs?: number
}

/** Reads the exit code out of a Status the way kubectl does (`details.causes[reason=ExitCode]`). */
export function outcomeOf(status: KubeStatus): ExecOutcome {
  if (status.status === 'Success') return { exitCode: 0, message: null, reason: null, lost: false }
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((entry) => entry.reason === 'ExitCode')
    const code = Number(cause?.message)
    if (Number.isInteger(code)) return { exitCode: code, message: null, reason: status.reason, lost: false }
  }
  return { exitCode: null, message: status.message ?? 'the command failed', reason: status.reason ?? null, lost: false }
}

/** The error a refused exec upgrade becomes: 403 names the verb and resource, 404 the pod. */
export function execRefused(ref: PodRef, httpStatus: number, body: string): NetbenchError {
  const status = statusOf({ body })
  const message = status?.message?.split('\n')[0]
  if (httpStatus === 403) {
    return new NetbenchError('PROVIDER', message ?? `exec into pod ${ref.pod} in namespace ${ref.namespace} is forbidden: the user may not create pods/exec`, { hint: RBAC_HINT })
  }
  if (httpStatus === 404) {
    return new NetbenchError('PROVIDER', `exec into pod ${ref.pod}: ${message ?? 'the pod does not exist'}`, { hint: 'the pod was deleted (the run was interrupted or the namespace removed)' })
  }
  return new NetbenchError('PROVIDER', `exec into pod ${ref.pod} refused with HTTP ${httpStatus}${message ? `: ${message}` : ''}`, {
    hint: httpStatus === 400 ? 'the container is not running' : 'check the API server and the kubelet of that node',
  })
}

/**
 * WebSocket pings on every exec stream: a quiet one (iperf3 --json prints only at the end) would
 * otherwise be cut by idle timeouts of load balancers and proxies in front of the API server
 * (AWS NLB 350 s, many at 60 s). Mutable so tests can shorten it.
 */
export const execKeepalive = { intervalMs: 20_000 }

/** The channel protocols whose Status (channel 3) is JSON; v5 adds half-close of stdin. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const
const CLOSE_CHANNEL = 255

/** client-node's socket seam (`WebSocketInterface`, not exported by name). */
type WebSocketInterface = NonNullable<ConstructorParameters<typeof Exec>[1]>

/**
 * The socket side of client-node's Exec: TLS and credentials from the kubeconfig, only the
 * channel protocols we understand, and the Status body of a refused upgrade (403, 404) kept.
 */
class ExecSocket implements WebSocketInterface {
  constructor(private readonly config: KubeConfig, private readonly ref: PodRef, private readonly handshakeTimeoutMs: number) {}

  async connect(path: string, _text: unknown, binaryHandler: ((channel: number, data: Buffer) => boolean) | null): Promise<never> {
    const cluster = this.config.getCurrentCluster()
    if (!cluster) throw new NetbenchError('PROVIDER', 'the kube context names no cluster', { hint: 'fix the context in the kubeconfig' })
    const options: RequestOptions = {}
    await this.config.applyToHTTPSOptions(options)
    const url = cluster.server.replace(/^http/, 'ws').replace(/\/+$/, '') + path
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, [...EXEC_PROTOCOLS], { ...options as WebSocket.ClientOptions, handshakeTimeout: this.handshakeTimeoutMs })
      let opened = false
      ws.on('unexpected-response', (request, response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => { if (body.length < 64 * 1024) body += chunk })
        response.on('error', () => undefined)
        response.on('end', () => {
          reject(execRefused(this.ref, response.statusCode ?? 0, body))
          request.destroy()
        })
      })
      ws.on('error', (error) => { if (!opened) reject(error) })
      ws.once('open', () => {
        opened = true
        if (execKeepalive.intervalMs > 0) {
          const keepalive = setInterval(() => { if (ws.readyState === WebSocket.OPEN) ws.ping() }, execKeepalive.intervalMs)
          keepalive.unref()
          ws.once('close', () => clearInterval(keepalive))
        }
        resolve(ws as never)
      })
      ws.on('message', (data: WebSocket.RawData) => {
        const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
        if (buffer.length === 0 || !binaryHandler) return
        const channel = buffer[0]!
        // v5: the server half-closed a stream; its end is implied by the Status that follows.
        if (channel === CLOSE_CHANNEL) return
        try {
          if (!binaryHandler(channel, buffer.subarray(1))) ws.close()
        } catch {
          // An unknown channel or a malformed Status: end the session rather than the process.
          ws.close()
        }
      })
    })
  }
}

export async function openExec(config: KubeConfig, ref: PodRef, argv: readonly string[], options: OpenExecOptions = {}): Promise<ExecStream> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  // A frame after the Status would be a write after end: never let that crash the run.
  stdout.on('error', () => undefined)
  stderr.on('error', () => undefined)
  let settle!: (outcome: ExecOutcome) => void
  const done = new Promise<ExecOutcome>((resolve) => { settle = resolve })
  let settled = false
  const finish = (outcome: ExecOutcome) => {
    if (settled) return
    settled = true
    stdout.end()
    stderr.end()
    settle(outcome)
  }
  const socket = new ExecSocket(config, ref, options.handshakeTimeoutMs ?? 30_000)
  const opened = await new Exec(config, socket).exec(
    ref.namespace, ref.pod, ref.container, [...argv], stdout, stderr, null, false,
    (status) => finish(outcomeOf(status as KubeStatus)),
  ) as unknown as WebSocket
  opened.on('close', () => finish({ exitCode: null, message: 'the exec stream closed without a status (pod deleted or connection lost)', reason: null, lost: true }))
  opened.on('error', () => undefined)
  return {
    stdout, stderr, done,
    protocol: opened.protocol,
    close: () => {
      if (opened.readyState === WebSocket.OPEN || opened.readyState === WebSocket.CONNECTING) opened.close()
    },
  }
}

/** Runs a short command to its end and collects its output (MTU reads, version checks, kills). */
export async function execToEnd(config: KubeConfig, ref: PodRef, argv: readonly string[], timeoutMs = 30_000): Promise<ExecOutcome & { stdout: string; stderr: string }> {
  const stream = await openExec(config, ref, argv)
  let stdout = ''
  let stderr = ''
  stream.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  stream.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  let timer: NodeJS.Timeout | undefined
  const outcome = await Promise.race([
    stream.done,
    new Promise<ExecOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ exitCode: null, message: `no status within ${timeoutMs / 1000} s`, reason: 'Timeout', lost: true }), timeoutMs)
    }),
  ])
  clearTimeout(timer)
  stream.close()
  return { ...outcome, stdout, stderr }
}
