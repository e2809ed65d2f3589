/**
 * Just enough statistics to tell a real change from run-to-run noise: Welch's t-test (two
 * samples, unequal variances; the usual choice for benchmark repeats) and Student-t confidence
 * intervals. The t distribution comes from the regularized incomplete beta function, evaluated
 * with Lentz's continued fraction as in Numerical Recipes §6.4.
 */
import { mean } from './stats.ts'
import type { ConfidenceInterval } from './types.ts'

/** Significance level: a change is called real when noise alone would explain it under 5% of the time. */
export const ALPHA = 0.05

export function variance(values: readonly number[]): number {
  const m = mean(values)
  return values.reduce((sum, value) => sum + (value - m) ** 2, 0) / (values.length - 1)
}

// Lanczos approximation (g = 7, n = 9): ~15 significant digits for x > 0.
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]

function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const z = x - 1
  let sum = LANCZOS[0]!
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i)
  const t = z + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  d = 1 / (Math.abs(d) < tiny ? tiny : d)
  let h = d
  for (let m = 1; m <= 300; m++) {
    for (const numerator of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + numerator * d
      d = 1 / (Math.abs(d) < tiny ? tiny : d)
      c = 1 + numerator / c
      if (Math.abs(c) < tiny) c = tiny
      h *= d * c
    }
    if (Math.abs(d * c - 1) < 1e-15) break
  }
  return h
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  // The continued fraction converges fast only below the mean of the distribution; use symmetry above it.
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b
}

/** P(T <= t) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's is). */
export function studentTCdf(t: number, df: number): number {
  if (t === Infinity) return 1
  if (t === -Infinity) return 0
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5)
  return t > 0 ? 1 - tail : tail
}

/** The t value below which a share `p` of the distribution lies, by bisection on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  let low = -1e6
  let high = 1e6
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, Math.abs(high)); i++) {
    const middle = (low + high) / 2
    if (studentTCdf(middle, df) < p) low = middle
    else high = middle
  }
  return (low + high) / 2
}

export interface WelchResult {
  t: number
  df: number
  /** One-sided p-value for "the mean of `a` is below the mean of `b`". */
  pLess: number
  /** One-sided p-value for "the mean of `a` is above the mean of `b`". */
  pGreater: number
  /** Two-sided p-value for "the means differ". */
  pTwoSided: number
}

/** Welch's t-test of two samples; undefined when either has fewer than two values (no noise estimate). */
export function welchTest(a: readonly number[], b: readonly number[]): WelchResult | undefined {
  if (a.length < 2 || b.length < 2) return undefined
  const va = variance(a) / a.length
  const vb = variance(b) / b.length
  const difference = mean(a) - mean(b)
  const se = Math.sqrt(va + vb)
  if (se === 0) {
    // No spread on either side: any difference is exact, not noise.
    const t = difference === 0 ? 0 : difference > 0 ? Infinity : -Infinity
    const less = difference < 0 ? 0 : 1
    const greater = difference > 0 ? 0 : 1
    return { t, df: a.length + b.length - 2, pLess: less, pGreater: greater, pTwoSided: difference === 0 ? 1 : 0 }
  }
  const t = difference / se
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1))
  const cdf = studentTCdf(t, df)
  return { t, df, pLess: cdf, pGreater: 1 - cdf, pTwoSided: 2 * Math.min(cdf, 1 - cdf) }
}

/** Student-t confidence interval of the mean; undefined for fewer than two values. */
export function confidenceInterval(values: readonly number[], level = 1 - ALPHA): ConfidenceInterval | undefined {
  if (values.length < 2) return undefined
  const m = mean(values)
  const half = studentTQuantile(1 - (1 - level) / 2, values.length - 1) * Math.sqrt(variance(values) / values.length)
  return { mean: m, low: m - half, high: m + half }
}
