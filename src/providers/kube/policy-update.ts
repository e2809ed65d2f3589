/**
 * A policy step's update on a running cluster, as a user (or a GitOps tool) changes a live
 * namespace: NetworkPolicies created, replaced in place or deleted by name, pod and namespace
 * labels patched — the pods and their probe servers stay, so the CNI's update path is what runs.
 */
import type { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node'
import type { NetworkPolicy } from '../../model.ts'
import type { PhaseView } from '../../tools/connect/phases.ts'
import type { PolicyPod } from '../../tools/connect/network-policy.ts'
import { networkPolicyManifest } from './manifests.ts'
import type { KubeTarget } from './cluster-client.ts'

const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name'
const pointer = (key: string) => `/metadata/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`

/** JSON-patch operations turning one label set into another (other labels are left alone). */
export function labelPatch(before: Record<string, string>, after: Record<string, string>): Array<{ op: 'add' | 'remove'; path: string; value?: string }> {
  return [
    ...Object.keys(before).filter((key) => !(key in after)).map((key) => ({ op: 'remove' as const, path: pointer(key) })),
    ...Object.entries(after).filter(([key, value]) => before[key] !== value).map(([key, value]) => ({ op: 'add' as const, path: pointer(key), value })),
  ]
}

export interface UpdateContext {
  target: KubeTarget
  networking: NetworkingV1Api
  runId: string
  kubeNamespace(name: string): string
  /** The pod's name in the cluster. */
  kubePod(name: string): string
}

const key = (policy: NetworkPolicy) => `${policy.metadata.namespace}/${policy.metadata.name}`

/** Applies what changed from `before` to `after`: labels first, then policies. */
export async function applyPolicyUpdate(context: UpdateContext, before: PhaseView<PolicyPod>, after: PhaseView<PolicyPod>): Promise<void> {
  const { target, networking } = context
  const core: CoreV1Api = target.core
  for (const pod of after.pods) {
    const body = labelPatch(before.pods.find((old) => old.name === pod.name)!.labels, pod.labels)
    if (body.length) await target.call(`relabelling policy pod ${pod.name}`, () => core.patchNamespacedPod({ name: context.kubePod(pod.name), namespace: context.kubeNamespace(pod.namespace), body }))
  }
  for (const [name, labels] of Object.entries(after.namespaces)) {
    const strip = (all: Record<string, string>) => Object.fromEntries(Object.entries(all).filter(([label]) => label !== METADATA_NAME_LABEL))
    const body = labelPatch(strip(before.namespaces[name] ?? {}), strip(labels))
    if (body.length) await target.call(`relabelling namespace ${name}`, () => core.patchNamespace({ name: context.kubeNamespace(name), body }))
  }
  const previous = new Map(before.policies.map((policy) => [key(policy), policy]))
  for (const policy of after.policies) {
    const old = previous.get(key(policy))
    previous.delete(key(policy))
    if (old && JSON.stringify(old) === JSON.stringify(policy)) continue
    const body = networkPolicyManifest(policy, context.kubeNamespace(policy.metadata.namespace), context.runId)
    const namespace = body.metadata!.namespace!
    await target.call(`${old ? 'updating' : 'creating'} NetworkPolicy ${key(policy)}`, () => old
      ? networking.replaceNamespacedNetworkPolicy({ name: policy.metadata.name, namespace, body })
      : networking.createNamespacedNetworkPolicy({ namespace, body }))
  }
  for (const policy of previous.values()) {
    await target.call(`deleting NetworkPolicy ${key(policy)}`, () => networking.deleteNamespacedNetworkPolicy({ name: policy.metadata.name, namespace: context.kubeNamespace(policy.metadata.namespace) }))
  }
}
