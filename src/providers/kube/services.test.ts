import { describe, expect, test } from 'vitest'
import type { V1Service } from '@kubernetes/client-node'
import { Service } from 'kubernetes-models/v1/Service'
import { isNetbenchError } from '../../errors.ts'
import type { Placement } from '../../model.ts'
import { validateService } from '../../../test/kube-standin/validation.ts'
import { endpointServiceManifest } from './manifests.ts'
import { planPods, type KubeNode } from './placement.ts'
import type { KubeTarget } from './cluster-client.ts'
import { installServicePaths, nodePortMap, planServices, serviceName, serviceRoute } from './services.ts'

const node = (name: string, zone: string, ip: string): KubeNode => ({ name, zone, ip, instanceType: null, faultDomain: null, unusable: null })
const nodes = [node('a1', 'a', '10.0.0.1'), node('a2', 'a', '10.0.0.2'), node('b1', 'b', '10.0.1.1')]
const plan = (placements: Placement[]) => planServices(planPods('calico-3.29', nodes, placements, 'ctx'), placements)

describe('planServices', () => {
  test('one Service per server pod and type, shared by placements; hairpin sends from the server pod', () => {
    const planned = plan([
      { between: 'zones', endpoint: 'pod', via: 'service' },
      { between: 'zones', endpoint: 'pod', via: 'hairpin' },
      { between: 'nodes', endpoint: 'pod', via: 'nodeport' },
      { between: 'nodes', endpoint: 'pod' },
    ])
    expect(planned.services).toEqual([
      { name: 'svc-calico-3-29-p2', pod: 'calico-3-29-p2', type: 'ClusterIP' },
      { name: 'np-calico-3-29-p3', pod: 'calico-3-29-p3', type: 'NodePort' },
    ])
    expect(Object.fromEntries(planned.paths)).toEqual({
      'zones/pod/service': { via: 'service', client: 'calico-3-29-p1', server: 'calico-3-29-p2', service: 'svc-calico-3-29-p2' },
      'zones/pod/hairpin': { via: 'hairpin', client: 'calico-3-29-p2', server: 'calico-3-29-p2', service: 'svc-calico-3-29-p2' },
      'nodes/pod/nodeport': { via: 'nodeport', client: 'calico-3-29-p1', server: 'calico-3-29-p3', service: 'np-calico-3-29-p3' },
    })
  })

  test('host endpoints cannot start a Service path: invalid input (exit 2) for that pair only', () => {
    const planned = plan([{ between: 'zones', endpoint: 'host', via: 'service' }])
    expect(planned.services).toEqual([])
    const error = planned.impossible.get('zones/host/service')
    expect(isNetbenchError(error) && [error.exitCode, error.message]).toEqual([2, 'endpoint: host with via: service: a Service path starts in a pod'])
  })

  test('a via the network was installed without: SERVICE_PATH_MISSING, exit 3', async () => {
    const placements: Placement[] = [{ between: 'zones', endpoint: 'pod' }]
    // No Service is planned, so the target is never called.
    const paths = await installServicePaths(planPods('calico', nodes, placements, 'ctx'), placements, { target: {} as KubeTarget, runId: 'ab12', network: 'calico', ports: { first: 5201, last: 5250 }, readyTimeoutMs: 1000 })
    let error: unknown
    try {
      paths.path('zones', 'pod', 'nodeport')
    } catch (caught) {
      error = caught
    }
    expect(isNetbenchError(error) && [error.code, error.exitCode, error.message]).toEqual(['SERVICE_PATH_MISSING', 3, 'network calico was installed without a via: nodeport path for between: zones (pod endpoints)'])
    expect(paths.facts()).toEqual([])
  })

  test('Service names are DNS-1035 labels even when the network starts with a digit', () => {
    expect(serviceName('3rd-party-p1', 'ClusterIP')).toBe('svc-3rd-party-p1')
    expect(serviceName(`${'x'.repeat(62)}-p1`, 'NodePort')).toMatch(/^np-x{60}$/)
  })
})

describe('routes', () => {
  const nodePortService = (ports: Array<{ port: number; protocol: string; nodePort?: number }>): V1Service => ({ metadata: { name: 'np-calico-p2' }, spec: { clusterIP: '10.96.0.9', ports } })

  test('nodeport: the client node address and the node port allocated for each server port', () => {
    const service = nodePortService([{ port: 5201, protocol: 'TCP', nodePort: 31001 }, { port: 5201, protocol: 'UDP', nodePort: 31001 }, { port: 5202, protocol: 'TCP', nodePort: 30007 }])
    const route = serviceRoute({ via: 'nodeport', client: 'calico-p1', server: 'calico-p2', service: 'np-calico-p2' }, service, nodes[0]!, 'ctx')
    expect([route.address, route.port(5201), route.port(5202), route.label]).toEqual(['10.0.0.1', 31001, 30007, 'NodePort a1 (10.0.0.1) → calico-p2'])
    expect(() => route.port(6000)).toThrow('port 6000 is not a port of service np-calico-p2')
  })

  test('service: the ClusterIP with the server port unchanged', () => {
    const route = serviceRoute({ via: 'service', client: 'calico-p1', server: 'calico-p2', service: 'svc-calico-p2' }, nodePortService([]), nodes[0]!, 'ctx')
    expect([route.address, route.port(5240), route.label, route.translated]).toEqual(['10.96.0.9', 5240, 'ClusterIP 10.96.0.9 → calico-p2', undefined])
  })

  test('TCP and UDP of one port on different node ports, or none at all, is a provider error', () => {
    expect(() => nodePortMap(nodePortService([{ port: 5201, protocol: 'TCP', nodePort: 31001 }, { port: 5201, protocol: 'UDP', nodePort: 31002 }]), 'ctx')).toThrow(/maps port 5201 to node port 31001 for one protocol and 31002 for the other/)
    expect(() => nodePortMap(nodePortService([{ port: 5201, protocol: 'TCP' }]), 'ctx')).toThrow(/without a node port for TCP 5201/)
  })
})

describe('the Service manifest', () => {
  const manifest = (type: 'ClusterIP' | 'NodePort') => endpointServiceManifest({ runId: 'ab12', name: 'np-calico-p2', network: 'calico', pod: 'calico-p2', type, ports: { first: 5201, last: 5250 } })

  test('valid for the OpenAPI schema and for the API server\'s own Service validation (the stand-in\'s copy)', () => {
    for (const type of ['ClusterIP', 'NodePort'] as const) {
      const body = manifest(type)
      expect(() => new Service(body as ConstructorParameters<typeof Service>[0]).validate()).not.toThrow()
      expect(() => validateService(body as Record<string, unknown>)).not.toThrow()
      expect(body.spec!.ports).toHaveLength(100)
      expect(body.spec!.ports![1]).toEqual({ name: 'udp-5201', protocol: 'UDP', port: 5201, targetPort: 5201 })
      expect(body.spec!.selector).toEqual({ 'netbench.io/run': 'ab12', 'netbench.io/network': 'calico', 'netbench.io/pod': 'calico-p2' })
    }
  })
})
