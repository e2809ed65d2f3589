/**
 * A policy step as its pods see it at one phase (0: as first applied; k: after update k), with
 * `{pod}/N` ipBlock CIDRs resolved to the pod's address masked to N bits — known only once the
 * pods have addresses (on a real cluster, once they run).
 */
import type { NetworkPolicy, PolicyState, PolicyStep } from '../../model.ts'
import { POD_CIDR } from './network-policy.ts'
import type { PolicyPod } from './network-policy.ts'

export interface PhaseView<P extends PolicyPod> {
  phase: number
  policies: NetworkPolicy[]
  namespaces: Record<string, Record<string, string>>
  /** The placed pods with their labels at this phase. */
  pods: P[]
}

function maskedCidr(ip: string, bits: number): string {
  const value = ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0)
  const size = 2 ** (32 - bits)
  const base = Math.floor(value / size) * size
  return `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.')}/${bits}`
}

/** Replaces `{pod}/N` in every ipBlock with the pod's network; other CIDRs are left as written. */
export function resolvePolicies(policies: readonly NetworkPolicy[], ipOf: (pod: string) => string): NetworkPolicy[] {
  const resolve = (cidr: string) => {
    const match = POD_CIDR.exec(cidr)
    return match ? maskedCidr(ipOf(match[1]!), Number(match[2])) : cidr
  }
  return policies.map((policy) => {
    const copy = structuredClone(policy)
    for (const peer of [...(copy.spec.ingress ?? []).flatMap((rule) => rule.from ?? []), ...(copy.spec.egress ?? []).flatMap((rule) => rule.to ?? [])]) {
      if (peer.ipBlock) peer.ipBlock = { cidr: resolve(peer.ipBlock.cidr), ...peer.ipBlock.except ? { except: peer.ipBlock.except.map(resolve) } : {} }
    }
    return copy
  })
}

/** Phase 0 and every update, each with resolved policies and the pods' labels of that phase. */
export function stepPhases<P extends PolicyPod>(step: PolicyStep, pods: readonly P[]): PhaseView<P>[] {
  const ipOf = (name: string) => pods.find((pod) => pod.name === name)!.ip
  const initial: PolicyState = { policies: step.policies, labels: Object.fromEntries(step.pods.map((pod) => [pod.name, pod.labels])), namespaces: step.namespaces }
  return [initial, ...step.updates].map((state, phase) => ({
    phase,
    policies: resolvePolicies(state.policies, ipOf),
    namespaces: state.namespaces,
    pods: pods.map((pod) => ({ ...pod, labels: state.labels[pod.name] ?? pod.labels })),
  }))
}

/** Every policy the step applies at some phase, as `namespace/name`, in first-use order. */
export function stepPolicyNames(step: PolicyStep): string[] {
  return [...new Set([step.policies, ...step.updates.map((state) => state.policies)].flat().map((policy) => `${policy.metadata.namespace}/${policy.metadata.name}`))]
}
