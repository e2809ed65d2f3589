/**
 * The kube STAND-IN's object validation: names and labels as the API server checks them, and the
 * Kubernetes OpenAPI schema (kubernetes-models), refused with 422 like a real server would.
 */
import { HttpError, type Json } from './http.ts'

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/

export function validateMeta(meta: Json | undefined, kind: string): void {
  const name = meta?.name
  if (typeof name !== 'string' || name.length > 63 || !DNS_LABEL.test(name)) {
    throw new HttpError(422, 'Invalid', `${kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`)
  }
  for (const [key, value] of Object.entries((meta?.labels ?? {}) as Record<string, unknown>)) {
    if (!LABEL_KEY.test(key) || typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      throw new HttpError(422, 'Invalid', `${kind} "${name}" is invalid: metadata.labels: Invalid value: "${key}=${String(value)}"`)
    }
  }
}

export function validateModel(model: { validate(): void }, kind: string, name: unknown): void {
  try {
    model.validate()
  } catch (error) {
    throw new HttpError(422, 'Invalid', `${kind} "${String(name)}" is invalid: ${(error as Error).message.split('\n')[0]}`)
  }
}

