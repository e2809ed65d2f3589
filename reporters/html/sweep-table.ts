import { isSenderLimited } from '../../src/results/attribution.ts'
import type { PointResult } from '../../src/results/types.ts'
import { formatBitrate, formatRate, trimNumber } from '../../src/units.ts'
import { sweepKey } from './charts-view.ts'

export interface SweepCell {
  received: string
  loss: string
  /** 0 lossless (< 0.1%) … 3 heavy (≥ 20%): the cell's shade. */
  level: 0 | 1 | 2 | 3
  senderLimited: boolean
  receiverLimited: boolean
  error: string | null
}

export interface SweepTable {
  title: string
  rates: string[]
  rows: Array<{ network: string; colour: string; cells: Array<SweepCell | null> }>
}

function level(loss: number | null): SweepCell['level'] {
  if (loss === null || loss < 0.1) return 0
  return loss < 2 ? 1 : loss < 20 ? 2 : 3
}

function cell(point: PointResult | undefined): SweepCell | null {
  if (!point) return null
  const { throughputBps, lossPercent } = point.metrics
  return {
    received: formatRate(throughputBps),
    loss: lossPercent === null ? '—' : `${trimNumber(lossPercent, lossPercent < 1 ? 2 : 1)}% loss`,
    level: point.status === 'error' ? 0 : level(lossPercent),
    senderLimited: isSenderLimited(point),
    receiverLimited: point.limitedBy === 'receiver',
    error: point.status === 'error' ? point.error : null,
  }
}

/**
 * The study's spreadsheet, done properly: networks down, offered rates across, received rate and
 * loss in each cell, shaded by loss. One table per UDP placement.
 */
export function sweepTables(points: readonly PointResult[], legend: ReadonlyArray<{ network: string; colour: string }>): SweepTable[] {
  // Pairs (each offering the rate) are no cell of the one-pair sweep: the points table has them.
  const udp = points.filter((point) => point.step === 'udp' && point.bitrateBps !== null && !point.pairs)
  const placements = [...new Set(udp.map(sweepKey))]
  return placements.map((between) => {
    const here = udp.filter((point) => sweepKey(point) === between)
    const rates = [...new Set(here.map((point) => point.bitrateBps!))].sort((a, b) => a - b)
    return {
      title: placements.length > 1 ? `UDP sweep between ${between}` : 'UDP sweep',
      rates: rates.map(formatBitrate),
      rows: legend.filter(({ network }) => here.some((point) => point.network === network)).map(({ network, colour }) => ({
        network, colour, cells: rates.map((rate) => cell(here.find((point) => point.network === network && point.bitrateBps === rate))),
      })),
    }
  })
}
