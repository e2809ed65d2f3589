import pc from 'picocolors'
import type { RunEvent } from '../../src/results/events.ts'
import type { RunResult } from '../../src/results/types.ts'
import { deepVisible } from '../../src/text.ts'
import type { NetbenchReporter, ReporterOptions, RunStartInfo } from '../types.ts'
import { renderSummary } from './summary.ts'

function clock(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`

/** `2 suite files · 14 points`; imperative files measure as their tests ask, which the header says. */
function runScope(info: RunStartInfo): string {
  const imperative = info.imperativeFiles ?? 0
  const planned = info.files.length - imperative
  const parts = [count(info.files.length, 'suite file')]
  if (planned > 0) parts.push(imperative ? `${count(info.points, 'point')} planned` : count(info.points, 'point'))
  if (imperative) parts.push(`${planned > 0 ? 'imperative tests measure' : 'measures'} as the tests ask`)
  return parts.join(' · ')
}

/** Live progress (which point, which network, elapsed and remaining) and the final summary. */
export function terminalReporter(options: ReporterOptions): NetbenchReporter {
  const write = (text: string) => options.stream.write(text)
  let startedAt = Date.now()
  let progressShown = false
  const clearProgress = () => {
    if (options.isTTY && progressShown) write('\r\u001b[2K')
    progressShown = false
  }
  return {
    name: 'terminal',
    onRunStart(info: RunStartInfo) {
      startedAt = Date.now()
      write(`${pc.bold('netbench')} ${pc.dim(`run ${info.runId} · ${runScope(info)}`)}\n`)
    },
    onEvent(raw: RunEvent) {
      // Names and errors may come from suites and probes: control characters are shown, not executed.
      const event = deepVisible(raw)
      if (event.type === 'suite-start') {
        clearProgress()
        write(`${pc.cyan('▶')} ${event.suite} ${pc.dim(`(${event.points} points)`)}\n`)
      } else if (event.type === 'network' && event.network.status === 'error') {
        clearProgress()
        write(`${pc.red('✗')} network ${event.network.name}: ${event.network.error}\n`)
      } else if (event.type === 'point-start') {
        clearProgress()
        const repeat = event.sample !== undefined ? ` (repeat ${event.sample}/${event.repeat})` : event.repeat > 1 ? ` ×${event.repeat}` : ''
        const line = `  ${pc.dim(`[${event.index}/${event.total}]`)} ${event.network} › ${event.label}${repeat}  ${pc.dim(`elapsed ${clock(Date.now() - startedAt)}, ~${clock(event.expectedMs)} left`)}`
        write(options.isTTY ? line : `${line}\n`)
        progressShown = true
      }
    },
    onRunEnd(result: RunResult) {
      clearProgress()
      write(renderSummary(deepVisible(result)))
    },
  }
}
