/**
 * The kube STAND-IN's "CNI" on the wire: netbench's connectivity probe, run in a pod, is answered
 * here from the stored NetworkPolicies (policy.ts decides), the nodes' firewalls and whether the
 * target pod's probe server runs. Every pod's IP is 127.0.0.1, so nothing is really filtered.
 */
import type { PolicyProbe } from './exec.ts'
import type { StandInOptions } from './options.ts'
import { standInAllows } from './policy.ts'
import type { PodRecord, StandInStore } from './store.ts'

interface Located { namespace: string; pod: PodRecord }

function asPod(entry: Located) {
  return {
    namespace: entry.namespace, labels: entry.pod.object.metadata.labels as Record<string, string>,
    containerPorts: ((entry.pod.object.spec?.containers?.[0]?.ports ?? []) as Array<{ name?: string; containerPort: number; protocol?: string }>),
  }
}

/** The probe's output line: one result per target, each port allowed, blocked or refused. */
export function answerProbe(options: StandInOptions, store: StandInStore, fromNamespace: string, fromPod: string, probe: PolicyProbe): string {
  const run = fromNamespace.split('-').slice(0, 2).join('-')
  const pods: Located[] = [...store.namespaceMap.entries()].filter(([name]) => name.startsWith(run)).flatMap(([namespace, record]) =>
    [...record.pods.values()].map((pod) => ({ namespace, pod })))
  const self = pods.find((entry) => entry.namespace === fromNamespace && entry.pod.object.metadata.name === fromPod)!
  const namespaceLabels = (name: string) => (store.namespaceMap.get(name)?.object.metadata.labels ?? {}) as Record<string, string>
  const policies = store.programmedPolicies()
  return JSON.stringify(probe.targets.map((target) => {
    // Targets are named by netbench's policy-pod label or the pod's name: every pod's IP is 127.0.0.1 here.
    const to = pods.find((entry) => entry.pod.object.metadata.labels?.['netbench.io/policy-pod'] === target.name || entry.pod.object.metadata.name === target.name)
    const outcome = (protocol: 'tcp' | 'udp', port: number) => {
      const node = to?.pod.object.spec.nodeName
      if (options.firewall.some((rule) => rule.node === node && rule.port === port && rule.protocol === protocol)) return 'blocked'
      if (!to || !to.pod.serving) return protocol === 'tcp' ? 'refused' : 'blocked'
      // A pod reaching its own IP never leaves it: no NetworkPolicy applies.
      if (to === self) return 'allowed'
      if (standInAllows(options.policyEnforcement, policies, asPod(self), asPod(to), protocol, port, namespaceLabels)) return 'allowed'
      return protocol === 'tcp' && options.policyRejects ? 'refused' : 'blocked'
    }
    const each = (protocol: 'tcp' | 'udp', ports: number[]) => Object.fromEntries(ports.map((port) => [port, outcome(protocol, port)]))
    return { name: target.name, tcp: each('tcp', probe.tcpPorts), udp: each('udp', probe.udpPorts) }
  })) + '\n'
}
