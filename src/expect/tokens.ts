/**
 * Tokenizer and spelling helpers for the expectation language (see parse.ts for the grammar).
 * Kept apart so the parser reads as the grammar and nothing else.
 */

export interface Token {
  text: string
  /** Character offsets into the (trimmed) expectation text, end exclusive. */
  start: number
  end: number
}

// Operator characters form their own tokens so `loss<5%` splits like `loss < 5%`. Unicode ≤ ≥
// and `=`/`!` are included only so the parser can name them in a helpful error.
const tokenPattern = /[<>=!≤≥]+|[^\s<>=!≤≥]+/g

export function tokenize(text: string): Token[] {
  return [...text.matchAll(tokenPattern)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }))
}

export function isOperatorToken(token: Token): boolean {
  return /^[<>=!≤≥]+$/.test(token.text)
}

/** Levenshtein distance: enough to catch the typos people make in a dozen keywords. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution))
    }
    previous = current
  }
  return previous[b.length]!
}

// Words people reach for that are far in edit distance from the keyword they mean.
const aliases: Record<string, string> = {
  bandwidth: 'throughput', bw: 'throughput', tput: 'throughput', retrans: 'retransmits', nodecpu: 'cpu.node', softirq: 'cpu.node',
  avg: 'mean', average: 'mean', p50: 'median', minimum: 'min', maximum: 'max',
  // Service paths: Kubernetes' names for the Service types.
  clusterip: 'service', svc: 'service', 'node-port': 'nodeport', externalip: 'nodeport',
}

/**
 * The closest candidate, or undefined. Short keywords tolerate one edit; long ones up to three,
 * so `thruput` (3 edits) still finds `throughput` while `xyz` does not match `cpu`.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase()
  const alias = aliases[lower]
  if (alias !== undefined && candidates.includes(alias)) return alias
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const allowed = candidate.length <= 4 ? 1 : candidate.length <= 7 ? 2 : 3
    const distance = editDistance(lower, candidate)
    if (distance <= allowed && distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}
