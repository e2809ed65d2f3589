import type { NetworkSpec } from '../../../suites/model.ts'
import type { KernelFeature } from '../features.ts'
import type { DatapathBuilder } from '../pod-network.ts'
import { buildCalico } from './calico.ts'
import { buildFlannel } from './flannel.ts'

/** What a CNI needs from the machine, so a suite fails before provisioning when it is missing. */
export interface CniRequirements {
  features: Array<{ feature: KernelFeature; by: string }>
  programs: string[]
  plugins: string[]
}

export interface CniDefinition {
  requirements(spec: NetworkSpec): CniRequirements
  build: DatapathBuilder
}

const describeSpec = (spec: NetworkSpec, option?: string) => option ? `${spec.name} (${spec.cni} ${option})` : spec.name === spec.cni ? spec.name : `${spec.name} (${spec.cni})`

/** The pod networks of the local lab, by CNI name (`host` is built separately: it has no pods). */
export const CNIS: Record<string, CniDefinition> = {
  flannel: {
    requirements: (spec) => ({
      features: spec.options.backend === 'host-gw' ? [] : [{ feature: 'vxlan', by: describeSpec(spec) }],
      programs: ['bridge', 'ping'],
      plugins: ['bridge', 'host-local'],
    }),
    build: buildFlannel,
  },
  calico: {
    requirements: (spec) => {
      const mode = spec.options.encapsulation ?? 'none'
      return {
        features: mode === 'vxlan' ? [{ feature: 'vxlan', by: describeSpec(spec, 'encapsulation: vxlan') }]
          : mode === 'ipip' ? [{ feature: 'ipip', by: describeSpec(spec, 'encapsulation: ipip') }] : [],
        programs: mode === 'none' ? ['bird', 'birdc', 'ping'] : ['bridge', 'ping'],
        plugins: ['host-local'],
      }
    },
    build: buildCalico,
  },
}

export { describeSpec }
