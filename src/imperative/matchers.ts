import type { PointResult } from '../results/types.ts'
import { formatRate, parseBitrate } from '../units.ts'
import { judgeLab, judgePoint, type Judgement, type Measured } from './satisfy.ts'

interface MatcherResult { pass: boolean; message: () => string }

/**
 * What "reach" means: the received rate is at least this share of the rate, as the suite
 * expectation `throughput >= 99% of offered` says. A lossless path delivers 99.9x% of what was
 * offered (iperf3's start and end fall inside the measured interval), never exactly all of it.
 */
export const REACH_PERCENT = 99

/** A lab as toSatisfy sees it: what it measured in its file. */
export interface MeasuringLab {
  measured(): Measured
}

const isLab = (value: unknown): value is MeasuringLab => typeof (value as MeasuringLab | null)?.measured === 'function'

function result(judgement: Judgement): MatcherResult {
  return { pass: judgement.pass, message: () => judgement.message }
}

/**
 * Matchers for the imperative form. Each is an expectation of the suite grammar, parsed and
 * evaluated by the same code: `toHaveLossBelow(1)` is `loss < 1%`.
 */
export const netbenchMatchers = {
  toHaveLossBelow(point: PointResult, percent: number): MatcherResult {
    return result(judgePoint(`loss < ${percent}%`, point))
  },
  toReachThroughput(point: PointResult, rate: string | number): MatcherResult {
    const bps = typeof rate === 'number' ? rate : parseBitrate(rate)
    if (bps === undefined) throw new Error(`toReachThroughput('${rate}'): not a rate; write e.g. '400M' or a number of bit/s`)
    if (point.step === 'udp' && point.bitrateBps === bps) return result(judgePoint(`throughput >= ${REACH_PERCENT}% of offered`, point))
    const judgement = judgePoint(`throughput >= ${(bps * REACH_PERCENT) / 100 / 1e3}K`, point)
    return result({ ...judgement, message: `${judgement.message} (${REACH_PERCENT}% of ${formatRate(bps)})` })
  },
  toHaveJitterBelow(point: PointResult, time: string | number): MatcherResult {
    return result(judgePoint(`jitter < ${typeof time === 'number' ? `${time}ms` : time}`, point))
  },
  toSatisfy(subject: PointResult | MeasuringLab, expectation: string): MatcherResult {
    return result(isLab(subject) ? judgeLab(expectation, subject.measured()) : judgePoint(expectation, subject))
  },
}

export interface NetbenchMatchers<R = unknown> {
  /** `loss < N%`: UDP loss (median over repeats) below this many percent. */
  toHaveLossBelow(percent: number): R
  /** `throughput >= 99% of <rate>`: the received rate reaches the rate (`'400M'` or bit/s) as a lossless path does. */
  toReachThroughput(rate: string | number): R
  /** `jitter < <time>`: UDP jitter below this time (`'1ms'`, or a number of milliseconds). */
  toHaveJitterBelow(time: string | number): R
  /**
   * Any expectation of the suite grammar. On a point the subject may be left out
   * (`'loss.network < 1%'`); on the lab it reads every point measured in this file
   * (`'calico tcp throughput >= 90% of flannel'`).
   */
  toSatisfy(expectation: string): R
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends NetbenchMatchers<T> {}
}
