/**
 * Every lab object carries `nb` + a 4-character run id, so cleanup can find a run's objects and
 * two runs never collide. Interface names must fit in 15 characters: `nb` + id + role ≤ 15.
 */
const NAMESPACE_PATTERN = /^nb([a-z0-9]{4})-[a-z0-9-]+$/

export function prefix(runId: string): string {
  return `nb${runId}`
}

export function namespaceName(runId: string, role: string): string {
  return `${prefix(runId)}-${role}`
}

/** The run id a namespace belongs to, or undefined when it is not one of ours. */
export function runIdOfNamespace(name: string): string | undefined {
  return NAMESPACE_PATTERN.exec(name)?.[1]
}

export function nodeName(index: number): string {
  return `n${index + 1}`
}

/** Zones are lettered like cloud availability zones: a, b, c… */
export function zoneName(index: number): string {
  return String.fromCharCode(97 + index)
}
