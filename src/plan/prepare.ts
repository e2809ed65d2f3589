import { NetbenchError } from '../errors.ts'
import { providerFor } from '../providers/registry.ts'
import { discoverSuites } from '../suites/discover.ts'
import { loadSuiteFile } from '../suites/load.ts'
import { UserModules } from '../suites/user-modules.ts'
import { planSuite, type SuitePlan } from './plan.ts'
import type { LabSetup } from '../suites/lab-setup.ts'
import type { RunResult } from '../results/types.ts'

export interface PreparedRun {
  files: string[]
  plans: SuitePlan[]
  imperativeFiles: string[]
  /** The clusters the imperative files' tests use (their `test.scoped` calls), validated. */
  imperativeLabs: Array<LabSetup & { file: string }>
}

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
    plans.push(planSuite(loaded.suite, { onlyNetworks: options.networks, place: loaded.place, baseline: options.baseline }))
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
