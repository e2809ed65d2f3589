/**
 * A network's info.warnings (kube: a pair of nodes of different instance types, …) reach the
 * reader in every reporter: a line each in the terminal, a notice in HTML, system-out in JUnit.
 */
import { describe, expect, it } from 'vitest'
import { handPoint, handRun } from '../test/hand-result.ts'
import type { RunResult } from '../src/results/types.ts'
import { renderReport } from './html/render.ts'
import { renderJunit } from './junit/render.ts'
import { renderSummary } from './terminal/summary.ts'

const WARNING = 'between: nodes pairs n1 (m5.large) with n2 (c5.xlarge): different instance types, whose network bandwidth may differ'

function withWarnings(warnings: unknown): RunResult {
  const run = handRun('ab12', [handPoint('calico', 'tcp', { throughputBps: [1e9] })])
  const suite = run.suites[0]!
  suite.networks = [{ name: 'calico', status: 'ok', error: null, setupMs: 1200, info: { cni: 'calico', warnings } }]
  suite.expectations = [{ text: 'calico tcp throughput >= 1M', name: 'calico › tcp › throughput >= 1M', network: 'calico', point: 'calico|tcp', pointLabel: 'tcp', status: 'passed', actual: 1e9, expected: 1e6, unit: 'bps', message: 'ok', needed: null }]
  return run
}

const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '')

describe('network warnings', () => {
  it('terminal: one line each, under the suite', () => {
    const lines = plain(renderSummary(withWarnings([WARNING, 'second <b>'])))
    expect(lines).toContain(`  warning: calico: ${WARNING}\n  warning: calico: second <b>\n`)
    expect(plain(renderSummary(withWarnings(undefined)))).not.toContain('warning:')
  })

  it('HTML: a visible notice, user text escaped', () => {
    const html = renderReport(withWarnings([WARNING, 'second <b>']))
    expect(html).toMatch(/<div class="note warnings"><b>Warnings<\/b>[^]*?<li>calico: between: nodes pairs n1 \(m5\.large\)[^<]*<\/li><li>calico: second &lt;b&gt;<\/li><\/ul><\/div>/)
    expect(renderReport(withWarnings([]))).not.toContain('note warnings')
  })

  it('JUnit: system-out of the network\'s testsuite', () => {
    const xml = renderJunit(withWarnings([WARNING]))
    expect(xml).toMatch(new RegExp(`<system-out>[^<]*\nwarning: between: nodes pairs n1 \\(m5\\.large\\)[^<]*</system-out>`))
    expect(renderJunit(withWarnings('not a list'))).not.toContain('warning:')
  })
})
