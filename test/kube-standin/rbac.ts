/**
 * The kube STAND-IN's RBAC: requests matching `options.forbid` are refused with the API server's
 * 403 message for that verb, resource and scope.
 */
import { HttpError } from './http.ts'
import { STANDIN_USER, type StandInOptions } from './options.ts'

export function forbidden(options: StandInOptions, verb: string, resource: string, subresource?: string): boolean {
  return options.forbid.some((rule) => rule.verb === verb && rule.resource === resource && (rule.subresource ?? '') === (subresource ?? ''))
}

export function forbiddenError(verb: string, resource: string, group: string, namespace: string | null, name: string | null, subresource?: string): HttpError {
  const full = subresource ? `${resource}/${subresource}` : resource
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope'
  return new HttpError(403, 'Forbidden', `${resource}${name ? ` "${name}"` : ''} is forbidden: User "${STANDIN_USER}" cannot ${verb} resource "${full}" in API group "${group}" ${scope}`, { name, kind: resource })
}

/** Throws the 403 when RBAC forbids `verb` on `resource`. */
export function check(options: StandInOptions, verb: string, resource: string, group: string, namespace: string | null, name: string | null): void {
  if (forbidden(options, verb, resource)) throw forbiddenError(verb, resource, group, namespace, name)
}
