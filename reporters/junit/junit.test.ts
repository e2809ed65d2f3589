import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { generateRun } from '../../test/result-fixture.ts'
import { tmpProject } from '../../test/tmp-project.ts'
import { loadResult } from '../../src/results/load-result.ts'
import { renderJunit } from './render.ts'

const run = promisify(execFile)
const XSD = fileURLToPath(new URL('../../fixtures/junit/junit.xsd', import.meta.url))
const project = tmpProject({})
afterAll(() => project[Symbol.dispose]())

const SUITE = 'Overlays <"&"> \u0007zones'
const result = generateRun({
  name: SUITE,
  networks: ['host', 'calico', 'weave'],
  bitrates: ['10M', '1G', '3G'],
  durationS: 2,
  expectations: ['all at 10M loss < 1%', 'calico tcp throughput >= 90% of host', 'all at 3G loss < 95%', 'all tcp throughput >= 300M'],
  errors: { 'weave|0|3000000000': 'iperf3: the server is busy running a test' },
  skip: /weave › tcp/,
})
const file = project.path('junit.xml')
writeFileSync(file, renderJunit(result))

/** Reads the XML back with libxml2's XPath: a real parser, entities decoded. */
async function xpath(expression: string): Promise<string> {
  const { stdout } = await run('xmllint', ['--xpath', expression, file])
  return stdout.trim()
}

describe('junit reporter', () => {
  it('validates against the Ant/Jenkins JUnit schema', async () => {
    const { stderr } = await run('xmllint', ['--noout', '--schema', XSD, file])
    expect(stderr).toContain('validates')
  })

  it('validates for a real run too', async () => {
    const { result: real } = await loadResult(fileURLToPath(new URL('../../fixtures/results/quickstart.json', import.meta.url)))
    const realFile = project.path('quickstart.xml')
    writeFileSync(realFile, renderJunit(real))
    const { stderr } = await run('xmllint', ['--noout', '--schema', XSD, realFile])
    expect(stderr).toContain('validates')
    const { stdout } = await run('xmllint', ['--xpath', 'count(//testcase)', realFile])
    expect(Number(stdout)).toBe(real.suites[0]!.expectations.length)
  })

  it('has one <testsuite> per suite and network, counts that add up', async () => {
    expect(await xpath('count(//testsuite)')).toBe('3')
    const clean = 'Overlays <"&"> zones'
    expect(await xpath('string(//testsuite[1]/@name)')).toBe(`${clean} › host`)
    for (const network of ['host', 'calico', 'weave']) {
      const expectations = result.suites[0]!.expectations.filter((e) => e.network === network)
      const suite = `//testsuite[substring-after(@name, " › ")="${network}"]`
      for (const [attribute, status] of [['failures', 'failed'], ['errors', 'error'], ['skipped', 'skipped']] as const) {
        expect(await xpath(`string(${suite}/@${attribute})`)).toBe(String(expectations.filter((e) => e.status === status).length))
        expect(await xpath(`count(${suite}/testcase/${attribute === 'failures' ? 'failure' : attribute === 'errors' ? 'error' : 'skipped'})`)).toBe(String(expectations.filter((e) => e.status === status).length))
      }
      expect(await xpath(`string(${suite}/@tests)`)).toBe(String(expectations.length))
    }
    expect(await xpath('string(/testsuites/@tests)')).toBe(String(result.suites[0]!.expectations.length))
  })

  it('names each testcase after its expectation, classname suite › network › step', async () => {
    const failed = result.suites[0]!.expectations.find((e) => e.status === 'failed' && e.network === 'calico' && e.text.startsWith('calico tcp'))!
    const testcase = '//testsuite[contains(@name, "calico")]/testcase[@name="calico tcp throughput >= 90% of host"]'
    expect(await xpath(`string(${testcase}/@classname)`)).toBe('Overlays <"&"> zones › calico › tcp')
    expect(await xpath(`string(${testcase}/failure/@message)`)).toBe(failed.message)
    expect(await xpath(`string(${testcase}/failure/@type)`)).toBe('expectation')
    expect(await xpath('string(//testsuite[contains(@name, "weave")]/testcase[error]/@classname)')).toBe('Overlays <"&"> zones › weave › udp 3G')
    expect(await xpath('string(//testsuite[contains(@name, "weave")]/testcase/error/@message)')).toBe('measurement failed: iperf3: the server is busy running a test')
    expect(await xpath('string(//testsuite[contains(@name, "weave")]/testcase[skipped]/@name)')).toBe('all tcp throughput >= 300M')
  })

  it('carries the measured metrics as properties', async () => {
    const point = result.suites[0]!.points.find((p) => p.network === 'calico' && p.label === 'udp 1G')!
    const property = (name: string) => xpath(`string(//testsuite[contains(@name, "calico")]/properties/property[@name="${name}"]/@value)`)
    const relative = (value: string, expected: number) => Math.abs(Number(value) - expected) / expected
    expect(relative(await property('udp 1G.throughput.bps'), point.metrics.throughputBps!)).toBeLessThan(1e-8)
    expect(relative(await property('udp 1G.loss.percent'), point.metrics.lossPercent!)).toBeLessThan(1e-8)
    expect(await property('udp 3G.sender-limited')).toBe('true')
    expect(await property('info.encapsulation')).toBe('ipip')
    expect(await property('setup.ms')).toBe('2310')
  })
})
