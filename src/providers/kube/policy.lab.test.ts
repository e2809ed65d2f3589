/**
 * NetworkPolicy steps on kube: the generated objects (validated with kubernetes-models), the
 * Python probe agent (run for real here), and the whole step against the API STAND-IN, whose
 * "CNI" answers probes from the NetworkPolicies it stores (see test/kube-standin/policy.ts).
 */
import { spawn } from 'node:child_process'
import { afterEach, describe, expect, test } from 'vitest'
import { Namespace } from 'kubernetes-models/v1/Namespace'
import { NetworkPolicy as NetworkPolicyModel } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { NetbenchError } from '../../errors.ts'
import type { ClusterSpec, NetworkPolicy, PolicyStep } from '../../model.ts'
import { normalizePolicyStep } from '../../suites/policy-step.ts'
import type { PolicyStepInput } from '../../suites/schema.ts'
import { kubeSpec, startStandIn, type StandInFixture } from '../../../test/kube-standin/fixture.ts'
import type { StandInOptions } from '../../../test/kube-standin/server.ts'
import { DNS_LABEL } from './labels.ts'
import { NAMESPACE_NAME_LABEL, networkPolicyManifest, policyNamespaceManifest, policyNamespaceOf } from './manifests.ts'
import type { KubeNode } from './placement.ts'
import { POLICY_AGENT } from './policy-agent.ts'
import { placePolicyPods } from './policy.ts'
import { cniSemantics, policyProgramming } from './policy-probe.ts'
import { policyVerdict as verdict } from '../../tools/connect/matrix.ts'
import { kubeProvider } from './provider.ts'

/** The wire form client-node's serializer sends (its model calls `from` `_from`). */
function wire<T>(object: T): T {
  return JSON.parse(JSON.stringify(object).replace(/"_from":/g, '"from":')) as T
}

const policies: NetworkPolicy[] = [
  { metadata: { name: 'deny-all', namespace: 'prod' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
  {
    metadata: { name: 'web-from-frontend', namespace: 'prod' },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } }, podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['frontend'] }] } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      }],
    },
  },
]

const step: PolicyStep = {
  kind: 'policy', index: 1,
  pods: [
    { name: 'frontend', labels: { role: 'frontend' }, namespace: 'default', node: null, namedPorts: {} },
    { name: 'intruder', labels: { role: 'other' }, namespace: 'default', node: 'n2', namedPorts: {} },
    { name: 'web', labels: { app: 'web' }, namespace: 'prod', node: null, namedPorts: {} },
  ],
  namespaces: { default: { 'kubernetes.io/metadata.name': 'default' }, prod: { 'kubernetes.io/metadata.name': 'prod', env: 'prod' } },
  policies,
  ports: { tcp: [8080], udp: [5353] },
  probeTimeoutMs: 1000,
  updates: [],
}

describe('NetworkPolicy objects', () => {
  test('a suite policy becomes a valid networking.k8s.io/v1 object in the step\'s namespace', () => {
    const manifest = wire(networkPolicyManifest(policies[1]!, 'netbench-ab12-p1-prod', 'ab12'))
    expect(() => new NetworkPolicyModel(manifest as ConstructorParameters<typeof NetworkPolicyModel>[0]).validate()).not.toThrow()
    expect(manifest.metadata).toMatchObject({ name: 'web-from-frontend', namespace: 'netbench-ab12-p1-prod', labels: { 'netbench.io/run': 'ab12' } })
    // kubernetes.io/metadata.name is set by the API server from the real name: netbench's label stands in.
    expect(manifest.spec!.ingress![0]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: 'default' } }, podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['frontend'] }] } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    })
    expect(() => new NetworkPolicyModel(wire(networkPolicyManifest(policies[0]!, 'x', 'ab12')) as ConstructorParameters<typeof NetworkPolicyModel>[0]).validate()).not.toThrow()
  })

  test('the step\'s namespaces: the suite\'s labels, its name as a label, the run\'s labels', () => {
    const name = policyNamespaceOf('netbench-ab12', 1, 'prod')
    expect(name).toBe('netbench-ab12-p1-prod')
    expect(name).toMatch(DNS_LABEL)
    const manifest = policyNamespaceManifest({ runId: 'ab12', owner: { host: 'h', pid: 1, start: '1' }, name: 'prod', labels: step.namespaces.prod!, kubeName: name })
    expect(() => new Namespace(manifest as ConstructorParameters<typeof Namespace>[0]).validate()).not.toThrow()
    expect(manifest.metadata!.labels).toEqual({ env: 'prod', [NAMESPACE_NAME_LABEL]: 'prod', 'app.kubernetes.io/managed-by': 'netbench', 'netbench.io/run': 'ab12', 'pod-security.kubernetes.io/enforce': 'restricted' })
  })

  test('pods: nK is the K-th schedulable node, the rest spread', () => {
    const node = (name: string, zone: string, unusable: string | null = null): KubeNode => ({ name, zone, ip: '', instanceType: null, faultDomain: null, unusable })
    const placed = placePolicyPods(step, [node('cp', 'a', 'tainted'), node('w2', 'b'), node('w1', 'a')])
    expect(Object.fromEntries([...placed].map(([pod, where]) => [pod, where.name]))).toEqual({ intruder: 'w2', frontend: 'w1', web: 'w1' })
    expect(() => placePolicyPods({ ...step, pods: [{ ...step.pods[0]!, node: 'n3' }] }, [node('w1', 'a')])).toThrow(NetbenchError)
  })

  test('which recognised CNIs read an ipBlock as selecting no pod: Cilium, GKE Dataplane V2 included', () => {
    expect(['cilium', 'cilium (GKE Dataplane V2)', 'calico', 'aws-vpc-cni', 'unknown'].map((cni) => cniSemantics(cni).ipBlockSelectsPods)).toEqual([false, false, true, true, true])
  })

  test('verdicts', () => {
    const cell = (expected: 'allowed' | 'blocked', observed: 'allowed' | 'blocked') => ({ from: 'a', to: 'b', protocol: 'tcp' as const, port: 1, expected, observed })
    expect(verdict([cell('allowed', 'allowed'), cell('blocked', 'blocked')])).toBe('enforced')
    expect(verdict([cell('allowed', 'allowed'), cell('blocked', 'allowed')])).toBe('unsupported')
    expect(verdict([cell('allowed', 'blocked'), cell('blocked', 'blocked')])).toBe('violated')
  })
})

test('the Python probe agent (run for real): TCP accept, UDP echo, refused and silent ports', async () => {
  const server = spawn('python3', ['-c', POLICY_AGENT, 'serve', '127.0.0.1', '18473,18477', '18474'], { stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => { if (String(chunk).includes('ready')) resolve() })
      server.on('exit', (code) => reject(new Error(`agent exited with ${code}`)))
    })
    const probe = (tcp: string, udp: string) => new Promise<string>((resolve) => {
      const child = spawn('python3', ['-c', POLICY_AGENT, 'probe', JSON.stringify([{ name: 'web', ip: '127.0.0.1' }]), tcp, udp, '600'])
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => { output += String(chunk) })
      child.on('close', () => resolve(output.trim()))
    })
    expect(JSON.parse(await probe('18473,18477', '18474'))).toEqual([{ name: 'web', tcp: { 18473: 'allowed', 18477: 'allowed' }, udp: { 18474: 'allowed' } }])
    expect(JSON.parse(await probe('18475', '18476'))).toEqual([{ name: 'web', tcp: { 18475: 'refused' }, udp: { 18476: 'blocked' } }])
  } finally {
    server.kill('SIGKILL')
  }
})

describe('policy steps against the API stand-in', () => {
  let fixture: StandInFixture | undefined
  afterEach(async () => {
    expect(fixture!.standIn.namespaces()).toEqual([])
    expect(fixture!.standIn.processes()).toBe(0)
    expect(fixture!.standIn.unknownRequests).toEqual([])
    await fixture?.[Symbol.asyncDispose]()
  })

  async function runStep(enforcement: StandInOptions['policyEnforcement'], network = 'calico', policyStep = step, options: Partial<StandInOptions> = {}) {
    fixture = await startStandIn({ policyEnforcement: enforcement, ...options })
    fixture.useKubeconfig()
    const spec = kubeSpec({ contexts: { [network]: null }, networkPolicies: true }) as ClusterSpec
    await kubeProvider.preflight(spec, [network])
    const cluster = await kubeProvider.createCluster(spec, { runId: 'po01', runDir: '/tmp' })
    try {
      const installed = await cluster.install(network)
      const result = await installed.runPolicy!(policyStep, `${network}|${policyStep.index}|policy`)
      // The step cleaned up after itself: only the network's own pods remain.
      expect(fixture.standIn.namespaces()).toEqual(['netbench-po01'])
      expect(fixture.standIn.networkPolicies()).toEqual([])
      return result
    } finally {
      await cluster[Symbol.asyncDispose]()
    }
  }

  test('a CNI that enforces: real objects created, matrix as the policies say, status enforced', async () => {
    const result = await runStep('enforce')
    expect(result.status).toBe('enforced')
    expect(result.enforcement).toBe("NetworkPolicy objects (networking.k8s.io/v1) enforced by the cluster's CNI (calico)")
    const cells = Object.fromEntries(result.matrix.map((cell) => [`${cell.from}→${cell.to} ${cell.protocol}`, `${cell.expected}/${cell.observed}`]))
    expect(cells['frontend→web tcp']).toBe('allowed/allowed')
    expect(cells['frontend→web udp']).toBe('blocked/blocked')
    expect(cells['intruder→web tcp']).toBe('blocked/blocked')
    expect(cells['web→frontend tcp']).toBe('allowed/allowed')
    expect(result.pods.map((pod) => pod.endpoint)).toEqual(['netbench-po01-p1-default/policy-frontend', 'netbench-po01-p1-default/policy-intruder', 'netbench-po01-p1-prod/policy-web'])
    // What reached the API: the two policies, in the step's prod namespace, validated by the stand-in.
    const created = fixture!.standIn.requests.filter((request) => request.method === 'POST' && request.path.includes('networkpolicies')).map((request) => request.path)
    expect(created).toEqual(['/apis/networking.k8s.io/v1/namespaces/netbench-po01-p1-prod/networkpolicies', '/apis/networking.k8s.io/v1/namespaces/netbench-po01-p1-prod/networkpolicies'])
  })

  test('a CNI that ignores NetworkPolicy (flannel): unsupported, after the bounded wait for programming', async () => {
    const timeout = policyProgramming.timeoutMs
    policyProgramming.timeoutMs = 3000
    try {
      const result = await runStep('ignore', 'flannel')
      expect(result.status).toBe('unsupported')
      expect(result.matrix.every((cell) => cell.observed === 'allowed')).toBe(true)
    } finally {
      policyProgramming.timeoutMs = timeout
    }
  }, 30_000)

  test('a CNI that enforces TCP only: violated, and says how long it waited', async () => {
    const timeout = policyProgramming.timeoutMs
    policyProgramming.timeoutMs = 3000
    try {
      const result = await runStep('tcp-only')
      expect(result.status).toBe('violated')
      expect(result.enforcement).toMatch(/; still not as expected after [3-9] s$/)
    } finally {
      policyProgramming.timeoutMs = timeout
    }
  }, 30_000)

  test('updates in place, several ports, a named port, policyTypes [] defaulted, {pod}/32 resolved', async () => {
    const input: PolicyStepInput = {
      pods: { a: { labels: { app: 'a' } }, b: { labels: { app: 'b' } }, c: { namespace: 'other' } },
      ports: { tcp: [8080, 8081], udp: 5353 },
      namedPorts: { 'serve-alt': { port: 8081 } },
      policies: [{ metadata: { name: 'into-a' }, spec: { podSelector: { matchLabels: { app: 'a' } }, policyTypes: [], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 'serve-alt' }] }] } }],
      updates: [
        { labels: { b: { app: 'x' } } },
        { policies: [{ metadata: { name: 'into-a' }, spec: { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ ipBlock: { cidr: '{c}/32' } }] }] } }] },
        { policies: [] },
      ],
    }
    const updated = normalizePolicyStep(input, 2, null, (path, message) => { throw new Error(`${path.join('.')}: ${message}`) })
    const result = await runStep('enforce', 'calico', updated)
    expect(result.status).toBe('enforced')
    const cell = (phase: number, from: string, to: string, port: string) => result.matrix.find((c) => c.phase === phase && c.from === from && c.to === to && `${c.protocol}/${c.port}` === port)?.expected
    expect([cell(0, 'b', 'a', 'tcp/8081'), cell(0, 'b', 'a', 'tcp/8080'), cell(0, 'b', 'a', 'udp/5353'), cell(0, 'c', 'a', 'tcp/8081'), cell(0, 'a', 'b', 'tcp/8080')]).toEqual(['allowed', 'blocked', 'blocked', 'blocked', 'allowed'])
    // b relabelled: the policy no longer selects it as a peer.
    expect(cell(1, 'b', 'a', 'tcp/8081')).toBe('blocked')
    // Every stand-in pod is 127.0.0.1, so {c}/32 admits them all; then the policy is deleted.
    expect(cell(2, 'b', 'a', 'tcp/8080')).toBe('allowed')
    expect(cell(3, 'c', 'a', 'udp/5353')).toBe('allowed')
    expect(result.matrix).toHaveLength(4 * 6 * 3)
    const calls = fixture!.standIn.requests.filter((request) => /networkpolicies|pods\/policy-b$/.test(request.path) && request.method !== 'GET').map((request) => `${request.method} ${request.path.split('/').slice(-2).join('/')}`)
    expect(calls).toEqual(['POST netbench-po01-p2-default/networkpolicies', 'PATCH pods/policy-b', 'PUT networkpolicies/into-a', 'DELETE networkpolicies/into-a'])
    const stored = fixture!.standIn.policyLog
    expect(stored[0]!.spec.policyTypes).toEqual(['Ingress'])
    expect(stored[0]!.spec.ingress[0].ports).toEqual([{ port: 'serve-alt' }])
    expect(stored[1]!.spec.ingress[0].from).toEqual([{ ipBlock: { cidr: '127.0.0.1/32' } }])
  }, 60_000)

  test('a policy engine that REJECTs (kube-router on k3s): refused connections to a listening server are blocks, not a missing server', async () => {
    const result = await runStep('enforce', 'flannel', step, { policyRejects: true })
    expect(result.status).toBe('enforced')
    const cells = Object.fromEntries(result.matrix.map((cell) => [`${cell.from}→${cell.to} ${cell.protocol}`, `${cell.expected}/${cell.observed}`]))
    expect(cells['intruder→web tcp']).toBe('blocked/blocked')
  })

  test('a policy engine that programs late (Cilium, AWS policy agent): waited for, bounded, and reported', async () => {
    const result = await runStep('enforce', 'cilium', step, { policyProgrammingDelayMs: 3000 })
    expect(result.status).toBe('enforced')
    expect(result.enforcement).toMatch(/^NetworkPolicy objects \(networking\.k8s\.io\/v1\) enforced by the cluster's CNI \(calico\), as expected after ([2-9]|1\d) s of programming$/)
  }, 60_000)

  const ipBlockStep = normalizePolicyStep({
    pods: { a: { labels: { app: 'a' } }, b: { labels: { app: 'b' } }, c: { namespace: 'other' } },
    // Every stand-in pod is 127.0.0.1: the ipBlock holds every pod's IP; b is also allowed by label.
    policies: [{ metadata: { name: 'into-a' }, spec: { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ ipBlock: { cidr: '{c}/32' } }, { podSelector: { matchLabels: { app: 'b' } } }] }] } }],
  }, 3, null, (path, message) => { throw new Error(`${path.join('.')}: ${message}`) })
  const ciliumDaemonSets = { daemonsets: [{ namespace: 'kube-system', name: 'cilium', image: 'quay.io/cilium/cilium:v1.15.5' }] }

  test('Cilium (recognised from its DaemonSet): a cell an ipBlock decides between pods is implementation-defined, not violated', async () => {
    const timeout = policyProgramming.timeoutMs
    policyProgramming.timeoutMs = 3000
    try {
      const result = await runStep('cilium', 'cilium', ipBlockStep, ciliumDaemonSets)
      expect(result.status).toBe('enforced')
      expect(result.enforcement).toBe("NetworkPolicy objects (networking.k8s.io/v1) enforced by the cluster's CNI (cilium)")
      const marked = result.matrix.filter((cell) => cell.implementationDefined).map((cell) => `${cell.from}→${cell.to} ${cell.protocol} ${cell.implementationDefined} ${cell.expected}/${cell.observed}`)
      expect(marked).toEqual(['c→a tcp ipblock-pod allowed/blocked', 'c→a udp ipblock-pod allowed/blocked'])
      // b gets in by its label whatever the ipBlock does: that cell is well-defined, and held.
      expect(result.matrix.find((cell) => cell.from === 'b' && cell.to === 'a' && cell.protocol === 'tcp')).toEqual({ from: 'b', to: 'a', protocol: 'tcp', port: 8080, phase: 0, expected: 'allowed', observed: 'allowed' })
    } finally {
      policyProgramming.timeoutMs = timeout
    }
  }, 30_000)

  test('another CNI (Calico) is held to upstream: the same ipBlock selects pods, no cell is left open', async () => {
    const result = await runStep('enforce', 'calico', ipBlockStep)
    expect(result.status).toBe('enforced')
    expect(result.matrix.some((cell) => cell.implementationDefined)).toBe(false)
    expect(result.matrix.find((cell) => cell.from === 'c' && cell.to === 'a' && cell.protocol === 'tcp')).toMatchObject({ expected: 'allowed', observed: 'allowed' })
  })

  test('hostNetwork pods are not subject to NetworkPolicy', async () => {
    const result = await runStep('enforce', 'host')
    expect(result).toMatchObject({ status: 'unsupported', pods: [], matrix: [] })
  })
})
