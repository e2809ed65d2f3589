/**
 * Admission and pod privileges against the Kubernetes API STAND-IN (test/kube-standin), which
 * enforces Pod Security by namespace label (cluster default `restricted`), refuses pods until the
 * namespace's `default` ServiceAccount exists, and runs pod commands as the pod's user with only
 * its capabilities (ping decided by the kernel under the pod's ping_group_range).
 */
import { describe, expect, test } from 'vitest'
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node'
import { isNetbenchError } from '../../errors.ts'
import type { ClusterSpec } from '../../model.ts'
import { runPing } from '../../tools/ping/ping.ts'
import { kubeSpec, standInPerTest } from '../../../test/kube-standin/fixture.ts'
import { ADMISSION_HINT, RBAC_HINT, kubeError } from './errors.ts'
import { execToEnd } from './exec.ts'
import { CONTAINER } from './labels.ts'
import { endpointPodManifest } from './manifests.ts'
import { kubeProvider } from './provider.ts'
import { KubeTarget } from './cluster-client.ts'

const standIns = standInPerTest()
const standIn = standIns.start

const spec = (overrides: Record<string, unknown> = {}) => kubeSpec(overrides) as ClusterSpec
const context = (runId: string) => ({ runId, runDir: '/tmp' })

function kubeConfig(file: string): KubeConfig {
  const config = new KubeConfig()
  config.loadFromFile(file)
  return config
}

/** A pod as netbench made them before it met admission: capabilities dropped, nothing else. */
function unhardenedPod(runId: string, name: string): V1Pod {
  const pod = endpointPodManifest({ runId, name, network: 'calico', node: 'node-a1', image: 'nicolaka/netshoot:v0.13', hostNetwork: false })
  delete pod.spec!.securityContext
  return pod
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a refusal')
}

describe('admission on the stand-in (Pod Security, ServiceAccount, webhooks)', () => {
  test('netbench\'s pods pass Pod Security restricted; the pods it made before are refused with an admission message, not an RBAC hint', async () => {
    const { standIn: server, kubeconfig } = await standIn()
    const cluster = await kubeProvider.createCluster(spec(), context('ps01'))
    await cluster.install('calico')
    expect(server.namespace('netbench-ps01')!.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted')
    expect(server.podObjects()[0]!.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } })

    const core = kubeConfig(kubeconfig).makeApiClient(CoreV1Api)
    const error = await refusal(core.createNamespacedPod({ namespace: 'netbench-ps01', body: unhardenedPod('ps01', 'old-style') }))
    const converted = kubeError(error, 'creating pod old-style', { context: 'standin', server: server.url })
    expect(converted.message).toBe('context \'standin\': an admission policy refused creating pod old-style: pods "old-style" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "netbench" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "netbench" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")')
    expect(converted.hint).toBe(ADMISSION_HINT)
    expect(converted.hint).not.toBe(RBAC_HINT)
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
  })

  test('hostNetwork pods: the namespace is privileged, the pod keeps only NET_RAW and sets no net.* sysctl (the kubelet would refuse it)', async () => {
    const { standIn: server } = await standIn()
    const cluster = await kubeProvider.createCluster(spec({ contexts: { host: null } }), context('hn01'))
    const host = await cluster.install('host')
    expect(server.namespace('netbench-hn01')!.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged')
    const pod = server.podObjects()[0]!
    expect(pod.spec.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } })
    expect(pod.spec.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_RAW'] })
    const pair = host.pair('zones')
    const ping = await runPing({ ...pair, probe: { count: 3, intervalMs: 20 } })
    expect(ping.received).toBe(3)
    await cluster[Symbol.asyncDispose]()
  })

  test('pods wait for the namespace\'s default ServiceAccount, bounded', async () => {
    const { standIn: server, kubeconfig } = await standIn({ serviceAccountDelayMs: 1200 })
    const cluster = await kubeProvider.createCluster(spec(), context('sa01'))
    await cluster.install('calico')
    expect(server.admissionDenials.length).toBeGreaterThan(0)
    expect(server.admissionDenials[0]).toBe('pods "calico-p1" is forbidden: error looking up service account netbench-sa01/default: serviceaccount "default" not found')
    await cluster[Symbol.asyncDispose]()

    server.options.serviceAccountDelayMs = 60_000
    const target = new KubeTarget(kubeConfig(kubeconfig), { context: 'standin', server: server.url }, { runId: 'sa02', owner: { host: 'h', pid: process.pid, start: '1' } })
    await target.ensureNamespace(false)
    const started = Date.now()
    const error = await refusal(target.createPod(target.namespace, endpointPodManifest({ runId: 'sa02', name: 'x', network: 'calico', node: 'node-a1', image: 'i', hostNetwork: false }), 'creating pod x', 600))
    expect(Date.now() - started).toBeLessThan(3000)
    expect(isNetbenchError(error) && error.oneLine).toBe("context 'standin': namespace netbench-sa02 still has no default ServiceAccount after 1 s, so no pod can be created — the serviceaccount controller of kube-controller-manager is not running or is behind; check the control plane")
    await target.deleteNamespace(5000)
  })

  test('a policy webhook (Kyverno) refusing the pods: its message and the admission hint', async () => {
    const { standIn: server } = await standIn({ podWebhookDenial: 'resource Pod/netbench-wh01/calico-p1 was blocked due to the following policies: require-team-label' })
    const cluster = await kubeProvider.createCluster(spec(), context('wh01'))
    const error = await refusal(cluster.install('calico'))
    expect(isNetbenchError(error) && error.oneLine).toBe(`context 'standin': an admission policy refused creating pod calico-p1 on node node-a1: admission webhook "validate.kyverno.svc-fail" denied the request: resource Pod/netbench-wh01/calico-p1 was blocked due to the following policies: require-team-label — ${ADMISSION_HINT}`)
    await cluster[Symbol.asyncDispose]()
    expect(server.namespaces()).toEqual([])
  })
})

describe('pod commands without root capabilities on the stand-in', () => {
  test('ping works from netbench\'s unprivileged pods through the ping_group_range sysctl, and fails without it', async () => {
    const { standIn: server, kubeconfig } = await standIn()
    const cluster = await kubeProvider.createCluster(spec(), context('pg01'))
    const network = await cluster.install('calico')
    const pair = network.pair('zones')
    const ping = await runPing({ ...pair, probe: { count: 3, intervalMs: 20 } })
    expect(ping.received).toBe(3)
    const status = await pair.client.exec(['cat', '/proc/self/status'])
    expect(status.stdout).toMatch(/^Uid:\t65534\t65534\t65534\t65534$/m)
    expect(status.stdout).toMatch(/^CapEff:\t0{16}$/m)
    expect(status.stdout).toMatch(/^NoNewPrivs:\t1$/m)

    // The same pod without the sysctl: iputils ping has neither a raw socket nor an ICMP one.
    const config = kubeConfig(kubeconfig)
    const bare = endpointPodManifest({ runId: 'pg01', name: 'no-sysctl', network: 'other', node: 'node-a1', image: 'nicolaka/netshoot:v0.13', hostNetwork: false })
    delete bare.spec!.securityContext!.sysctls
    await config.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: 'netbench-pg01', body: bare })
    const deadline = Date.now() + 5000
    while (Date.now() < deadline && server.podObjects().find((pod) => pod.metadata.name === 'no-sysctl')?.status.phase !== 'Running') await new Promise((resolve) => setTimeout(resolve, 50))
    const denied = await execToEnd(config, { namespace: 'netbench-pg01', pod: 'no-sysctl', container: CONTAINER }, ['ping', '-n', '-c', '1', '-W', '1', '127.0.0.1'])
    expect(denied.exitCode).not.toBe(0)
    expect(denied.stderr).toMatch(/Operation not permitted|Permission denied/)
    await cluster[Symbol.asyncDispose]()
    expect(server.processes()).toBe(0)
  })
})
