import { NetbenchError } from '../../errors.ts'
import type { Between } from '../../suites/model.ts'
import type { EndpointPair, Network } from '../types.ts'
import type { Lab } from './lab.ts'
import { UNDERLAY_MTU } from './lab.ts'
import { pickNodePair } from './placement.ts'

/** The no-overlay baseline: probes run in the node namespaces themselves. */
export function hostNetwork(lab: Lab): Network {
  return {
    name: 'host',
    setupMs: 0,
    pair(between: Between): EndpointPair {
      if (between === 'same-node') {
        throw new NetbenchError('SUITE_INVALID', 'the host network has one endpoint per node, so between: same-node has nothing to measure', {
          hint: 'use between: nodes or zones for host',
        })
      }
      const [client, server] = pickNodePair(lab.nodes, between)
      return { client: client.endpoint, server: server.endpoint }
    },
    describe: () => ({ mtu: UNDERLAY_MTU, encapsulation: 'none' }),
    async [Symbol.asyncDispose]() {},
  }
}
