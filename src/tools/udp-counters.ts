import { catFiles, type Endpoint } from '../endpoint.ts'

/** The kernel's UDP counters of an endpoint's network namespace (`/proc/net/snmp`, `Udp:` rows). */
export interface UdpCounters {
  inDatagrams: number
  /** Datagrams dropped because the receiving socket's buffer was full: receiver overrun. */
  rcvbufErrors: number
  inErrors: number
}

/** Parses the header/value row pair of `/proc/net/snmp` for UDP. */
export function parseUdpCounters(snmp: string): UdpCounters | undefined {
  const rows = snmp.split('\n').filter((line) => line.startsWith('Udp: '))
  if (rows.length < 2) return undefined
  const names = rows[0]!.split(/\s+/).slice(1)
  const values = rows[1]!.split(/\s+/).slice(1).map(Number)
  const field = (name: string) => values[names.indexOf(name)]
  const inDatagrams = field('InDatagrams')
  const rcvbufErrors = field('RcvbufErrors')
  const inErrors = field('InErrors')
  if (inDatagrams === undefined || rcvbufErrors === undefined || inErrors === undefined) return undefined
  return { inDatagrams, rcvbufErrors, inErrors }
}

/** Reads the counters inside the endpoint; undefined where the endpoint cannot show them. */
export async function readUdpCounters(endpoint: Endpoint): Promise<UdpCounters | undefined> {
  try {
    const result = await catFiles(endpoint, ['/proc/net/snmp'], { timeoutMs: 5000 })
    return result.exitCode === 0 ? parseUdpCounters(result.stdout) : undefined
  } catch {
    return undefined
  }
}
