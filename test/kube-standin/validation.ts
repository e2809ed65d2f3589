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


/** DNS-1035 label (k8s.io/apimachinery validation.IsDNS1035Label): what a Service's name must be. */
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
/** IANA_SVC_NAME: what a named targetPort must be (at most 15 characters, a letter among them). */
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const
const PORT_RANGE = 'must be between 1 and 65535, inclusive'

const validPort = (port: unknown) => Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535

function validateTargetPort(port: Json, at: string): string[] {
  const target = port.targetPort
  if (target === undefined) return []
  if (typeof target === 'number') return validPort(target) ? [] : [`${at}.targetPort: Invalid value: ${target}: ${PORT_RANGE}`]
  const name = String(target)
  return name.length <= 15 && IANA_SVC_NAME.test(name) && /[a-z]/.test(name) && !name.includes('--') ? [] : [`${at}.targetPort: Invalid value: "${name}": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), at most 15 characters, at least one letter`]
}

/** One port's own field errors (pkg/apis/core/validation validateServicePort). */
function validateServicePort(port: Json, index: number, requireName: boolean, type: string): string[] {
  const at = `spec.ports[${index}]`
  const errors: string[] = []
  if (requireName && !port.name) errors.push(`${at}.name: Required value`)
  else if (port.name && (port.name.length > 63 || !DNS_LABEL.test(port.name))) errors.push(`${at}.name: Invalid value: "${port.name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`)
  if (!validPort(port.port)) errors.push(`${at}.port: Invalid value: ${port.port}: ${PORT_RANGE}`)
  if (!(PROTOCOLS as readonly string[]).includes(port.protocol)) errors.push(`${at}.protocol: Unsupported value: "${port.protocol}": supported values: "SCTP", "TCP", "UDP"`)
  errors.push(...validateTargetPort(port, at))
  if (port.nodePort !== undefined && type === 'ClusterIP') errors.push(`${at}.nodePort: Forbidden: may not be used when \`type\` is 'ClusterIP'`)
  return errors
}

/** Names unique, (port, protocol) unique, (nodePort, protocol) unique within the Service. */
function validateUniqueness(ports: Json[]): string[] {
  const errors: string[] = []
  const names = new Set<string>()
  const portKeys = new Set<string>()
  const nodePortKeys = new Set<string>()
  ports.forEach((port, index) => {
    if (port.name && names.has(port.name)) errors.push(`spec.ports[${index}].name: Duplicate value: "${port.name}"`)
    names.add(port.name)
    const key = `${port.port}/${port.protocol}`
    if (portKeys.has(key)) errors.push(`spec.ports[${index}]: Duplicate value: "${key}"`)
    portKeys.add(key)
    if (port.nodePort === undefined) return
    const nodeKey = `${port.nodePort}/${port.protocol}`
    if (nodePortKeys.has(nodeKey)) errors.push(`spec.ports[${index}].nodePort: Duplicate value: "${nodeKey}"`)
    nodePortKeys.add(nodeKey)
  })
  return errors
}

/**
 * A Service as the API server's validation sees it (after defaulting protocol TCP and type
 * ClusterIP): a DNS-1035 name, the type, and every port. Refused with 422 and the server's
 * field errors, `[…, …]` when there are several.
 */
export function validateService(body: Json): void {
  const name = body.metadata?.name
  const errors: string[] = []
  if (typeof name !== 'string' || name.length > 63 || !DNS_1035.test(name)) {
    errors.push(`metadata.name: Invalid value: "${name}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`)
  }
  const spec = body.spec ?? {}
  if (!(SERVICE_TYPES as readonly string[]).includes(spec.type)) errors.push(`spec.type: Unsupported value: "${spec.type}": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`)
  const ports = (spec.ports ?? []) as Json[]
  if (!ports.length && spec.type !== 'ExternalName') errors.push('spec.ports: Required value')
  ports.forEach((port, index) => errors.push(...validateServicePort(port, index, ports.length > 1, spec.type)))
  errors.push(...validateUniqueness(ports))
  for (const [key, value] of Object.entries((spec.selector ?? {}) as Record<string, unknown>)) {
    if (!LABEL_KEY.test(key) || typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) errors.push(`spec.selector: Invalid value: "${key}=${String(value)}"`)
  }
  if (errors.length) throw invalidService(name, errors)
}

export function invalidService(name: unknown, errors: readonly string[]): HttpError {
  return new HttpError(422, 'Invalid', `Service "${String(name)}" is invalid: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`, { name, kind: 'Service' })
}
