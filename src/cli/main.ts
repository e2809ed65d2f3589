import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { cac } from 'cac'
import { EXIT, NetbenchError, isNetbenchError } from '../errors.ts'
import { NETBENCH_VERSION } from '../results/environment.ts'
import { clip, visible } from '../text.ts'
import { checkOutputTargets, singleValue, writesReportDir } from './output-targets.ts'
import { trace } from '../trace.ts'

// Commands load their modules on demand: `--version` should not pay for Vitest and the lab.
const prepareRun: typeof import('../suites/prepare.ts').prepareRun = async (...args) => (await import('../suites/prepare.ts')).prepareRun(...args)
const executeRun: typeof import('../runner/run.ts').executeRun = async (...args) => (await import('../runner/run.ts')).executeRun(...args)
const cleanDeadRuns: typeof import('../providers/registry.ts').cleanDeadRuns = async (...args) => (await import('../providers/registry.ts')).cleanDeadRuns(...args)
const renderPlan = async (...args: Parameters<typeof import('./list.ts').renderPlan>) => (await import('./list.ts')).renderPlan(...args)
const setup: typeof import('./setup.ts').setup = async (...args) => (await import('./setup.ts')).setup(...args)
const reportSettings: typeof import('./config.ts').reportSettings = async (...args) => (await import('./config.ts')).reportSettings(...args)
const reportCommand: typeof import('./report.ts').reportCommand = async (...args) => (await import('./report.ts')).reportCommand(...args)
const compareCommand: typeof import('./compare.ts').compareCommand = async (...args) => (await import('./compare.ts')).compareCommand(...args)
const showReport: typeof import('./show-report.ts').showReport = async (...args) => (await import('./show-report.ts')).showReport(...args)

const out = process.stdout

function asList(value: unknown): string[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).flatMap((item) => String(item).split(',')).map((item) => item.trim()).filter(Boolean)
}

interface RunFlags { t?: string; network?: unknown; output?: string; reporter?: unknown; kubeconfig?: string; reportDir?: string; baseline?: string }

/** `--kubeconfig` wins over KUBECONFIG, as with kubectl; the workers inherit it. */
function useKubeconfig(value: unknown): void {
  const file = singleValue(value, '--kubeconfig')
  if (file === undefined) return
  if (!existsSync(file)) throw new NetbenchError('USAGE', `--kubeconfig ${file}: no such file`, { hint: 'check the path, or leave --kubeconfig out to use KUBECONFIG or ~/.kube/config' })
  process.env.KUBECONFIG = resolve(file)
}

async function runCommand(files: string[], flags: RunFlags): Promise<number> {
  for (const [value, flag] of [[flags.output, '--output'], [flags.reportDir, '--report-dir'], [flags.baseline, '--baseline'], [flags.t, '-t']] as const) singleValue(value, flag)
  checkNamePattern(flags.t)
  useKubeconfig(flags.kubeconfig)
  // Flags, then netbench.config.ts; a bad --baseline file stops here, before anything is provisioned.
  // The runner's modules (Vitest's among them) load while the suites are read and checked.
  const runner = import('../runner/run.ts')
  runner.catch(() => undefined)
  const settings = await reportSettings({ reporters: asList(flags.reporter), reportDir: flags.reportDir, baseline: flags.baseline }, ['terminal'])
  trace('cli:settings')
  const prepared = await prepareRun(files, { networks: asList(flags.network).length ? asList(flags.network) : undefined, baseline: settings.baseline?.result })
  trace('cli:prepared')
  const reporters = settings.reporters
  if (flags.output && !reporters.includes('json')) reporters.push('json')
  checkOutputTargets({ outputFile: flags.output, reportDir: writesReportDir(reporters, flags.output) ? settings.reportDir : undefined, reportDirFrom: settings.reportDirFrom })
  // Unknown reporter names fail here, before anything is provisioned.
  const { createReporters, Multiplexer } = await import('../../reporters/index.ts')
  const reporter = new Multiplexer(createReporters(reporters, { stream: out, outputFile: flags.output, reportDir: settings.reportDir, isTTY: Boolean(out.isTTY) }), process.stderr)
  trace('cli:reporters')
  const { exitCode } = await executeRun(prepared, { testNamePattern: flags.t, reporter, baseline: settings.baseline, stream: out })
  return exitCode
}

/** `-t` becomes a regular expression in Vitest: a bad one is an input error, not a Vitest stack. */
function checkNamePattern(pattern: string | undefined): void {
  if (pattern === undefined) return
  try {
    new RegExp(String(pattern))
  } catch (error) {
    throw new NetbenchError('USAGE', `-t ${String(pattern)}: not a regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, '')})`, { hint: "escape special characters, e.g. -t 'udp 100M' or -t '\\('" })
  }
}

const cli = cac('netbench')

const withRunOptions = (command: ReturnType<typeof cli.command>) => command
  .option('-t, --test-name-pattern <pattern>', 'Run only expectations whose name matches (as in Vitest)')
  .option('--network <name>', 'Measure only this network (repeatable)')
  .option('--output <file>', 'Write the JSON result to this file')
  .option('--reporter <name>', 'Reporter to use: terminal, json, html, junit (repeatable; default: terminal, or the config\'s)')
  .option('--report-dir <dir>', 'Where the html, junit and json reporters write (default: netbench-report)')
  .option('--baseline <result.json>', 'A saved result to compare with; makes `of baseline` expectations resolvable')
  .option('--kubeconfig <file>', 'Kubeconfig for provider kube (default: KUBECONFIG, then ~/.kube/config)')
  .example('netbench suites/quickstart.netbench.ts --output result.json')

let action: Promise<number> | undefined

withRunOptions(cli.command('[...files]', 'Run suites (default: every *.netbench.ts|yaml under suites/)'))
  .action((files: string[], flags: RunFlags & { testNamePattern?: string }) => { action = runCommand(files, { ...flags, t: flags.testNamePattern }) })
withRunOptions(cli.command('run [...files]', 'Run suites'))
  .action((files: string[], flags: RunFlags & { testNamePattern?: string }) => { action = runCommand(files, { ...flags, t: flags.testNamePattern }) })
cli.command('list [...files]', 'Show the planned matrix without running anything')
  .option('--network <name>', 'Only this network (repeatable)')
  .option('--baseline <result.json>', 'The baseline `of baseline` expectations will read')
  .action((files: string[], flags: RunFlags) => {
    const baseline = flags.baseline ? reportSettings({ reporters: [], baseline: singleValue(flags.baseline, '--baseline') }, []).then((settings) => settings.baseline!.result) : Promise.resolve(undefined)
    action = baseline.then((result) => prepareRun(files, { networks: asList(flags.network).length ? asList(flags.network) : undefined, baseline: result })).then(async (prepared) => {
      out.write(await renderPlan(prepared))
      return EXIT.ok
    })
  })
cli.command('clean', 'Remove what dead netbench runs left behind (namespaces, processes, temp dirs; k3s containers)')
  .option('--kube', 'Instead: delete the Kubernetes namespaces of runs that are no longer alive')
  .option('--context <name>', 'With --kube: the kubeconfig context to clean (repeatable; default: current-context)')
  .option('--kubeconfig <file>', 'With --kube: the kubeconfig (default: KUBECONFIG, then ~/.kube/config)')
  .example('netbench clean --kube --context calico-lab')
  .action((flags: { kube?: boolean; context?: unknown; kubeconfig?: string }) => {
    if (flags.kube) useKubeconfig(flags.kubeconfig)
    else if (flags.context !== undefined || flags.kubeconfig !== undefined) throw new NetbenchError('USAGE', '--context and --kubeconfig go with --kube', { hint: 'netbench clean --kube --context <name>' })
    // Without --kube: every provider that cleans without a cluster's credentials (the lab, k3s).
    action = cleanDeadRuns(flags.kube ? ['kube'] : [], { contexts: asList(flags.context) }).then(({ removed, kept }) => {
      for (const line of kept) out.write(`netbench: kept ${line}\n`)
      out.write(removed.length ? `netbench: removed ${removed.join(', ')}\n` : flags.kube ? 'netbench: no namespace of a dead run to clean\n' : 'netbench: nothing to clean\n')
      return EXIT.ok
    })
  })
cli.command('lab <action> [id]', 'A lab to explore by hand: lab up [--network calico] [--nodes 3], lab status, lab down [id]')
  .option('--network <name>', 'lab up: the network to install (default flannel)')
  .option('--nodes <n>', 'lab up: node count (default 3)')
  .option('--zones <n>', 'lab up: zone count (default min(3, nodes))')
  .option('--pods <n>', 'lab up: pods per node (default 2)')
  .option('--instance <preset>', 'lab up: shape uplinks like m4.large, m4.xlarge, …')
  .example('netbench lab up --network calico --nodes 3')
  .action((labAction: string, id: string | undefined, flags: import('./lab.ts').LabFlags) => {
    action = import('./lab.ts').then((lab) => lab.labCommand(labAction, id, flags, out))
  })
cli.command('setup', 'Check and install what the local lab needs (iproute2, iperf3, CNI plugins, bird2, nftables)')
  .option('--yes', 'Install without asking')
  .option('--dev', "Also what netbench's own tests need (chromium, xmllint, a running Docker engine)")
  .action((flags: { yes?: boolean; dev?: boolean }) => { action = setup({ yes: Boolean(flags.yes), dev: Boolean(flags.dev), stream: out }) })

cli.command('init', 'Start a project: an example suite, netbench.config.ts and, with --ci github, a CI workflow (never overwrites)')
  .option('--ci <system>', 'Also write a CI workflow: github (a lab gate and a k3s CNI-version gate)')
  .example('netbench init --ci github')
  .action((flags: { ci?: string }) => {
    action = import('./init.ts').then((init) => init.initCommand({ ci: flags.ci, cwd: process.cwd(), stream: out }))
  })
cli.command('report <result>', 'Render the reports of a saved result (JSON written by --output)')
  .option('--reporter <name>', 'Reporter to use: terminal, json, html, junit (repeatable; default: terminal, html, junit)')
  .option('--report-dir <dir>', 'Where to write (default: netbench-report)')
  .option('--baseline <result.json>', 'Show the deltas against this saved result')
  .example('netbench report result.json --reporter html')
  .action((file: string, flags: { reporter?: unknown; reportDir?: string; baseline?: string }) => {
    action = reportCommand(file, { reporters: asList(flags.reporter), reportDir: flags.reportDir, baseline: flags.baseline }, out, process.stderr)
  })
cli.command('compare <baseline> <current>', 'Compare two saved results point by point; exit 1 on a regression')
  .option('--tolerance <percent>', 'How far throughput may drop before it is a regression (default: 5%)')
  .option('--loss-tolerance <percent>', 'How many percentage points loss may rise (default: 0.5%)')
  .option('--report-dir <dir>', 'Where compare.html goes (default: netbench-report)')
  .example('netbench compare baseline.json result.json --tolerance 5%')
  .action((baseline: string, current: string, flags: { tolerance?: string; lossTolerance?: string; reportDir?: string }) => {
    action = compareCommand(baseline, current, flags, out)
  })
cli.command('show-report [dir]', 'Serve an HTML report on 127.0.0.1 and print its URL (default: netbench-report)')
  .action((dir: string | undefined) => { action = showReport(dir, out) })

cli.help()
cli.version(NETBENCH_VERSION)

/** Messages quote input (suites, results, paths): control characters shown, every line bounded. */
const safe = (text: string) => text.split('\n').map((line) => clip(visible(line), 2000)).join('\n')

function report(error: unknown): number {
  if (isNetbenchError(error)) {
    process.stderr.write(`netbench: ${safe(error.oneLine)}\n`)
    if (error.detail) process.stderr.write(`${safe(error.detail)}\n`)
    return error.exitCode
  }
  const message = error instanceof Error ? error.message : String(error)
  // cac's own usage errors (unknown option, missing value) are input errors.
  if (error instanceof Error && error.name === 'CACError') {
    // `--tolerance -5%` reaches cac as the options -5 and -%: say what was meant.
    const negative = /^Unknown option `-\d/.test(message) && process.argv.findLast((arg) => /^--(loss-)?tolerance$/.test(arg))
    if (negative) {
      process.stderr.write(`netbench: ${negative} ${safe(process.argv[process.argv.lastIndexOf(negative) + 1] ?? '')}: tolerances are positive — write e.g. ${negative} 5%\n`)
      return EXIT.invalidInput
    }
    process.stderr.write(`netbench: ${safe(message)} — see \`netbench --help\`\n`)
    return EXIT.invalidInput
  }
  process.stderr.write(`netbench: unexpected error: ${safe((error instanceof Error ? error.stack : undefined) ?? message)}\n`)
  return EXIT.environment
}

async function main(): Promise<number> {
  try {
    cli.parse(process.argv, { run: false })
    if (cli.options.help || cli.options.version) return EXIT.ok
    if (!cli.matchedCommand) {
      throw new NetbenchError('USAGE', `unknown command '${cli.args[0]}'`, { hint: 'see `netbench --help`' })
    }
    await cli.runMatchedCommand()
    return await (action ?? Promise.resolve(EXIT.ok))
  } catch (error) {
    return report(error)
  }
}

/**
 * A signal while nothing is provisioned yet (loading suites, checking options) ends netbench with
 * 130 and a line saying so. Commands that own their signals (a run cleaning its lab, show-report)
 * add their own listeners, and then this one stands aside.
 */
function exitOnSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return
  process.stderr.write(`\nnetbench: ${signal} received, stopping\n`, () => process.exit(EXIT.interrupted))
}
process.on('SIGINT', exitOnSignal)
process.on('SIGTERM', exitOnSignal)

// Libraries (Vitest's pool, Kubernetes clients) may keep handles open: end explicitly.
const code = await main()
trace('cli:exit')
process.stdout.write('', () => process.exit(code))
