/**
 * The local lab's run lifecycle, as the runner sees it through the Provider interface: ownership
 * records and reaping (runs.ts), the `nb<id>` naming (names.ts), and the facts a result records
 * about how this machine shapes and buffers.
 */
import { localSocketBufferLimits, socketBufferNote } from '../../tools/iperf3/socket-buffer.ts'
import { UDP_SOCKET_BUFFER_BYTES } from '../../tools/iperf3/run.ts'
import type { RunLifecycle } from '../types.ts'
import { prefix } from './names.ts'
import { claimRun, reapDeadRuns, removeRun, stopLabProcesses } from './runs.ts'
import { LAB_FACTS } from './shaping.ts'

export const localLifecycle: RunLifecycle = {
  // `nb<id>-`: reapDeadRuns removes temp dirs of this shape whose run is dead.
  runDirPrefix: (runId) => `${prefix(runId)}-`,
  claim: (runId, runDir) => claimRun(runId, runDir),
  stopProcesses: async (runId) => { await stopLabProcesses(runId) },
  release: (runId) => removeRun(runId),
  reapDeadRuns: (exceptRunId) => reapDeadRuns(exceptRunId),
  facts: async (stream) => ({ ...LAB_FACTS, ...await socketBufferFacts(stream) }),
}

/** The host's socket-buffer limits for the environment; says what low ones cost before measuring. */
async function socketBufferFacts(stream: NodeJS.WritableStream): Promise<Record<string, string>> {
  const limits = await localSocketBufferLimits()
  if (!limits) return {}
  const note = socketBufferNote(limits, UDP_SOCKET_BUFFER_BYTES)
  if (note) stream.write(`netbench: ${note}\n`)
  return { socketBufferLimits: note ?? `net.core.wmem_max ${limits.wmemMax}, rmem_max ${limits.rmemMax}` }
}
