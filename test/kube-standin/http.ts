/**
 * The kube STAND-IN's wire basics: Kubernetes Status bodies for errors, JSON request bodies and
 * JSON replies, and the raw HTTP refusal of a WebSocket upgrade.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

export type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** A request the stand-in refuses: becomes a Status body with this code and reason. */
export class HttpError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: Json) {
    super(message)
  }
}

export function statusBody(code: number, reason: string, message: string, details?: Json): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...details ? { details } : {}, code }
}

export async function readJson(request: IncomingMessage): Promise<Json> {
  let text = ''
  for await (const chunk of request) text += String(chunk)
  try {
    return text ? JSON.parse(text) as Json : {}
  } catch {
    throw new HttpError(400, 'BadRequest', 'the body is not JSON')
  }
}

export function reply(response: ServerResponse, code: number, body: Json): void {
  const text = JSON.stringify(body)
  response.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  response.end(text)
}

/** Refuses a WebSocket upgrade with a Status body, as the API server answers before upgrading. */
export function refuseUpgrade(socket: Duplex, code: number, reason: string, message: string, details?: Json): void {
  const text = JSON.stringify(statusBody(code, reason, message, details))
  const phrase = ({ 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' } as Record<number, string>)[code] ?? 'Error'
  socket.end(`HTTP/1.1 ${code} ${phrase}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`)
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z')
}
