import { describe, expect, test } from 'vitest'
import type { V1DaemonSet, V1Node } from '@kubernetes/client-node'
import { detectCni, imageTag, nodeFacts } from './environment.ts'

const ds = (namespace: string, name: string, ...images: string[]): V1DaemonSet => ({
  metadata: { namespace, name },
  spec: { selector: {}, template: { spec: { containers: images.map((image, index) => ({ name: `c${index}`, image })) } } },
})
const kubeProxy = ds('kube-system', 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.30.2')

describe('CNI detection from DaemonSets', () => {
  test('EKS with Calico network policy: the datapath is the VPC CNI, Calico only enforces policy', () => {
    const cni = detectCni([kubeProxy, ds('calico-system', 'calico-node', 'quay.io/tigera/calico-node:v3.28.0'), ds('kube-system', 'aws-node', '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.1')], [])
    expect(cni).toEqual({ name: 'aws-vpc-cni', version: 'v1.18.1', source: 'kube-system/aws-node (602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.1); NetworkPolicy by calico-system/calico-node (quay.io/tigera/calico-node:v3.28.0)' })
  })
  test.each([
    ['calico', [ds('kube-system', 'calico-node', 'docker.io/calico/node:v3.28.0')], 'calico', 'v3.28.0'],
    ['calico (operator install)', [ds('calico-system', 'calico-node', 'quay.io/tigera/calico-node:v3.27.3')], 'calico', 'v3.27.3'],
    ['canal carries calico and flannel', [ds('kube-system', 'canal', 'docker.io/calico/cni:v3.28.0', 'docker.io/calico/node:v3.28.0', 'quay.io/coreos/flannel:v0.15.1')], 'canal', 'v3.28.0'],
    ['cilium with a digest', [ds('kube-system', 'cilium', 'quay.io/cilium/cilium:v1.15.5@sha256:4ce1666a73815101ec9a4d360af6c5b7f1193ab00d89b7124f8505dee147ca40')], 'cilium', 'v1.15.5'],
    ['flannel', [ds('kube-flannel', 'kube-flannel-ds', 'docker.io/flannel/flannel-cni-plugin:v1.4.1-flannel1', 'docker.io/flannel/flannel:v0.25.4')], 'flannel', 'v0.25.4'],
    ['weave', [ds('kube-system', 'weave-net', 'ghcr.io/weaveworks/launcher/weave-kube:2.8.1', 'ghcr.io/weaveworks/launcher/weave-npc:2.8.1')], 'weave', '2.8.1'],
    ['AWS VPC CNI', [ds('kube-system', 'aws-node', '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni-init:v1.18.1', '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.1')], 'aws-vpc-cni', 'v1.18.1'],
  ])('%s', (_, daemonsets, name, version) => {
    const cni = detectCni([kubeProxy, ...daemonsets], [])
    expect(cni).toMatchObject({ name, version })
    expect(cni.source).toContain(daemonsets[0]!.metadata!.name!)
  })

  test('k3s runs flannel in its own process: recognised from the node annotation', () => {
    const node = { metadata: { name: 'k3s-server', annotations: { 'flannel.alpha.coreos.com/backend-type': 'vxlan' } }, status: { nodeInfo: { kubeletVersion: 'v1.31.4+k3s1' } } } as unknown as V1Node
    expect(detectCni([], [node])).toEqual({ name: 'flannel', version: null, source: 'embedded in k3s v1.31.4+k3s1 (backend vxlan)' })
  })

  test('nothing recognisable', () => {
    expect(detectCni([kubeProxy], [])).toEqual({ name: 'unknown', version: null, source: null })
  })

  test('image tags', () => {
    expect(imageTag('localhost:5000/calico/node')).toBeNull()
    expect(imageTag('localhost:5000/calico/node:v3')).toBe('v3')
    expect(imageTag('calico/node@sha256:abc')).toBeNull()
  })
})

test('node facts: OS, kernel, runtime and instance type for the result', () => {
  const node: V1Node = {
    metadata: { name: 'ip-10-0-1-5', labels: { 'topology.kubernetes.io/zone': 'eu-west-1b', 'node.kubernetes.io/instance-type': 'm5.xlarge' } },
    status: { nodeInfo: { osImage: 'Amazon Linux 2023', kernelVersion: '6.1.92-99.174.amzn2023.x86_64', containerRuntimeVersion: 'containerd://1.7.11', kubeletVersion: 'v1.30.0-eks-036c24b', architecture: 'amd64', bootID: '', machineID: '', systemUUID: '', kubeProxyVersion: '', operatingSystem: 'linux' } },
  }
  expect(nodeFacts(node)).toEqual({ name: 'ip-10-0-1-5', zone: 'eu-west-1b', instanceType: 'm5.xlarge', os: 'Amazon Linux 2023', kernel: '6.1.92-99.174.amzn2023.x86_64', runtime: 'containerd://1.7.11', kubelet: 'v1.30.0-eks-036c24b', arch: 'amd64' })
})
