import type { Between, EndpointKind, NetworkSpec, PolicyStep, Via } from '../../model.ts'
import type { LocalLab } from './lab.ts'
import { UNDERLAY_MTU } from './lab.ts'
import { pairOf, pairsOf, type LocalNetwork } from './pod-network.ts'
import type { LabServices } from './services.ts'

/** The no-overlay baseline: probes run in the node namespaces themselves. */
export function hostNetwork(lab: LocalLab, spec: NetworkSpec = { name: 'host', cni: 'host', options: {} }, services?: LabServices): LocalNetwork {
  return {
    name: spec.name,
    cni: 'host',
    spec,
    lab,
    pods: [],
    mtu: UNDERLAY_MTU,
    encapsulation: { kind: 'none' },
    policy: 'unsupported',
    birdSockets: {},
    setupMs: 0,
    runPolicy: async (step: PolicyStep, id: string) => ({
      id, network: spec.name, stepIndex: step.index, status: 'unsupported', error: null, enforcement: null, pods: [],
      policies: step.policies.map((policy) => `${policy.metadata.namespace}/${policy.metadata.name}`), matrix: [],
    }),
    // Services select the nodes as hostNetwork pods.
    pair: (between: Between, _endpoint?: EndpointKind, via?: Via) => pairOf(lab, [], between, 'host', via && via !== 'pod' ? { via, services } : undefined),
    pairs: (between: Between, _endpoint: EndpointKind | undefined, count: number) => pairsOf(lab, [], between, 'host', count),
    describe: () => ({ cni: 'host', mtu: UNDERLAY_MTU, encapsulation: 'none', policy: 'unsupported' }),
    async [Symbol.asyncDispose]() {
      await services?.remove()
    },
    // Its Service table and routes live in the node namespaces, which the lab's removal deletes.
    async abandon() {},
  }
}
