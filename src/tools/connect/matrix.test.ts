import { describe, expect, it } from 'vitest'
import type { NetworkPolicy } from '../../model.ts'
import type { ProbeOutcome, ProbeResult } from './agent.ts'
import { connectivityMatrix, policyVerdict } from './matrix.ts'
import type { PhaseView } from './phases.ts'
import type { PolicyPod } from './network-policy.ts'

const web: PolicyPod = { name: 'web', ip: '198.19.1.2', namespace: 'default', labels: { app: 'web' } }
const client: PolicyPod = { name: 'client', ip: '198.19.2.2', namespace: 'default', labels: { app: 'client' } }
const other: PolicyPod = { name: 'other', ip: '198.19.3.2', namespace: 'default', labels: { app: 'other' } }
const ports = { tcp: [80], udp: [] }
// Ingress to web: from client by label, and from other only through an ipBlock holding its pod IP.
const policies: NetworkPolicy[] = [{
  metadata: { name: 'web-in', namespace: 'default' },
  spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }, { ipBlock: { cidr: '198.19.3.0/24' } }] }] },
}]
const view: PhaseView<PolicyPod> = { phase: 0, policies, namespaces: {}, pods: [web, client, other] }

/** Every pod probes every other; `into web` is what reaching web on tcp/80 gives, the rest is allowed. */
function observed(intoWeb: Record<string, ProbeOutcome>) {
  return view.pods.map((from) => ({
    from,
    results: view.pods.filter((to) => to !== from).map((to): ProbeResult => ({ name: to.name, tcp: { 80: to === web ? intoWeb[from.name]! : 'allowed' }, udp: {} })),
  }))
}

describe('ipBlock cells on a CNI whose ipBlock selects no pod (Cilium)', () => {
  it('marks only the cells the ipBlock decides, and either outcome there is enforced', () => {
    const cilium = connectivityMatrix(observed({ client: 'allowed', other: 'blocked' }), view, ports, { ipBlockSelectsPods: false })
    const marked = cilium.matrix.filter((cell) => cell.implementationDefined).map((cell) => `${cell.from}→${cell.to} ${cell.implementationDefined}`)
    // client→web is allowed by its label whatever the ipBlock does: well-defined.
    expect(marked).toEqual(['other→web ipblock-pod'])
    expect(cilium.matrix.find((cell) => cell.from === 'other' && cell.to === 'web')).toMatchObject({ expected: 'allowed', observed: 'blocked' })
    expect(policyVerdict(cilium.matrix)).toBe('enforced')
    expect(policyVerdict(connectivityMatrix(observed({ client: 'allowed', other: 'allowed' }), view, ports, { ipBlockSelectsPods: false }).matrix)).toBe('enforced')
    // A well-defined cell still decides.
    expect(policyVerdict(connectivityMatrix(observed({ client: 'blocked', other: 'blocked' }), view, ports, { ipBlockSelectsPods: false }).matrix)).toBe('violated')
  })

  it('leaves every cell well-defined elsewhere: the ipBlock that selects a pod is held to upstream', () => {
    const upstream = connectivityMatrix(observed({ client: 'allowed', other: 'blocked' }), view, ports)
    expect(upstream.matrix.some((cell) => cell.implementationDefined)).toBe(false)
    expect(policyVerdict(upstream.matrix)).toBe('violated')
  })

  it('counts marked cells for no verdict, unsupported included', () => {
    const cell = (expected: 'allowed' | 'blocked', observed: 'allowed' | 'blocked', marked = false) => ({ from: 'a', to: 'b', protocol: 'tcp' as const, port: 1, expected, observed, ...marked ? { implementationDefined: 'ipblock-pod' as const } : {} })
    // Only a marked cell should have been blocked: nothing shows the network ignores policy.
    expect(policyVerdict([cell('allowed', 'allowed'), cell('blocked', 'allowed', true)])).toBe('enforced')
    expect(policyVerdict([cell('blocked', 'allowed'), cell('blocked', 'blocked', true)])).toBe('unsupported')
  })
})
