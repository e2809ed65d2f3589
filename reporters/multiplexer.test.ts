import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { handPoint, handRun } from '../test/hand-result.ts'
import type { RunEvent } from '../src/results/events.ts'
import type { NetbenchReporter } from '../src/results/reporter.ts'
import { Multiplexer } from './multiplexer.ts'

const result = handRun('ab12', [handPoint('host', 'tcp', { throughputBps: [1e9] })])
const event: RunEvent = { type: 'cluster', file: 'f', cluster: {} }

function recorder(name: string, calls: string[]): NetbenchReporter {
  return {
    name,
    onRunStart: (info) => void calls.push(`${name} start ${info.runId}`),
    onEvent: (seen) => void calls.push(`${name} event ${seen.type}`),
    onRunEnd: async (seen) => void calls.push(`${name} end ${seen.runId}`),
  }
}

function errorsStream() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (chunk: Buffer) => { text += chunk.toString() })
  return { stream, text: () => text }
}

describe('Multiplexer', () => {
  it('passes every hook to every reporter that has it, in order', async () => {
    const calls: string[] = []
    const errors = errorsStream()
    const multiplexer = new Multiplexer([recorder('a', calls), { name: 'none' }, recorder('b', calls)], errors.stream)
    multiplexer.onRunStart({ runId: 'ab12', files: [], points: 0 })
    multiplexer.onEvent(event)
    await multiplexer.onRunEnd(result)
    expect(calls).toEqual(['a start ab12', 'b start ab12', 'a event cluster', 'b event cluster', 'a end ab12', 'b end ab12'])
    expect(errors.text()).toBe('')
  })

  it('a reporter that throws is named; the others still run; the end rejects once all ran', async () => {
    const calls: string[] = []
    const errors = errorsStream()
    const broken: NetbenchReporter = {
      name: 'html',
      onEvent: () => { throw new Error('live \u001b[31mboom') },
      onRunEnd: async () => { throw new Error('EISDIR: illegal operation on a directory') },
    }
    const multiplexer = new Multiplexer([broken, recorder('b', calls)], errors.stream)
    multiplexer.onEvent(event)
    await expect(multiplexer.onRunEnd(result)).rejects.toThrow('the html reporter failed')
    expect(calls).toEqual(['b event cluster', 'b end ab12'])
    expect(multiplexer.failed).toEqual(['html'])
    // Control characters from a message are shown, not executed.
    expect(errors.text()).toBe('netbench: the html reporter failed: live \\x1b[31mboom\nnetbench: the html reporter failed: EISDIR: illegal operation on a directory\n')
  })
})
