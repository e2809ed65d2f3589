import { percentile } from './stats.ts'
import { ALPHA, welchTest } from './significance.ts'

export interface Judgement {
  /** held: the medians keep the bound; violated: they cross it beyond the noise; noise: they cross it within the noise. */
  outcome: 'held' | 'violated' | 'noise'
  /** Which test decided, for the reader: `one-sided Welch's t-test, p = 0.003 (3 vs 3 samples)`. */
  decidedBy: string
}

const formatP = (p: number) => p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`

/**
 * Does `current` cross `bound` on the `worse` side? The medians say whether it does at all;
 * with at least two values per side, a one-sided Welch's t-test then says whether the crossing is
 * larger than run-to-run noise (at ALPHA). `bound` holds the reference's samples already moved to
 * the limit (e.g. the baseline × 95%), so the test compares like with like. A caller that reads
 * another statistic than the median (an expectation's `.p95`) passes its own `crosses`.
 */
export function judge(current: readonly number[], bound: readonly number[], worse: 'below' | 'above', crosses = mediansCross(current, bound, worse)): Judgement {
  if (!crosses) return { outcome: 'held', decidedBy: 'medians' }
  const test = welchTest(current, bound)
  if (!test) {
    return { outcome: 'violated', decidedBy: `medians only (${current.length} vs ${bound.length} samples: no noise estimate; use repeat ≥ 2)` }
  }
  const p = worse === 'below' ? test.pLess : test.pGreater
  const samples = `${current.length} vs ${bound.length} samples`
  return p < ALPHA
    ? { outcome: 'violated', decidedBy: `one-sided Welch's t-test, ${formatP(p)} (${samples})` }
    : { outcome: 'noise', decidedBy: `within noise: one-sided Welch's t-test, ${formatP(p)} (${samples})` }
}

function mediansCross(current: readonly number[], bound: readonly number[], worse: 'below' | 'above'): boolean {
  const now = percentile(current, 50)
  const limit = percentile(bound, 50)
  return worse === 'below' ? now < limit : now > limit
}
