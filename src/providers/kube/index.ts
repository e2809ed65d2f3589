/**
 * The kube provider as the registry sees it: @kubernetes/client-node takes about a second to
 * import, so the implementation loads on first use, never for local-only runs or `--help`.
 */
import type { Provider } from '../types.ts'

const load = () => import('./provider.ts').then((module) => module.kubeProvider)

export const kubeProvider: Provider = {
  name: 'kube',
  // Any name is a kube network (whatever CNI the context's cluster runs); `host` is hostNetwork pods.
  networks: ['host'],
  preflight: async (spec, networks) => (await load()).preflight(spec, networks),
  createCluster: async (spec, context) => (await load()).createCluster(spec, context),
  removeRun: async (runId, specs, options) => (await load()).removeRun!(runId, specs, options),
  cleanDeadRuns: async ({ contexts }) => (await import('./runs.ts')).cleanKubeRuns(contexts),
  cleanWhenNamed: true,
}
