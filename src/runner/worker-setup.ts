/**
 * Vitest setup file for netbench runs: installs the registrar that `defineSuite` calls, so a
 * suite module registers its planned tests when Vitest imports it.
 */
import { inject } from 'vitest'
import { REGISTRAR_KEY, type SuiteRegistrar } from './registrar.ts'
import { CURRENT_FILE_KEY } from './vite-plugin.ts'
import { registerSuite } from './register.ts'
import { buildClusterEarly } from './session.ts'
import { NetbenchError } from '../errors.ts'
import { takeOverProviderStates } from '../providers/registry.ts'
import './context.ts'
import { trace } from '../trace.ts'

trace('worker:setup')
const context = inject('netbench')
if (context.providerStates) takeOverProviderStates(context.providerStates)
// One suite file in the run: it is the one this worker runs, so its lab can be built before it registers.
if (context.earlyBuildFile) buildClusterEarly(context.plans[context.earlyBuildFile]!, context)

const registrar: SuiteRegistrar = {
  register() {
    const file = (globalThis as Record<string, unknown>)[CURRENT_FILE_KEY] as string | undefined
    const plan = file ? context.plans[file] : undefined
    if (!plan) throw new NetbenchError('USAGE', `suite ${file ?? '(unknown file)'} was not planned before the run`, { hint: 'run suites through the netbench CLI' })
    registerSuite(plan, context)
  },
}

;(globalThis as Record<symbol, SuiteRegistrar>)[REGISTRAR_KEY] = registrar
