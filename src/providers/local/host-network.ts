import type { Between, EndpointKind, NetworkSpec, PolicyStep } from '../../model.ts'
import type { LocalLab } from './lab.ts'
import { UNDERLAY_MTU } from './lab.ts'
import { pairOf, type LocalNetwork } from './pod-network.ts'

/** The no-overlay baseline: probes run in the node namespaces themselves. */
export function hostNetwork(lab: LocalLab, spec: NetworkSpec = { name: 'host', cni: 'host', options: {} }): LocalNetwork {
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
    pair: (between: Between, _endpoint?: EndpointKind) => pairOf(lab, [], between, 'host'),
    describe: () => ({ cni: 'host', mtu: UNDERLAY_MTU, encapsulation: 'none', policy: 'unsupported' }),
    async [Symbol.asyncDispose]() {},
    async abandon() {},
  }
}
