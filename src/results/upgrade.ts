import type { Direction, ExpectationResult, PointResult, RunResult } from './types.ts'

/**
 * Version 1 results (before the fields below existed) read as version 2: what a reporter needs
 * is derived once, here, from what version 1 kept — the label and the test name — so no reporter
 * parses display strings. Nothing else changes.
 */
type PointV1 = Omit<PointResult, 'bitrateBps' | 'stepIndex' | 'direction' | 'endpoint'> & { bitrate: number | null }
type ExpectationV1 = Omit<ExpectationResult, 'pointLabel' | 'needed'>

/** `tcp ×4 reverse (zones, host)`: the direction word after the variant. */
function directionOf(point: PointV1): Direction | null {
  if (point.step !== 'tcp') return null
  return / reverse\b/.test(point.label) ? 'reverse' : / bidir\b/.test(point.label) ? 'bidir' : 'forward'
}

/** Ids read `<network>|<step index>|<variant>`; imperative points' middle part is no index. */
function stepIndexOf(point: PointV1): number {
  const index = Number(point.id.slice(point.network.length + 1).split('|')[0])
  return Number.isInteger(index) ? index : -1
}

function upgradePoint(old: PointV1): PointResult {
  const { bitrate, ...point } = old
  const qualifiers = /\(([^)]*)\)$/.exec(point.label)?.[1]?.split(', ') ?? []
  return {
    ...point,
    stepIndex: stepIndexOf(old),
    bitrateBps: bitrate,
    direction: directionOf(old),
    endpoint: qualifiers.includes('host') ? 'host' : 'pod',
    // Version 1 knew no Service paths: `via` stays absent, which reads as the pod path.
  }
}

/**
 * `host › udp 100M › loss < 5%`: the group is the part before the expectation;
 * `measured 4.1%, needed < 5%`: the bound is what follows the measured value.
 */
function upgradeExpectation(old: ExpectationV1): ExpectationResult {
  const needed = /^measured [^,]*, (.*)$/s.exec(old.message ?? '')?.[1] ?? null
  return { ...old, pointLabel: old.name.split(' › ').slice(-2, -1)[0] ?? null, needed }
}

export function upgradeFromV1(old: Record<string, unknown>): RunResult {
  const result = old as unknown as RunResult
  const suites = result.suites.map((suite) => ({
    ...suite,
    points: (suite.points as unknown as PointV1[]).map(upgradePoint),
    expectations: (suite.expectations as ExpectationV1[]).map(upgradeExpectation),
  }))
  const baseline = result.baseline && {
    ...result.baseline,
    points: result.baseline.points.map((change) => {
      const { bitrate, ...rest } = change as typeof change & { bitrate?: number | null }
      return { ...rest, bitrateBps: rest.bitrateBps ?? bitrate ?? null }
    }),
  }
  return { ...result, schemaVersion: 2, suites, ...baseline ? { baseline } : {} }
}
