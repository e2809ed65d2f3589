/**
 * What a result records about a cluster: the API server version, each node's OS, kernel,
 * runtime and instance type, and which CNI runs it (recognised from its DaemonSet and image tag).
 */
import type { V1DaemonSet, V1Node } from '@kubernetes/client-node'
import { INSTANCE_TYPE_LABEL, ZONE_LABEL } from './placement.ts'

export interface NodeFacts {
  name: string
  zone: string | null
  instanceType: string | null
  os: string | null
  kernel: string | null
  runtime: string | null
  kubelet: string | null
  arch: string | null
}

export interface CniFacts {
  /** flannel, calico, canal, weave, cilium, … or `unknown`. */
  name: string
  version: string | null
  /** Where it was recognised: `kube-system/calico-node (calico/node:v3.28.0)`. */
  source: string | null
}

export function nodeFacts(node: V1Node): NodeFacts {
  const labels = node.metadata?.labels ?? {}
  const info = node.status?.nodeInfo
  return {
    name: node.metadata?.name ?? '?',
    zone: labels[ZONE_LABEL] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? null,
    instanceType: labels[INSTANCE_TYPE_LABEL] ?? labels['beta.kubernetes.io/instance-type'] ?? null,
    os: info?.osImage ?? null,
    kernel: info?.kernelVersion ?? null,
    runtime: info?.containerRuntimeVersion ?? null,
    kubelet: info?.kubeletVersion ?? null,
    arch: info?.architecture ?? null,
  }
}

interface Signature {
  cni: string
  daemonset: RegExp
  /** The container whose image tag is the CNI's version. */
  image?: RegExp
}

/** First match wins: canal before calico and flannel, whose containers it carries. */
const SIGNATURES: readonly Signature[] = [
  { cni: 'canal', daemonset: /^canal$/, image: /calico\/node|calico-node/ },
  { cni: 'cilium', daemonset: /^cilium$/, image: /cilium\/cilium/ },
  { cni: 'cilium (GKE Dataplane V2)', daemonset: /^anetd$/ },
  { cni: 'calico', daemonset: /^calico-node$/, image: /calico\/node|calico-node/ },
  { cni: 'weave', daemonset: /^weave-net$/, image: /weave-kube/ },
  { cni: 'flannel', daemonset: /flannel/, image: /(^|\/)(flannel|mirrored-flannelcni-flannel)(:|@|$)/ },
  { cni: 'aws-vpc-cni', daemonset: /^aws-node$/, image: /amazon-k8s-cni(?!-init)/ },
  { cni: 'azure-cni', daemonset: /^azure-cns$/ },
  { cni: 'antrea', daemonset: /^antrea-agent$/, image: /antrea/ },
  { cni: 'kube-router', daemonset: /^kube-router$/, image: /kube-router/ },
  { cni: 'ovn-kubernetes', daemonset: /^ovnkube-node$/ },
  { cni: 'romana', daemonset: /romana-agent/ },
  { cni: 'kindnet', daemonset: /^kindnet$/, image: /kindnet/ },
]

/** `quay.io/cilium/cilium:v1.15.5@sha256:…` → `v1.15.5`; null when the image has no tag. */
export function imageTag(image: string): string | null {
  const withoutDigest = image.split('@')[0]!
  const lastSlash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.lastIndexOf(':')
  return colon > lastSlash ? withoutDigest.slice(colon + 1) : null
}

/**
 * Cloud datapaths that run next to Calico in its policy-only mode (EKS and AKS network policy,
 * GKE Dataplane V1 is not recognisable by a DaemonSet): the datapath is what carries the packets.
 */
const CLOUD_DATAPATHS = new Set(['aws-vpc-cni', 'azure-cni', 'cilium (GKE Dataplane V2)'])

function recognised(signature: Signature, ds: V1DaemonSet): CniFacts {
  const containers = [...ds.spec?.template.spec?.containers ?? []]
  const container = (signature.image && containers.find((entry) => signature.image!.test(entry.image ?? ''))) || containers[0]
  const image = container?.image ?? null
  return {
    name: signature.cni,
    version: image ? imageTag(image) : null,
    source: `${ds.metadata?.namespace ?? '?'}/${ds.metadata?.name ?? '?'}${image ? ` (${image})` : ''}`,
  }
}

export function detectCni(daemonsets: readonly V1DaemonSet[], nodes: readonly V1Node[]): CniFacts {
  const found = SIGNATURES.flatMap((signature) => {
    const ds = daemonsets.find((entry) => signature.daemonset.test(entry.metadata?.name ?? ''))
    return ds ? [recognised(signature, ds)] : []
  })
  const datapath = found.find((facts) => CLOUD_DATAPATHS.has(facts.name))
  const policy = found.find((facts) => facts.name === 'calico')
  if (datapath && policy) return { ...datapath, source: `${datapath.source}; NetworkPolicy by ${policy.source}` }
  if (found[0]) return found[0]
  // k3s runs flannel inside its own process: no DaemonSet, but flannel annotates the nodes.
  const backend = nodes.map((node) => node.metadata?.annotations?.['flannel.alpha.coreos.com/backend-type']).find(Boolean)
  if (backend) {
    const k3s = nodes.map((node) => node.status?.nodeInfo?.kubeletVersion ?? '').find((version) => version.includes('+k3s'))
    return { name: 'flannel', version: null, source: `embedded${k3s ? ` in k3s ${k3s}` : ''} (backend ${backend})` }
  }
  return { name: 'unknown', version: null, source: null }
}
