import { describe, expect, test } from 'vitest'
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node'
import { isReady, lastWarning, notReadyReason, podProblem } from './readiness.ts'

const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'calico-p1' }, spec: { nodeName: 'n2', containers: [{ name: 'netbench', image: 'nicolaka/netshoot:v0.13' }] }, status })
const waiting = (reason: string, message?: string) => pod({ phase: 'Pending', containerStatuses: [{ name: 'netbench', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message } } }] })

describe('readiness', () => {
  test('Ready means Running with the Ready condition', () => {
    expect(isReady(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }))).toBe(true)
    expect(isReady(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }))).toBe(false)
    expect(isReady(pod({ phase: 'Pending' }))).toBe(false)
  })
  test('image pull failures are worth waiting for, with the image in the hint', () => {
    const problem = podProblem(waiting('ImagePullBackOff', 'Back-off pulling image "nicolaka/netshoot:v0.13"'))
    expect(problem).toEqual({ fatal: false, reason: 'ImagePullBackOff: Back-off pulling image "nicolaka/netshoot:v0.13"', hint: expect.stringContaining('nicolaka/netshoot:v0.13') })
  })
  test('what waiting cannot fix is fatal at once', () => {
    expect(podProblem(waiting('InvalidImageName', 'invalid reference format'))?.fatal).toBe(true)
    expect(podProblem(waiting('CrashLoopBackOff'))?.fatal).toBe(true)
    expect(podProblem(pod({ phase: 'Failed', reason: 'OutOfcpu', message: 'Node didn\'t have enough resource: cpu' }))).toMatchObject({ fatal: true, reason: "OutOfcpu: Node didn't have enough resource: cpu", hint: expect.stringContaining('free resources') })
    expect(podProblem(pod({ phase: 'Running', containerStatuses: [{ name: 'netbench', image: 'x', imageID: '', ready: false, restartCount: 1, state: { terminated: { exitCode: 1, reason: 'Error' } } }] }))).toMatchObject({ fatal: true, reason: 'the container exited with code 1 (Error)' })
  })
  test('a single-arch image on an arm64 node: the architecture is named', () => {
    const crash = podProblem(waiting('CrashLoopBackOff', 'back-off 10s restarting failed container: exec /bin/sleep: exec format error'))
    expect(crash).toMatchObject({ fatal: true, hint: expect.stringMatching(/^the image is not built for this node's architecture \(kubernetes\.io\/arch\)/) })
  })
  test('unschedulable, from the PodScheduled condition', () => {
    expect(podProblem(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }] }))?.reason).toBe('unschedulable: 0/3 nodes are available')
  })
  test('a sandbox (CNI) failure only shows as an event: the newest Warning wins', () => {
    const events: CoreV1Event[] = [
      { metadata: {}, involvedObject: {}, type: 'Normal', reason: 'Scheduled', message: 'ok', lastTimestamp: new Date('2024-01-01T00:00:01Z') },
      { metadata: {}, involvedObject: {}, type: 'Warning', reason: 'FailedCreatePodSandBox', message: 'plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file', lastTimestamp: new Date('2024-01-01T00:00:03Z') },
      { metadata: {}, involvedObject: {}, type: 'Warning', reason: 'Old', message: 'older', lastTimestamp: new Date('2024-01-01T00:00:02Z') },
    ]
    const warning = lastWarning(events)
    expect(warning).toBe('FailedCreatePodSandBox: plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file')
    expect(notReadyReason(waiting('ContainerCreating'), warning)).toEqual({ reason: warning, hint: expect.stringContaining('the CNI could not wire the pod') })
  })
  test('nothing known: still pulling, raise the timeout', () => {
    expect(notReadyReason(waiting('ContainerCreating'), null)).toEqual({ reason: 'still ContainerCreating', hint: expect.stringContaining('readyTimeout') })
    expect(notReadyReason(undefined, null).reason).toBe('the pod disappeared')
  })
})
