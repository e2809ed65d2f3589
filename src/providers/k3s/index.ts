/** The k3s provider as the registry sees it: testcontainers and client-node load on first use. */
import { existsSync } from 'node:fs'
import type { Provider } from '../types.ts'

const load = () => import('./provider.ts').then((module) => module.k3sProvider)

export const k3sProvider: Provider = {
  name: 'k3s',
  networks: ['host', 'flannel'],
  preflight: async (spec, networks) => (await load()).preflight(spec, networks),
  createCluster: async (spec, context) => (await load()).createCluster(spec, context),
  removeRun: async (runId, specs, options) => (await load()).removeRun!(runId, specs, options),
  // Containers of dead runs, only when a Docker engine may be there at all.
  cleanDeadRuns: async () => ({ removed: process.env.DOCKER_HOST || existsSync('/var/run/docker.sock') ? await (await import('./provider.ts')).cleanK3sRuns() : [], kept: [] }),
}
