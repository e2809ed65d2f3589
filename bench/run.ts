/**
 * `npm run bench`: every benchmark, figures as ratios against baselines measured in the same
 * invocation where one exists. Figures go into BENCHMARKS.md by hand, with the date and machine.
 */
import { cpus, release } from 'node:os'
import { benchCore } from './core.ts'
import { benchMeasurements } from './measurements.ts'
import { benchLab, formatLabFigures } from './lab.ts'
import { benchReport } from './report.ts'
import { benchSearch, formatSearchFigures } from './search.ts'
import { benchShaping, formatShapingFigures } from './shaping.ts'
import { benchMatrix, benchStartup } from './startup.ts'
import { PHASE_NOTES, PHASES } from './trace.ts'
import { percentile } from '../src/results/stats.ts'

const fixed = (value: number, digits = 2) => value.toFixed(digits)

console.log(`netbench benchmarks — ${new Date().toISOString()} — ${cpus().length}× ${cpus()[0]?.model.trim()} — Linux ${release()}\n`)

// `npm run bench -- --matrix [runs]`: only the overlay matrix's overhead, compiled, `runs` times (default 3).
const matrixFlag = process.argv.indexOf('--matrix')
if (matrixFlag !== -1) {
  const { seconds, probeSeconds, breakdowns } = await benchMatrix(Number(process.argv[matrixFlag + 1] ?? 3) || 3)
  const ratios = seconds.map((wall) => wall / probeSeconds)
  console.log(`Overlay matrix, 4 networks × 6 points × 3 s = ${probeSeconds} s of probes (target ≤ 1.05), compiled CLI`)
  console.log(`  runs      ${seconds.map((wall, i) => `${fixed(wall, 1)} s (${fixed(ratios[i]!, 3)})`).join(', ')}`)
  console.log(`  overhead  median ${fixed(percentile(ratios, 50), 3)}, spread ${fixed(Math.min(...ratios), 3)}–${fixed(Math.max(...ratios), 3)}`)
  console.log('  where the time over the probes went, ms (each run; median):')
  for (const phase of PHASES) {
    const values = breakdowns.map((run) => run.phases[phase])
    console.log(`    ${phase.padEnd(17)} ${values.map((value) => fixed(value, 0).padStart(6)).join(' ')}  (${fixed(percentile(values, 50), 0)})  ${PHASE_NOTES[phase]}`)
  }
  process.exit(0)
}

const startup = await benchStartup()
console.log('CLI start: compiled package vs the sources through tsx (median; --version of 7, list of 5)')
console.log(`  netbench --version          compiled ${fixed(startup.versionMs.compiled, 0)} ms, tsx ${fixed(startup.versionMs.tsx, 0)} ms (ratio ${fixed(startup.versionMs.compiled / startup.versionMs.tsx)}; target ≤ 300 ms)`)
console.log(`  netbench list quickstart    compiled ${fixed(startup.listMs.compiled, 0)} ms, tsx ${fixed(startup.listMs.tsx, 0)} ms (ratio ${fixed(startup.listMs.compiled / startup.listMs.tsx)})`)
console.log(`Overlay matrix, 4 networks × 6 points × 3 s = ${startup.matrixProbeSeconds} s of probes (target ≤ 1.05)`)
for (const launcher of ['tsx', 'compiled'] as const) {
  console.log(`  ${launcher.padEnd(9)} ${fixed(startup.matrixSeconds[launcher], 1)} s wall, overhead ${fixed(startup.matrixSeconds[launcher] / startup.matrixProbeSeconds, 3)}`)
}

const core = await benchCore()
console.log('Quickstart orchestration overhead (target ≤ 1.15)')
console.log(`  sum of iperf3 durations     ${fixed(core.probeSeconds, 1)} s`)
console.log(`  bare iperf3, back to back   ${fixed(core.bareIperf3Seconds, 1)} s`)
console.log(`  netbench (whole CLI run)    ${fixed(core.netbenchSeconds, 1)} s`)
console.log(`  overhead vs durations       ${fixed(core.overheadVsDurations)}`)
console.log(`  overhead vs bare iperf3     ${fixed(core.overheadVsBareIperf3)}`)
console.log('3-node lab (median of 5)')
console.log(`  set-up                      ${fixed(core.labUpMs, 0)} ms`)
console.log(`  teardown                    ${fixed(core.labDownMs, 0)} ms`)

const measurements = await benchMeasurements()
console.log('Repeats, loss attribution and max-rate search (UDP sweep 1M–200M, 1 s points, 100M link)')
console.log(`  plain sweep (5 points)      ${fixed(measurements.sweepSeconds, 1)} s`)
console.log(`  same sweep, repeat: 3       ${fixed(measurements.sweepRepeat3Seconds, 1)} s  (ratio ${fixed(measurements.repeatRatio)})`)
console.log(`  counter read (attribution)  ${fixed(measurements.counterReadMs, 1)} ms ×2 per sample = ${fixed(measurements.attributionShareOfSample * 100, 1)}% of a sample`)
console.log(`  max-rate search 1M–1G ±5%   ${measurements.searchProbes} probes in ${fixed(measurements.searchSeconds, 1)} s, found ${fixed((measurements.searchFoundBps ?? 0) / 1e6, 1)}M on a ${fixed(measurements.shapedBps / 1e6, 0)}M link`)
console.log(`  fixed sweep, same resolution ${measurements.sweepProbesSameResolution} probes (${fixed(measurements.sweepProbesSameResolution / measurements.searchProbes, 1)}× the search)`)

process.stdout.write(`\n${formatLabFigures(await benchLab())}`)

process.stdout.write(`\n${formatShapingFigures(await benchShaping())}`)

process.stdout.write(`\n${formatSearchFigures(await benchSearch())}`)

const report = await benchReport()
console.log('\nHTML report, 6 networks × 5 rates × 3 repeats (targets < 1 s, < 2 MB)')
console.log(`  render ${fixed(report.renderMs, 0)} ms, ${fixed(report.bytes / 2 ** 20, 2)} MB`)
