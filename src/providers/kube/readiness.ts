/**
 * Why a pod is not Ready, in words a user can act on: image pull failures, sandbox (CNI)
 * failures, a container that exited, a node that refused the pod.
 */
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node'

export interface PodProblem {
  /** Will not get better by waiting (bad image name, pod Failed, container exited). */
  fatal: boolean
  reason: string
  hint: string
}

const FATAL_WAITING = new Set(['InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError', 'CreateContainerError', 'CrashLoopBackOff', 'RunContainerError'])
const PULL = new Set(['ErrImagePull', 'ImagePullBackOff'])
/** A single-arch image on a node of another architecture (arm64 pools) dies at exec. */
const WRONG_ARCH = /exec format error/
const ARCH_HINT = 'the image is not built for this node\'s architecture (kubernetes.io/arch): use a multi-arch cluster.podImage (the default nicolaka/netshoot is)'

export function isReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && pod.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true
}

/** What keeps a pod from being Ready right now; null when nothing is known to be wrong yet. */
export function podProblem(pod: V1Pod): PodProblem | null {
  const status = pod.status
  const image = pod.spec?.containers[0]?.image ?? '?'
  if (status?.phase === 'Failed' || status?.phase === 'Succeeded') {
    const terminated = status.containerStatuses?.[0]?.state?.terminated
    const why = [status.reason, status.message].filter(Boolean).join(': ')
      || (terminated ? `the container exited with code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}` : `phase ${status.phase}`)
    return { fatal: true, reason: why, hint: /OutOf|Insufficient/i.test(why) ? 'free resources on that node or pick another' : 'the image must keep `sleep infinity` running' }
  }
  const scheduled = status?.conditions?.find((condition) => condition.type === 'PodScheduled')
  if (scheduled?.status === 'False') {
    return { fatal: false, reason: `unschedulable: ${scheduled.message ?? scheduled.reason ?? 'no node fits'}`, hint: 'free resources on that node or make it schedulable' }
  }
  for (const container of status?.containerStatuses ?? []) {
    const waiting = container.state?.waiting
    const terminated = container.state?.terminated
    if (terminated) {
      return { fatal: true, reason: `the container exited with code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}${terminated.message ? `: ${terminated.message}` : ''}`, hint: WRONG_ARCH.test(terminated.message ?? '') ? ARCH_HINT : 'the image must keep `sleep infinity` running' }
    }
    if (waiting?.reason && PULL.has(waiting.reason)) {
      return { fatal: false, reason: `${waiting.reason}: ${waiting.message ?? `cannot pull ${image}`}`, hint: `check cluster.podImage (${image}) and that the nodes can reach its registry` }
    }
    if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
      const hint = waiting.reason === 'InvalidImageName' ? 'fix cluster.podImage' : WRONG_ARCH.test(waiting.message ?? '') ? ARCH_HINT : 'the image must run `sleep infinity` (netshoot does)'
      return { fatal: true, reason: `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`, hint }
    }
  }
  return null
}

/** The newest Warning event of a pod (sandbox/CNI failures only show there). */
export function lastWarning(events: readonly CoreV1Event[]): string | null {
  const warnings = events.filter((event) => event.type === 'Warning')
  const time = (event: CoreV1Event) => new Date(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? 0).getTime()
  const last = warnings.sort((a, b) => time(a) - time(b)).at(-1)
  return last ? `${last.reason ?? 'Warning'}: ${(last.message ?? '').split('\n')[0]}` : null
}

/** One line for a pod that did not become Ready in time. */
export function notReadyReason(pod: V1Pod | undefined, warning: string | null): { reason: string; hint: string } {
  if (!pod) return { reason: 'the pod disappeared', hint: 'something deleted it (netbench clean, a policy engine or the namespace being removed)' }
  const problem = podProblem(pod)
  if (problem) return { reason: problem.reason, hint: problem.hint }
  if (warning) {
    const cni = /sandbox|CNI|network plugin|networkPlugin|cni/i.test(warning)
    return { reason: warning, hint: cni ? 'the CNI could not wire the pod: check the CNI pods on that node (kubectl -n kube-system get pods -o wide)' : 'see the event above' }
  }
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting?.reason
  return {
    reason: `still ${waiting ?? pod.status?.phase ?? 'Pending'}`,
    hint: 'the image may still be pulling: raise cluster.readyTimeout, or pre-pull the image on the nodes',
  }
}
