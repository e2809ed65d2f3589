import type { PointResult } from '../results/types.ts'
import { formatRate, parseBitrate, parseDuration, formatMs } from '../units.ts'

interface MatcherResult { pass: boolean; message: () => string }

function measured(point: PointResult, what: string): string | undefined {
  return point.status === 'error' ? `${point.network} › ${point.label}: the measurement failed (${point.error}), so ${what} cannot be judged` : undefined
}

/** Matchers for the imperative form: `expect(point).toHaveLossBelow(5)`. */
export const netbenchMatchers = {
  toHaveLossBelow(point: PointResult, percent: number): MatcherResult {
    const failure = measured(point, 'loss')
    if (failure) return { pass: false, message: () => failure }
    const loss = point.metrics.lossPercent ?? Number.NaN
    return { pass: loss < percent, message: () => `expected ${point.network} › ${point.label} loss ${loss.toFixed(2)}% to be below ${percent}%` }
  },
  toReachThroughput(point: PointResult, rate: string | number): MatcherResult {
    const failure = measured(point, 'throughput')
    if (failure) return { pass: false, message: () => failure }
    const bound = typeof rate === 'number' ? rate : parseBitrate(rate) ?? Number.NaN
    const actual = point.metrics.throughputBps ?? Number.NaN
    return { pass: actual >= bound, message: () => `expected ${point.network} › ${point.label} throughput ${formatRate(actual)} to reach ${formatRate(bound)}` }
  },
  toHaveJitterBelow(point: PointResult, time: string | number): MatcherResult {
    const failure = measured(point, 'jitter')
    if (failure) return { pass: false, message: () => failure }
    const bound = typeof time === 'number' ? time : parseDuration(time) ?? Number.NaN
    const actual = point.metrics.jitterMs ?? Number.NaN
    return { pass: actual < bound, message: () => `expected ${point.network} › ${point.label} jitter ${formatMs(actual)} to be below ${formatMs(bound)}` }
  },
}

export interface NetbenchMatchers<R = unknown> {
  /** UDP loss (median over repeats) below this many percent. */
  toHaveLossBelow(percent: number): R
  /** Received throughput at least this rate (`'400M'` or bit/s). */
  toReachThroughput(rate: string | number): R
  /** UDP jitter below this time (`'1ms'` or milliseconds). */
  toHaveJitterBelow(time: string | number): R
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends NetbenchMatchers<T> {}
}
