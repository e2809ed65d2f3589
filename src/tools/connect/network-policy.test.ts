import { describe, expect, it } from 'vitest'
import type { NetworkPolicy } from '../../model.ts'
import { cidrContains, connectionAllowed, policyTypes, selects, type PolicyPod } from './network-policy.ts'

const pod = (name: string, labels: Record<string, string>, namespace = 'default', ip = '198.19.0.1'): PolicyPod => ({ name, labels, namespace, ip })
const web = pod('web', { app: 'web' }, 'default', '198.19.1.2')
const client = pod('client', { app: 'client' }, 'default', '198.19.2.2')
const dev = pod('dev', { app: 'client' }, 'dev', '198.19.3.2')
const namespaces = { default: { 'kubernetes.io/metadata.name': 'default' }, dev: { 'kubernetes.io/metadata.name': 'dev', team: 'dev' } }
const policy = (spec: NetworkPolicy['spec'], namespace = 'default'): NetworkPolicy => ({ metadata: { name: 'p', namespace }, spec })

describe('NetworkPolicy semantics', () => {
  it('selects with matchLabels and matchExpressions; {} selects all', () => {
    expect(selects({}, {})).toBe(true)
    expect(selects({ matchLabels: { app: 'web' } }, { app: 'web', tier: 'x' })).toBe(true)
    expect(selects({ matchLabels: { app: 'web' } }, { app: 'db' })).toBe(false)
    expect(selects({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] }, { app: 'db' })).toBe(true)
    expect(selects({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, {})).toBe(true)
    expect(selects({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, {})).toBe(false)
    expect(selects({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, {})).toBe(true)
  })

  it('defaults policyTypes like Kubernetes', () => {
    expect(policyTypes(policy({ podSelector: {} }))).toEqual(['Ingress'])
    expect(policyTypes(policy({ podSelector: {}, egress: [{}] }))).toEqual(['Ingress', 'Egress'])
    // An empty list is a missing one (SetDefaults_NetworkPolicy), not "no direction".
    expect(policyTypes(policy({ podSelector: {}, policyTypes: [], ingress: [] }))).toEqual(['Ingress'])
    expect(policyTypes(policy({ podSelector: {}, policyTypes: [], egress: [{}] }))).toEqual(['Ingress', 'Egress'])
    expect(connectionAllowed([policy({ podSelector: {}, policyTypes: [], ingress: [] })], client, web, 'tcp', 8080, namespaces)).toBe(false)
  })

  it('a named port is the destination pod\'s container port of that name and protocol', () => {
    const named = { ...web, namedPorts: { http: { port: 8080, protocol: 'TCP' as const }, dns: { port: 5353, protocol: 'UDP' as const } } }
    const into = (ports: NonNullable<NetworkPolicy['spec']['ingress']>[number]['ports']) => [policy({ podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports }] })]
    expect(connectionAllowed(into([{ port: 'http' }]), client, named, 'tcp', 8080, namespaces)).toBe(true)
    expect(connectionAllowed(into([{ port: 'http' }]), client, named, 'tcp', 8081, namespaces)).toBe(false)
    expect(connectionAllowed(into([{ port: 'dns' }]), client, named, 'udp', 5353, namespaces)).toBe(false)
    expect(connectionAllowed(into([{ port: 'dns', protocol: 'UDP' }]), client, named, 'udp', 5353, namespaces)).toBe(true)
    expect(connectionAllowed(into([{ port: 'http' }]), client, web, 'tcp', 8080, namespaces)).toBe(false)
    const out = [policy({ podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] })]
    expect(connectionAllowed(out, client, named, 'tcp', 8080, namespaces)).toBe(true)
    expect(connectionAllowed(out, client, dev, 'tcp', 8080, namespaces)).toBe(false)
  })

  it('leaves unselected pods open and isolates selected ones', () => {
    const policies = [policy({ podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 8080 }] }] })]
    expect(connectionAllowed(policies, client, web, 'tcp', 8080, namespaces)).toBe(true)
    expect(connectionAllowed(policies, client, web, 'tcp', 9090, namespaces)).toBe(false)
    expect(connectionAllowed(policies, client, web, 'udp', 8080, namespaces)).toBe(false)
    // A podSelector alone only matches the policy's own namespace.
    expect(connectionAllowed(policies, dev, web, 'tcp', 8080, namespaces)).toBe(false)
    expect(connectionAllowed(policies, web, client, 'tcp', 8080, namespaces)).toBe(true)
  })

  it('combines namespaceSelector and podSelector in one peer as AND', () => {
    const policies = [policy({ podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'dev' } }, podSelector: { matchLabels: { app: 'client' } } }] }] })]
    expect(connectionAllowed(policies, dev, web, 'udp', 53, namespaces)).toBe(true)
    expect(connectionAllowed(policies, client, web, 'udp', 53, namespaces)).toBe(false)
  })

  it('honours ipBlock with except, port ranges and egress', () => {
    expect(cidrContains('198.19.0.0/16', '198.19.3.2')).toBe(true)
    expect(cidrContains('198.19.2.0/24', '198.19.3.2')).toBe(false)
    const policies = [policy({ podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '198.19.0.0/16', except: ['198.19.3.0/24'] } }], ports: [{ protocol: 'TCP', port: 8000, endPort: 9000 }] }] })]
    expect(connectionAllowed(policies, client, web, 'tcp', 8080, namespaces)).toBe(true)
    expect(connectionAllowed(policies, client, web, 'tcp', 9090, namespaces)).toBe(false)
    expect(connectionAllowed(policies, client, dev, 'tcp', 8080, namespaces)).toBe(false)
    expect(connectionAllowed(policies, web, client, 'tcp', 8080, namespaces)).toBe(true)
  })

  it('reads an ipBlock as selecting no pod where the CNI says so (Cilium)', () => {
    const policies = [policy({ podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '198.19.2.0/24' } }] }] })]
    expect(connectionAllowed(policies, client, web, 'tcp', 8080, namespaces)).toBe(true)
    expect(connectionAllowed(policies, client, web, 'tcp', 8080, namespaces, { ipBlockSelectsPods: false })).toBe(false)
    // Pods the policies do not isolate stay open either way.
    expect(connectionAllowed(policies, web, client, 'tcp', 8080, namespaces, { ipBlockSelectsPods: false })).toBe(true)
  })

  it('denies all ingress with an empty ingress list', () => {
    const policies = [policy({ podSelector: {}, policyTypes: ['Ingress'], ingress: [] })]
    expect(connectionAllowed(policies, client, web, 'tcp', 8080, namespaces)).toBe(false)
    expect(connectionAllowed(policies, web, dev, 'tcp', 8080, namespaces)).toBe(true)
  })
})
