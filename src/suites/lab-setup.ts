import type { ClusterInput, NetworkInput } from './schema.ts'
import type { LabSetup } from '../model.ts'
import { displayPath } from '../text.ts'
import { normalizeSuite } from './normalize.ts'
import { validateShape } from './validate.ts'

/** What `test.scoped({ cluster, networks })` sets for a file's imperative lab: a suite's own fields. */
export interface LabOptions {
  cluster?: ClusterInput
  /** Only needed for variants, kube contexts and k3s manifests; any network can be probed by name. */
  networks?: NetworkInput[]
}

/**
 * Validates and normalizes the imperative lab's options with the suite schema and rules, so
 * `cluster` and `networks` mean (and fail) exactly as in a suite file.
 */
export function labSetup(options: LabOptions, file: string, knownNetworks: readonly string[]): LabSetup {
  const shown = displayPath(file)
  const input = validateShape({ name: 'lab', cluster: options.cluster ?? {}, networks: options.networks ?? ['host'], steps: [{ tcp: {} }] }, shown)
  const suite = normalizeSuite(input, { file: shown, knownNetworks })
  return { cluster: suite.cluster, networks: options.networks ? suite.networkSpecs ?? [] : [], between: suite.steps[0]!.between }
}
