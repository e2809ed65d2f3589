import { describe, expect, test } from 'vitest'
import { Namespace } from 'kubernetes-models/v1/Namespace'
import { Pod } from 'kubernetes-models/v1/Pod'
import { endpointPodManifest, namespaceManifest } from './manifests.ts'
import { DEFAULT_POD_IMAGE, DNS_LABEL, HEARTBEAT_ANNOTATION, MANAGED_BY_LABEL, RUN_LABEL } from './labels.ts'
import { DEFAULT_POD_IMAGE as SUITE_DEFAULT_POD_IMAGE } from '../../suites/remote-cluster.ts'

/** What the API server checks beyond the OpenAPI schema: names and label syntax. */
function expectValidMetadata(metadata: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }) {
  expect(metadata.name).toMatch(DNS_LABEL)
  expect(metadata.name!.length).toBeLessThanOrEqual(63)
  for (const [key, value] of Object.entries(metadata.labels ?? {})) {
    expect(key).toMatch(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/)
    expect(value).toMatch(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/)
    expect(value.length).toBeLessThanOrEqual(63)
  }
  for (const value of Object.values(metadata.annotations ?? {})) expect(typeof value).toBe('string')
}

const owner = { host: 'ci-runner-7', pid: 4242, start: '123456' }

describe('generated manifests are valid Kubernetes objects (kubernetes-models OpenAPI validators)', () => {
  test('the run namespace: labelled for clean, owner and heartbeat annotated', () => {
    const manifest = namespaceManifest({ runId: 'ab12', owner, hostNetwork: false, now: new Date('2024-06-11T10:00:00Z') })
    expect(() => new Namespace(manifest as ConstructorParameters<typeof Namespace>[0]).validate()).not.toThrow()
    expectValidMetadata(manifest.metadata!)
    expect(manifest.metadata).toMatchObject({
      name: 'netbench-ab12',
      labels: { [MANAGED_BY_LABEL]: 'netbench', [RUN_LABEL]: 'ab12' },
      annotations: { [HEARTBEAT_ANNOTATION]: '2024-06-11T10:00:00.000Z', 'netbench.io/owner-pid': '4242' },
    })
    expect(manifest.metadata!.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted')
  })

  test('hostNetwork pods need the privileged Pod Security level on the namespace', () => {
    const manifest = namespaceManifest({ runId: 'ab12', owner, hostNetwork: true })
    new Namespace(manifest as ConstructorParameters<typeof Namespace>[0]).validate()
    expect(manifest.metadata!.labels!['pod-security.kubernetes.io/enforce']).toBe('privileged')
  })

  for (const hostNetwork of [false, true]) {
    test(`an endpoint pod (${hostNetwork ? 'hostNetwork' : 'pod network'})`, () => {
      const manifest = endpointPodManifest({ runId: 'ab12', name: hostNetwork ? 'host-h1' : 'calico-vxlan-p2', network: hostNetwork ? 'host' : 'calico-vxlan', node: 'ip-10-0-1-17.eu-west-1.compute.internal', image: DEFAULT_POD_IMAGE, hostNetwork })
      expect(() => new Pod(manifest as ConstructorParameters<typeof Pod>[0]).validate()).not.toThrow()
      expectValidMetadata(manifest.metadata!)
      expect(manifest.spec).toMatchObject({
        nodeName: 'ip-10-0-1-17.eu-west-1.compute.internal',
        hostNetwork,
        dnsPolicy: hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
      })
      const container = manifest.spec!.containers[0]!
      expect(container.command).toEqual(['sleep', 'infinity'])
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })
      expect(container.resources?.limits).toBeUndefined()
    })
  }

  test('the validators do catch a broken object (so the tests above mean something)', () => {
    const manifest = endpointPodManifest({ runId: 'ab12', name: 'x-p1', network: 'x', node: 'n1', image: DEFAULT_POD_IMAGE, hostNetwork: false })
    const broken = { ...manifest, spec: { ...manifest.spec, containers: [{ ...manifest.spec!.containers[0], image: 42 }] } }
    expect(() => new Pod(broken as unknown as ConstructorParameters<typeof Pod>[0]).validate()).toThrow(/image must be string/)
  })

  test('the suite default pod image is the one the provider documents', () => {
    expect(SUITE_DEFAULT_POD_IMAGE).toBe(DEFAULT_POD_IMAGE)
  })
})
