/**
 * The kube STAND-IN's read-only cluster objects: Nodes (zone, instance type, OS, architecture,
 * taints, readiness) and DaemonSets (what netbench recognises the CNI by), as the API serves them.
 */
import { now, type Json } from './http.ts'
import type { StandInDaemonSet, StandInNode } from './options.ts'

export function nodeObject(node: StandInNode, version: string): Json {
  const os = node.os ?? 'linux'
  const arch = node.arch ?? 'amd64'
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': node.name, 'kubernetes.io/os': os, 'kubernetes.io/arch': arch,
  }
  if (node.zone) labels['topology.kubernetes.io/zone'] = node.zone
  if (node.instanceType) labels['node.kubernetes.io/instance-type'] = node.instanceType
  if (node.tainted) labels['node-role.kubernetes.io/control-plane'] = ''
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: node.name, uid: `uid-${node.name}`, labels, creationTimestamp: '2024-06-11T00:00:00Z' },
    spec: {
      ...node.cordoned ? { unschedulable: true } : {},
      ...node.tainted ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
    },
    status: {
      conditions: [{ type: 'Ready', status: node.ready === false ? 'False' : 'True', reason: node.ready === false ? 'KubeletNotReady' : 'KubeletReady', lastHeartbeatTime: now(), lastTransitionTime: now() }],
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: node.name }],
      nodeInfo: {
        machineID: 'standin', systemUUID: 'standin', bootID: 'standin',
        kernelVersion: os === 'windows' ? '10.0.20348.2527' : `6.1.0-standin-${arch}`, osImage: os === 'windows' ? 'Windows Server 2022 Datacenter' : 'Stand-in Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.18', kubeletVersion: version, kubeProxyVersion: version,
        operatingSystem: os, architecture: arch,
      },
    },
  }
}

export function daemonSetObject(ds: StandInDaemonSet): Json {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name: ds.name, namespace: ds.namespace, uid: `uid-${ds.name}` },
    spec: {
      selector: { matchLabels: { 'k8s-app': ds.name } },
      template: { metadata: { labels: { 'k8s-app': ds.name } }, spec: { containers: [{ name: ds.name, image: ds.image }] } },
    },
    status: { currentNumberScheduled: 3, desiredNumberScheduled: 3, numberMisscheduled: 0, numberReady: 3 },
  }
}
