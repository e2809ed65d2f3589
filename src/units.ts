/**
 * Quantities users write in suites and expectations. Rates are decimal (1M = 10^6 bit/s), as
 * iperf3 and network vendors use them; durations and times are kept in milliseconds.
 */

const bitratePattern = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:bit\/s|bits\/s|bps|bit|b)?$/
const rateMultiplier: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 }

/** Parses `1M`, `1.5G`, `450Mbit`, `900Mbps`, `10k` into bit/s; undefined when not a rate. */
export function parseBitrate(text: string): number | undefined {
  const match = bitratePattern.exec(text.trim())
  if (!match) return undefined
  const value = Number(match[1]) * rateMultiplier[match[2]!.toLowerCase()]!
  return Number.isFinite(value) && value > 0 ? value : undefined
}

/** The highest rate a suite may offer: 1T (10^12 bit/s), above any link a lab or cloud has. */
export const MAX_BITRATE_BPS = 1e12

/** Why `text` cannot be an offered rate (zero, above 1T), or undefined when it can. */
export function bitrateProblem(text: string): { message: string; hint: string } | undefined {
  const match = bitratePattern.exec(text.trim())
  const bps = match ? Number(match[1]) * rateMultiplier[match[2]!.toLowerCase()]! : undefined
  if (bps === undefined || Number.isNaN(bps)) return { message: `'${text}' is not a bitrate`, hint: 'write a number with K, M, G or T, e.g. 10M' }
  if (bps < 1) return { message: `a bitrate must be greater than zero, not '${text}'`, hint: 'write e.g. 10M' }
  if (bps > MAX_BITRATE_BPS) return { message: `'${text}' is above 1T (10^12 bit/s)`, hint: 'write a rate up to 1T, e.g. 10G' }
  return undefined
}

/** iperf3 refuses `-t` above 86 400 s; no duration or timeout netbench takes is longer. */
export const MAX_DURATION_MS = 86_400_000

/** Why `ms` cannot be a duration (zero, above a day), or undefined when it can. */
export function durationProblem(ms: number | undefined, value: string | number): { message: string; hint: string } | undefined {
  const text = typeof value === 'number' ? String(value) : `'${value}'`
  if (ms === undefined || Number.isNaN(ms)) return { message: `${text} is not a duration`, hint: 'write e.g. 10s' }
  if (!(ms > 0)) return { message: `a duration must be greater than zero, not ${text}`, hint: 'write e.g. 10s' }
  if (ms > MAX_DURATION_MS) return { message: `${text} is longer than a day (iperf3's limit is 86400 s)`, hint: 'write a duration up to 24h' }
  return undefined
}

const durationPattern = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|min|h)?$/
const durationMs: Record<string, number> = { us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 }

/** Parses `10s`, `500ms`, `2m`, `1.5ms`, `250us`, or a bare number of seconds, into milliseconds. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : undefined
  const match = durationPattern.exec(text.trim())
  if (!match) return undefined
  const unit = match[2] ?? 's'
  return Number(match[1]) * durationMs[unit]!
}

/** Parses `5%` or `0.5 %` into a number of percent. */
export function parsePercent(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*%$/.exec(text.trim())
  return match ? Number(match[1]) : undefined
}

/** `1000000` → `1M`, `1500000000` → `1.5G`: the short form users write. */
export function formatBitrate(bps: number): string {
  for (const [suffix, factor] of [['T', 1e12], ['G', 1e9], ['M', 1e6], ['K', 1e3]] as const) {
    if (bps >= factor) return `${trimNumber(bps / factor)}${suffix}`
  }
  return trimNumber(bps)
}

/** A rate as a reader wants it in a table: `438.2 Mbit/s`; `extra` adds decimals (messages). */
export function formatRate(bps: number | null | undefined, extra = 0): string {
  if (bps === null || bps === undefined || !Number.isFinite(bps)) return '—'
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(2 + extra)} Gbit/s`
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1 + extra)} Mbit/s`
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(1 + extra)} Kbit/s`
  return `${bps.toFixed(extra)} bit/s`
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms >= 1000) return `${trimNumber(ms / 1000, 2)}s`
  if (ms === 0) return '0ms'
  if (ms < 1) return `${trimNumber(ms * 1000, 0)}µs`
  return `${trimNumber(ms, 3)}ms`
}

export function trimNumber(value: number, digits = 2): string {
  return String(Number(value.toFixed(digits)))
}
