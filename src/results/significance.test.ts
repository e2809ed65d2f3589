import { describe, expect, it } from 'vitest'
import { confidenceInterval, incompleteBeta, studentTCdf, studentTQuantile, variance, welchTest } from './significance.ts'

describe('the t distribution', () => {
  it('matches closed forms', () => {
    // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/π.
    for (const t of [-2.2, -0.3, 0, 0.7, 5]) expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12)
    // df = 2: F(t) = 1/2 + t / (2 √(2 + t²)).
    for (const t of [-4, -1, 0.5, 3]) expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12)
    // I_x(1, 1) = x (uniform) and I_x(a, 1) = x^a.
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14)
    expect(incompleteBeta(0.6, 3, 1)).toBeCloseTo(0.216, 14)
  })

  it('inverts to the textbook critical values', () => {
    // df = 2 inverts in closed form: t = (2p − 1)/√(2p(1 − p)) = 0.95/√0.04875 = 4.302653.
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(0.95 / Math.sqrt(0.04875), 6)
    // df = 4 from the tables: 2.776.
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.776445, 5)
    expect(studentTQuantile(0.5, 7)).toBeCloseTo(0, 6)
  })
})

describe('welchTest', () => {
  it('computes t, df and p for equal-sized samples by hand', () => {
    // a = 10, 11, 12 and b = 13, 14, 15: means 11 and 14, variances 1 and 1, so
    // se = √(1/3 + 1/3) = √(2/3), t = −3/√(2/3) = −3.6742, df = (2/3)² / (2·(1/3)²/2) = 4.
    // For df = 4, F(t) = 1/2 + (3/8)·(t/√(1+t²/4))·(1 − t²/(12(1+t²/4))) = 0.010656.
    const result = welchTest([10, 11, 12], [13, 14, 15])!
    expect(result.t).toBeCloseTo(-3 / Math.sqrt(2 / 3), 12)
    expect(result.df).toBeCloseTo(4, 12)
    expect(result.pLess).toBeCloseTo(0.0106558, 6)
    expect(result.pGreater).toBeCloseTo(1 - 0.0106558, 6)
    expect(result.pTwoSided).toBeCloseTo(0.0213116, 6)
  })

  it('handles unequal sizes and variances (Welch–Satterthwaite df)', () => {
    const a = [438.1, 440.3, 436.9, 441.0]
    const b = [420.2, 425.7, 418.8]
    const result = welchTest(a, b)!
    const va = variance(a) / 4
    const vb = variance(b) / 3
    expect(result.t).toBeCloseTo((439.075 - 421.5666666) / Math.sqrt(va + vb), 6)
    expect(result.df).toBeCloseTo((va + vb) ** 2 / (va ** 2 / 3 + vb ** 2 / 2), 10)
    expect(result.t).toBeCloseTo(7.575365, 5)
    expect(result.df).toBeCloseTo(2.823334, 5)
    expect(result.pTwoSided).toBeCloseTo(0.0058738, 6)
  })

  it('needs two values per side, and treats zero spread as exact', () => {
    expect(welchTest([1], [1, 2])).toBeUndefined()
    expect(welchTest([5, 5, 5], [5, 5])).toMatchObject({ t: 0, pTwoSided: 1 })
    expect(welchTest([4, 4], [5, 5])).toMatchObject({ t: -Infinity, pLess: 0, pGreater: 1, pTwoSided: 0 })
  })
})

describe('confidenceInterval', () => {
  it('is mean ± t(0.975, n−1)·s/√n', () => {
    // 10, 11, 12: mean 11, s = 1, n = 3 → 11 ± 4.302653/√3 = 11 ± 2.484138.
    const ci = confidenceInterval([10, 11, 12])!
    expect(ci.mean).toBe(11)
    expect(ci.low).toBeCloseTo(8.515862, 5)
    expect(ci.high).toBeCloseTo(13.484138, 5)
    expect(confidenceInterval([3])).toBeUndefined()
  })
})
