/**
 * Which process owns a run's namespaces, and whether a namespace's owner is still alive:
 * the owner's process on this host (PID + start time, so a reused PID is not mistaken for it),
 * or, seen from another host, a heartbeat annotation renewed every minute.
 */
import { hostname } from 'node:os'
import type { V1Namespace } from '@kubernetes/client-node'
import { HEARTBEAT_ANNOTATION, HEARTBEAT_STALE_MS, OWNER_HOST_ANNOTATION, OWNER_PID_ANNOTATION, OWNER_START_ANNOTATION } from './labels.ts'
import type { RunOwner } from './manifests.ts'
import { processStartTicks as processStart } from '../../process.ts'

export function currentOwner(): RunOwner {
  return { host: hostname(), pid: process.pid, start: processStart(process.pid) ?? '' }
}

export type Liveness = { alive: true; why: string } | { alive: false; why: string }

/** Whether the run that made this namespace is still going. */
export function ownerLiveness(namespace: V1Namespace, now = Date.now(), host = hostname(), startOf: (pid: number) => string | undefined = processStart): Liveness {
  const annotations = namespace.metadata?.annotations ?? {}
  const ownerHost = annotations[OWNER_HOST_ANNOTATION]
  const pid = Number(annotations[OWNER_PID_ANNOTATION])
  if (ownerHost === host && Number.isInteger(pid) && pid > 0) {
    const start = startOf(pid)
    return start !== undefined && start === (annotations[OWNER_START_ANNOTATION] ?? '')
      ? { alive: true, why: `its owner, process ${pid} on this host, is running` }
      : { alive: false, why: `its owner, process ${pid} on this host, is gone` }
  }
  const beat = Date.parse(annotations[HEARTBEAT_ANNOTATION] ?? '')
  if (!Number.isFinite(beat)) return { alive: false, why: 'it has no heartbeat' }
  const age = now - beat
  return age <= HEARTBEAT_STALE_MS
    ? { alive: true, why: `its owner on ${ownerHost ?? 'another host'} beat ${Math.round(age / 1000)} s ago` }
    : { alive: false, why: `its owner on ${ownerHost ?? 'another host'} last beat ${Math.round(age / 60_000)} min ago` }
}
