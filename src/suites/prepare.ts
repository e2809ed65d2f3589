import { NetbenchError } from '../errors.ts'
import { providerFor } from '../providers/registry.ts'
import { discoverSuites } from './discover.ts'
import { loadSuiteFile } from './load.ts'
import { UserModules } from './user-modules.ts'
import { planSuite } from '../plan/plan.ts'
import type { SuitePlan } from '../runner/planned.ts'
import type { PreparedRun } from '../runner/prepared-run.ts'
import type { RunResult } from '../results/types.ts'

/**
 * Everything that can be checked without touching the machine: find the suites, validate them,
 * parse every expectation and plan the matrix. Any problem here is exit 2, before provisioning.
 */
export async function prepareRun(args: readonly string[], options: { networks?: readonly string[]; baseline?: RunResult } = {}): Promise<PreparedRun> {
  const files = await discoverSuites(args)
  const plans: SuitePlan[] = []
  const imperativeFiles: string[] = []
  const imperativeLabs: PreparedRun['imperativeLabs'] = []
  await using modules = new UserModules()
  for (const file of files) {
    const loaded = await loadSuiteFile(file, providerFor('local').networks, modules)
    if (loaded.kind === 'imperative') {
      imperativeFiles.push(loaded.file)
      imperativeLabs.push(...loaded.labs.map((lab) => ({ ...lab, file: loaded.file })))
      continue
    }
    const plan = planSuite(loaded.suite, { onlyNetworks: options.networks, place: loaded.place, baseline: options.baseline })
    checkOrder(plan, loaded.place)
    plans.push(plan)
  }
  if (options.networks?.length) {
    const known = new Set(plans.flatMap((plan) => plan.suite.networks))
    const unknown = options.networks.filter((name) => !known.has(name))
    if (unknown.length) {
      throw new NetbenchError('USAGE', `--network ${unknown.join(', ')}: no suite measures ${unknown.length > 1 ? 'these networks' : 'this network'}`, {
        hint: `the suites measure ${[...known].join(', ') || 'nothing'}`,
      })
    }
  }
  return { files, plans, imperativeFiles, imperativeLabs }
}

/** Interleaved order keeps every network up at once: the suite's provider must hold them all. */
function checkOrder(plan: SuitePlan, place: (path: readonly (string | number)[]) => string): void {
  const { suite } = plan
  const limit = providerFor(suite.cluster.provider).networksAtOnce
  if (suite.order !== 'interleaved' || limit === undefined) return
  const cniOf = (name: string) => suite.networkSpecs?.find((spec) => spec.name === name)?.cni ?? name
  const pods = plan.networks.map((network) => network.name).filter((name) => cniOf(name) !== 'host')
  if (pods.length <= limit) return
  throw new NetbenchError('SUITE_INVALID', `${place(['order'])}: interleaved keeps every network up at once, and provider ${suite.cluster.provider} holds host plus ${limit} other network at a time (this suite has ${pods.join(', ')})`, {
    hint: "compare one network with host here, compare CNIs on provider k3s or kube (their networks coexist), or use order: 'sequential'",
  })
}
