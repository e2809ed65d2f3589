import type { SuiteAPI, TestAPI } from 'vitest'
import { countDeclaredTest, LAB_OPTIONS_KEY } from '../suites/define.ts'
import { REGISTRAR_KEY } from '../runner/registrar.ts'
import { providerFor } from '../providers/registry.ts'
import { labSetup, type LabOptions } from '../suites/lab-setup.ts'
import type { ClusterInput, NetworkInput } from '../suites/schema.ts'
import { Lab } from './lab.ts'
import { netbenchMatchers } from './matchers.ts'

export interface LabFixtures {
  /**
   * The file's cluster, as a suite's `cluster`: `test.scoped({ cluster: { nodes: 4 } })`, or
   * `{ provider: 'kube', context: 'eks-calico' }`, or `{ provider: 'k3s' }`.
   */
  cluster: ClusterInput
  /** As a suite's `networks`, for variants, kube contexts and k3s manifests; plain names need none. */
  networks: NetworkInput[] | undefined
  lab: Lab
}

type NetbenchTest = TestAPI<LabFixtures>

let extended: NetbenchTest | undefined
let vitestDescribe: SuiteAPI | undefined

/**
 * Built on first use, inside a Vitest worker: Vitest's `test.extend` cannot run at import time
 * outside a run (e.g. while `netbench list` validates suites), where `test` does nothing.
 */
async function build(): Promise<NetbenchTest> {
  const vitest = await import('vitest')
  await import('../runner/context.ts')
  vitest.expect.extend(netbenchMatchers)
  const context = vitest.inject('netbench')
  vitestDescribe = vitest.describe
  return vitest.test.extend<LabFixtures>({
    cluster: [{}, { scope: 'file' }],
    networks: [undefined, { scope: 'file' }],
    lab: [async ({ cluster, networks }, use) => {
      const file = vitest.expect.getState().testPath ?? 'imperative'
      const lab = new Lab(labSetup({ cluster, networks }, file, providerFor('local').networks), context, file)
      try {
        await use(lab)
      } finally {
        await lab[Symbol.asyncDispose]()
      }
    }, { scope: 'file' }],
  }) as unknown as NetbenchTest
}

const ready: Promise<NetbenchTest> | undefined = (globalThis as Record<symbol, unknown>)[REGISTRAR_KEY] ? build().then((t) => (extended = t)) : undefined
if (ready) await ready

/**
 * Forwards to the real Vitest API inside a run. Outside one it registers nothing, except that
 * while netbench loads the file (`recording()`) it notes what `test.scoped` sets, so the cluster
 * is validated and checked before the run, as a suite's is.
 */
function forwardInRun<T extends object>(current: () => T | undefined, outside: { get?: (property: string | symbol) => unknown } = {}): T {
  return new Proxy(function () {} as unknown as T, {
    apply: (_target, thisArg, args) => {
      countDeclaredTest()
      const target = current()
      return target ? Reflect.apply(target as (...a: unknown[]) => unknown, thisArg, args) : undefined
    },
    get: (_target, property) => {
      const target = current()
      return target ? Reflect.get(target, property) : outside.get?.(property) ?? (() => undefined)
    },
  })
}

const recording = () => (globalThis as Record<symbol, LabOptions[] | undefined>)[LAB_OPTIONS_KEY]

/**
 * Vitest's `test` with a `lab` fixture; outside a netbench run it registers nothing. The lab's
 * fixtures are file-scoped, so Vitest takes `test.scoped({ cluster })` at the top of the file only.
 */
export const test: NetbenchTest = forwardInRun(() => extended, {
  get: (property) => property === 'scoped' ? (options: LabOptions) => { recording()?.push(options) } : undefined,
})
export const describe: SuiteAPI = forwardInRun(() => vitestDescribe)
