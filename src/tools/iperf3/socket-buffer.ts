import { readFile } from 'node:fs/promises'
import { catFiles, type Endpoint } from '../../endpoint.ts'

/** Debian's and Ubuntu's default net.core.wmem_max and rmem_max (and most cluster nodes'). */
export const STOCK_SOCKET_BUFFER_MAX = 212992

const LIMIT_FILES = ['/proc/sys/net/core/wmem_max', '/proc/sys/net/core/rmem_max']

/** Parses `cat wmem_max rmem_max`: the smaller of the two, undefined unless both are numbers. */
export function parseSocketBufferLimit(text: string): number | undefined {
  const values = text.trim().split(/\s+/).map(Number)
  return values.length === 2 && values.every((value) => Number.isInteger(value) && value > 0) ? Math.min(...values) : undefined
}

const limits = new WeakMap<Endpoint, Promise<number | undefined>>()

/**
 * The largest `-w` this endpoint's kernel grants: iperf3 sets both SO_SNDBUF and SO_RCVBUF on
 * each end and fails a UDP test whose buffer the kernel capped ("socket buffer size not set
 * correctly"). The limits are global sysctls (a network namespace reads the host's, read-only),
 * but a pod may sit on another machine, so each endpoint is asked once.
 */
export function socketBufferLimit(endpoint: Endpoint): Promise<number | undefined> {
  let limit = limits.get(endpoint)
  if (!limit) {
    limit = catFiles(endpoint, LIMIT_FILES, { timeoutMs: 5000 })
      .then((result) => result.exitCode === 0 ? parseSocketBufferLimit(result.stdout) : undefined, () => undefined)
    limits.set(endpoint, limit)
  }
  return limit
}

/** The buffer to give iperf3: what is wanted, within what both ends grant. */
export async function grantedSocketBuffer(client: Endpoint, server: Endpoint, wantedBytes: number): Promise<number> {
  const granted = await Promise.all([socketBufferLimit(client), socketBufferLimit(server)])
  return Math.min(wantedBytes, ...granted.filter((limit) => limit !== undefined))
}

/** This machine's limits, for the run's environment and the preflight. */
export async function localSocketBufferLimits(): Promise<{ wmemMax: number; rmemMax: number } | undefined> {
  try {
    const [wmemMax, rmemMax] = await Promise.all(LIMIT_FILES.map(async (file) => Number((await readFile(file, 'utf8')).trim())))
    return Number.isInteger(wmemMax) && Number.isInteger(rmemMax) ? { wmemMax: wmemMax!, rmemMax: rmemMax! } : undefined
  } catch {
    return undefined
  }
}

/**
 * What this machine's limits cost, for the preflight and the run's environment: null when they
 * grant the buffer UDP probes want.
 */
export function socketBufferNote(limits: { wmemMax: number; rmemMax: number }, wantedBytes: number): string | null {
  const granted = Math.min(limits.wmemMax, limits.rmemMax)
  if (granted >= wantedBytes) return null
  return `net.core.wmem_max ${limits.wmemMax} and rmem_max ${limits.rmemMax} cap UDP probes at -w ${granted} (wanted ${wantedBytes}): a receiver that falls behind for a moment overruns its socket sooner (marked "receiver overrun"); \`netbench setup\` offers a sysctl.d file that raises them`
}
