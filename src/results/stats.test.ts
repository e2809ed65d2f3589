import { describe, expect, test } from 'vitest'
import { summarize } from './aggregate.ts'
import { mean, percentile, statistic } from './stats.ts'

// Hand-computed: sorted [1, 2, 3, 4, 10]; type-7 percentile rank = p/100 × (n − 1).
const sample = [4, 1, 10, 3, 2]

describe('statistics over repeats', () => {
  test.each([
    ['median', 3], ['mean', 4], ['min', 1], ['max', 10],
    ['p95', 8.8], // rank 3.8 → 4 + 0.8 × (10 − 4)
    ['p99', 9.76], // rank 3.96 → 4 + 0.96 × 6
  ] as const)('%s', (stat, expected) => {
    expect(statistic(sample, stat)).toBeCloseTo(expected, 10)
  })

  test('even counts interpolate the median', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5)
  })

  test('no values: no statistic', () => {
    expect(statistic([], 'median')).toBeNull()
    expect(mean([5])).toBe(5)
  })
})

describe('the spread reported next to each figure', () => {
  test('hand-computed: [10, 11, 12] has sd 1 and a 95% interval of 11 ± 4.303/√3', () => {
    const summary = summarize([12, 10, 11])!
    expect(summary).toMatchObject({ n: 3, median: 11, mean: 11, min: 10, max: 12 })
    expect(summary.stddev).toBeCloseTo(1, 10)
    const half = 4.302652729911275 / Math.sqrt(3)
    expect(summary.ci95![0]).toBeCloseTo(11 - half, 6)
    expect(summary.ci95![1]).toBeCloseTo(11 + half, 6)
  })

  test('one repeat has no interval', () => {
    expect(summarize([5])).toMatchObject({ n: 1, stddev: 0, ci95: null })
    expect(summarize([])).toBeUndefined()
  })
})
