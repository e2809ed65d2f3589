/**
 * The CNI-version gate's shape on k3s: two networks of the same CNI, each with its own manifest,
 * become two k3s clusters of one run — both up at once, so their repeats can alternate. (Starting
 * the clusters needs a Docker engine and the k3s image; that is k3s.lab.test.ts's business.)
 */
import { describe, expect, test } from 'vitest'
import { tmpProject } from '../../../test/tmp-project.ts'
import { prepareRun } from '../../suites/prepare.ts'
import { containerLabels } from './cluster.ts'
import { clusterKey, manifestOf } from './provider.ts'
import { NETWORK_LABEL } from '../kube/labels.ts'

const gate = [
  'name: calico upgrade',
  'cluster: { provider: k3s, nodes: 2, zones: 2 }',
  'order: interleaved',
  'networks:',
  '  - { name: calico-3.28, cni: calico, manifest: ./cni/calico-3.28.yaml }',
  '  - { name: calico-3.29, cni: calico, manifest: ./cni/calico-3.29.yaml }',
  'steps: [{ tcp: { duration: 1s, repeat: 4 } }]',
  'expect: ["calico-3.29 tcp throughput >= 97% of calico-3.28"]',
].join('\n')

describe('k3s: old and new manifest of one CNI in one run', () => {
  test('the suite is accepted with cni + manifest and version dots; each network gets its own cluster', async () => {
    using project = tmpProject({ 'gate.netbench.yaml': gate })
    const { plans: [plan] } = await prepareRun([project.path('gate.netbench.yaml')])
    const { suite } = plan!
    expect(suite.order).toBe('interleaved')
    expect(suite.networkSpecs).toEqual([
      { name: 'calico-3.28', cni: 'calico', options: {} },
      { name: 'calico-3.29', cni: 'calico', options: {} },
    ])
    if (suite.cluster.provider !== 'k3s') throw new Error('expected a k3s cluster')
    const spec = suite.cluster
    // Manifests resolve against the suite's directory.
    expect(manifestOf(spec, 'calico-3.28')).toBe(project.path('cni/calico-3.28.yaml'))
    expect(manifestOf(spec, 'calico-3.29')).toBe(project.path('cni/calico-3.29.yaml'))
    expect(['calico-3.28', 'calico-3.29'].map((network) => clusterKey(spec, network))).toEqual(['calico-3.28', 'calico-3.29'])
    // Containers of the two clusters are told apart by their network label.
    expect(['calico-3.28', 'calico-3.29'].map((key) => containerLabels('ab01', key)[NETWORK_LABEL])).toEqual(['calico-3.28', 'calico-3.29'])
    expect(plan!.checks.map((check) => check.name)).toEqual(['calico-3.29 › tcp › throughput >= 97% of calico-3.28'])
  })
})
