import { describe, expect, test } from 'vitest'
import { kubeError, statusOf, unreachable } from './errors.ts'
import { execRefused, outcomeOf } from './exec.ts'
import { mtuFromIpJson, mtuFromRouteJson, mtuFromSysfs } from './mtu.ts'
import { ownerLiveness } from './owner.ts'
import { stopper, wrapped } from './pod-endpoint.ts'
import { proxyFor } from './proxy.ts'
import { HEARTBEAT_ANNOTATION, OWNER_HOST_ANNOTATION, OWNER_PID_ANNOTATION, OWNER_START_ANNOTATION } from './labels.ts'

const where = { context: 'prod-like', server: 'https://10.0.0.1:6443' }

describe('exec Status (channel 3)', () => {
  test('Success is exit 0', () => {
    expect(outcomeOf({ status: 'Success' })).toEqual({ exitCode: 0, message: null, reason: null, lost: false })
  })
  test('NonZeroExitCode carries the code in details.causes[reason=ExitCode]', () => {
    expect(outcomeOf({ status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code: exit status 3', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }).exitCode).toBe(3)
  })
  test('other failures keep their message and have no exit code', () => {
    const message = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "iperf3": executable file not found in $PATH: unknown'
    expect(outcomeOf({ status: 'Failure', reason: 'InternalError', message })).toEqual({ exitCode: null, message, reason: 'InternalError', lost: false })
  })
  test('a refused upgrade: 403 keeps the server message (verb and resource), 404 says the pod is gone', () => {
    const body = JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'pods "calico-p1" is forbidden: User "ci" cannot create resource "pods/exec" in API group "" in the namespace "netbench-ab12"' })
    const error = execRefused({ namespace: 'netbench-ab12', pod: 'calico-p1', container: 'netbench' }, 403, body)
    expect(error.message).toBe('pods "calico-p1" is forbidden: User "ci" cannot create resource "pods/exec" in API group "" in the namespace "netbench-ab12"')
    expect(error.hint).toContain('ClusterRole')
    expect(execRefused({ namespace: 'n', pod: 'p', container: 'c' }, 404, '').message).toBe('exec into pod p: the pod does not exist')
  })
})

describe('API errors become one line that names the context', () => {
  test('403 from the API names verb and resource', () => {
    const error = Object.assign(new Error('HTTP-Code: 403'), { code: 403, body: JSON.stringify({ kind: 'Status', message: 'namespaces is forbidden: User "ci" cannot create resource "namespaces" in API group "" at the cluster scope', reason: 'Forbidden', code: 403 }) })
    const translated = kubeError(error, 'creating namespace netbench-ab12', where)
    expect(translated.oneLine).toBe(`context 'prod-like': namespaces is forbidden: User "ci" cannot create resource "namespaces" in API group "" at the cluster scope — grant the netbench ClusterRole from docs/kubernetes.md (RBAC section); never cluster-admin`)
    expect(translated.exitCode).toBe(3)
  })
  test('401: refresh credentials', () => {
    expect(kubeError(Object.assign(new Error('x'), { code: 401 }), 'listing nodes', where).oneLine).toMatch(/rejected the credentials \(401 Unauthorized\) while listing nodes — refresh/)
  })
  test('401 through the AWS credential plugin: an identity without an EKS access entry, not only expiry', () => {
    const eks = kubeError(Object.assign(new Error('x'), { code: 401 }), 'listing nodes', { ...where, authCommand: 'aws' })
    expect(eks.hint).toMatch(/^on EKS a valid AWS identity without access to this cluster gets 401 too: check `aws sts get-caller-identity` against the cluster's access entries/)
  })
  test('route MTU from ip -json route get (Cilium sets it below the device MTU)', () => {
    expect(mtuFromRouteJson('[{"dst":"10.0.1.5","gateway":"10.0.0.1","dev":"eth0","flags":[],"uid":0,"cache":[],"metrics":[{"mtu":1450}]}]')).toBe(1450)
    expect(mtuFromRouteJson('[{"dst":"10.0.1.5","dev":"eth0","flags":[],"uid":0,"cache":[]}]')).toBeUndefined()
    expect(mtuFromRouteJson('RTNETLINK answers: Network is unreachable')).toBeUndefined()
  })
  test('connection refused: cannot reach the API server', () => {
    const error = Object.assign(new Error('request to https://10.0.0.1:6443/version failed, reason: connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED', type: 'system' })
    expect(kubeError(error, 'reading the server version', where).message).toBe("cannot reach the Kubernetes API server of context 'prod-like' (https://10.0.0.1:6443): connect ECONNREFUSED 10.0.0.1:6443")
  })
  test('TLS trouble is told as such', () => {
    const error = Object.assign(new Error('request to https://x failed, reason: self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
    expect(kubeError(error, 'x', where).message).toMatch(/^TLS with the API server of context 'prod-like'/)
  })
  test('a Status body that is not JSON is kept as text', () => {
    expect(statusOf({ body: 'upstream connect error\nmore' })).toEqual({ message: 'upstream connect error' })
    expect(unreachable(where, 'x').exitCode).toBe(3)
  })
})

describe('pod MTU', () => {
  const output = JSON.stringify([
    { ifindex: 1, ifname: 'lo', mtu: 65536, addr_info: [{ family: 'inet', local: '127.0.0.1' }] },
    { ifindex: 2, ifname: 'tunl0', mtu: 1480, addr_info: [] },
    { ifindex: 4, ifname: 'eth0', mtu: 1440, addr_info: [{ family: 'inet', local: '192.168.84.5' }, { family: 'inet6', local: 'fe80::1' }] },
  ])
  test('the interface holding the pod IP', () => {
    expect(mtuFromIpJson(output, '192.168.84.5')).toEqual({ ifname: 'eth0', mtu: 1440 })
    expect(mtuFromIpJson(output, '10.9.9.9')).toBeUndefined()
    expect(mtuFromIpJson('Object "addr" is unknown', '1.2.3.4')).toBeUndefined()
  })
  test('sysfs fallback', () => {
    expect(mtuFromSysfs('1450\n')).toBe(1450)
    expect(mtuFromSysfs('cat: no such file')).toBeUndefined()
  })
})

describe('programs in pods are stoppable without a shell splice', () => {
  test('argv is passed as arguments of a fixed script', () => {
    const argv = ['iperf3', '-c', '10.0.0.2; rm -rf /', '--json']
    const wrappedArgv = wrapped('/tmp/netbench-x.pid', argv)
    expect(wrappedArgv.slice(0, 4)).toEqual(['sh', '-c', 'echo $$ > "$0" && exec "$@"', '/tmp/netbench-x.pid'])
    expect(wrappedArgv.slice(4)).toEqual(argv)
    expect(stopper('/tmp/netbench-x.pid').slice(0, 2)).toEqual(['sh', '-c'])
    expect(stopper('/tmp/netbench-x.pid')[3]).toBe('/tmp/netbench-x.pid')
  })
})

describe('run liveness for netbench clean --kube', () => {
  const namespace = (annotations: Record<string, string>) => ({ metadata: { name: 'netbench-ab12', annotations } })
  const now = Date.parse('2024-06-11T10:10:00Z')
  test('same host: the owner process decides (PID and start time)', () => {
    const ns = namespace({ [OWNER_HOST_ANNOTATION]: 'me', [OWNER_PID_ANNOTATION]: '42', [OWNER_START_ANNOTATION]: '1000', [HEARTBEAT_ANNOTATION]: '2024-06-11T10:09:30Z' })
    expect(ownerLiveness(ns, now, 'me', () => '1000').alive).toBe(true)
    expect(ownerLiveness(ns, now, 'me', () => undefined)).toEqual({ alive: false, why: 'its owner, process 42 on this host, is gone' })
    expect(ownerLiveness(ns, now, 'me', () => '2000').alive).toBe(false)
  })
  test('another host: the heartbeat decides (three missed minutes)', () => {
    expect(ownerLiveness(namespace({ [OWNER_HOST_ANNOTATION]: 'ci-7', [HEARTBEAT_ANNOTATION]: '2024-06-11T10:09:00Z' }), now, 'me').alive).toBe(true)
    expect(ownerLiveness(namespace({ [OWNER_HOST_ANNOTATION]: 'ci-7', [HEARTBEAT_ANNOTATION]: '2024-06-11T10:00:00Z' }), now, 'me')).toEqual({ alive: false, why: 'its owner on ci-7 last beat 10 min ago' })
    expect(ownerLiveness(namespace({}), now, 'me').alive).toBe(false)
  })
})

describe('HTTPS_PROXY for the API server, by Go\'s rules (as kubectl)', () => {
  const env = (extra: Record<string, string> = {}) => ({ HTTPS_PROXY: 'http://proxy.corp:3128', ...extra })
  test('https servers go through HTTPS_PROXY unless NO_PROXY names them or they are loopback', () => {
    expect(proxyFor('https://api.prod.example.com:6443', env())).toBe('http://proxy.corp:3128')
    expect(proxyFor('https://api.prod.example.com:6443', env({ NO_PROXY: '.example.com' }))).toBeUndefined()
    expect(proxyFor('https://api.prod.example.com:6443', env({ NO_PROXY: 'example.com:443' }))).toBe('http://proxy.corp:3128')
    expect(proxyFor('https://10.0.0.1:6443', env({ no_proxy: 'foo,10.0.0.0/8' }))).toBeUndefined()
    expect(proxyFor('https://10.0.0.1:6443', env({ NO_PROXY: '*' }))).toBeUndefined()
    expect(proxyFor('https://127.0.0.1:6443', env())).toBeUndefined()
    expect(proxyFor('https://10.0.0.1:6443', {})).toBeUndefined()
  })
})
