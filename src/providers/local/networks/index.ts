import type { NetworkSpec } from '../../../model.ts'
import type { KernelFeature } from '../features.ts'
import type { DatapathBuilder } from '../pod-network.ts'
import { buildCalico } from './calico.ts'
import { buildCanal } from './canal.ts'
import { buildCilium } from './cilium.ts'
import { buildFlannel } from './flannel.ts'
import { buildRomana } from './romana.ts'
import { buildWeave } from './weave.ts'

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
  canal: {
    requirements: (spec) => ({
      features: spec.options.backend === 'host-gw' ? [] : [{ feature: 'vxlan', by: describeSpec(spec) }],
      programs: ['bridge', 'ping'],
      plugins: ['host-local'],
    }),
    build: buildCanal,
  },
  weave: {
    requirements: (spec) => ({
      features: [
        { feature: 'vxlan', by: describeSpec(spec) },
        ...spec.options.encryption ? [
          { feature: 'esp' as const, by: describeSpec(spec, 'encryption: true') },
          { feature: 'gcm' as const, by: describeSpec(spec, 'encryption: true') },
        ] : [],
      ],
      programs: ['bridge', 'ping'],
      plugins: ['bridge', 'host-local'],
    }),
    build: buildWeave,
  },
  cilium: {
    requirements: (spec) => ({
      features: spec.options.routing === 'native' ? [] : [{ feature: 'vxlan', by: describeSpec(spec) }],
      programs: ['bridge', 'ping'],
      plugins: ['ptp', 'host-local'],
    }),
    build: buildCilium,
  },
  romana: {
    requirements: () => ({ features: [], programs: ['ping'], plugins: ['ptp', 'host-local'] }),
    build: buildRomana,
  },
}

export { describeSpec }
