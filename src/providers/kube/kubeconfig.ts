/**
 * Kubeconfig loading as kubectl does it: `--kubeconfig` (the CLI puts it in KUBECONFIG), then
 * KUBECONFIG (a list of files, merged), then ~/.kube/config, then the in-cluster service account.
 */
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { KubeConfig } from '@kubernetes/client-node'
import { NetbenchError } from '../../errors.ts'
import type { Where } from './errors.ts'
import { proxyFor } from './proxy.ts'

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token'

export interface LoadedKubeConfig {
  config: KubeConfig
  /** Where it came from, for messages: a path list or `in-cluster`. */
  source: string
}

export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): LoadedKubeConfig {
  const config = new KubeConfig()
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean)
  if (fromEnv.length) {
    const missing = fromEnv.filter((file) => !existsSync(file))
    // kubectl skips missing entries of a list, but a single named file that is absent is a mistake.
    if (missing.length === fromEnv.length) {
      throw new NetbenchError('PROVIDER', `kubeconfig ${missing.join(', ')}: no such file`, {
        hint: 'check --kubeconfig / KUBECONFIG, or run `kubectl config view` to see what kubectl uses',
      })
    }
    const present = fromEnv.filter((file) => existsSync(file))
    try {
      config.loadFromFile(present[0]!)
      for (const file of present.slice(1)) {
        const more = new KubeConfig()
        more.loadFromFile(file)
        config.mergeConfig(more)
      }
    } catch (error) {
      throw unreadable(present.join(delimiter), error)
    }
    return { config, source: present.join(delimiter) }
  }
  const home = join(env.HOME ?? homedir(), '.kube', 'config')
  if (existsSync(home)) {
    try {
      config.loadFromFile(home)
    } catch (error) {
      throw unreadable(home, error)
    }
    return { config, source: home }
  }
  if (existsSync(SERVICE_ACCOUNT_TOKEN) && env.KUBERNETES_SERVICE_HOST) {
    config.loadFromCluster()
    return { config, source: 'in-cluster service account' }
  }
  throw new NetbenchError('PROVIDER', 'no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist', {
    hint: 'pass --kubeconfig <file>, set KUBECONFIG, or use provider: k3s for a throw-away cluster',
  })
}

function unreadable(file: string, error: unknown): NetbenchError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
  return new NetbenchError('PROVIDER', `kubeconfig ${file} cannot be read: ${reason}`, { hint: 'fix the file (kubectl config view shows what is wrong)' })
}

/** Name of the context to use: the one asked for, or the kubeconfig's current-context. */
export function resolveContextName(loaded: LoadedKubeConfig, context: string | null): string {
  const names = loaded.config.getContexts().map((entry) => entry.name)
  if (context === null) {
    const current = loaded.config.getCurrentContext()
    if (current && names.includes(current)) return current
    throw new NetbenchError('PROVIDER', `the kubeconfig (${loaded.source}) has no current-context`, {
      hint: names.length ? `set cluster.context to one of ${names.join(', ')}` : 'add a context to the kubeconfig (e.g. with your cloud CLI)',
    })
  }
  if (!names.includes(context)) {
    throw new NetbenchError('PROVIDER', `kube context '${context}' is not in the kubeconfig (${loaded.source})`, {
      hint: names.length ? `use one of ${names.join(', ')} (kubectl config get-contexts), or pass --kubeconfig` : 'the kubeconfig has no contexts; pass --kubeconfig',
    })
  }
  return context
}

/** A KubeConfig whose current context is `context`: each context gets its own clients. */
export function configForContext(loaded: LoadedKubeConfig, context: string): KubeConfig {
  const config = new KubeConfig()
  config.loadFromOptions({
    // A cluster without its own proxy-url goes through HTTPS_PROXY, as with kubectl.
    clusters: loaded.config.clusters.map((cluster) => cluster.proxyUrl ? cluster : { ...cluster, proxyUrl: proxyFor(cluster.server) }),
    users: loaded.config.users,
    contexts: loaded.config.contexts,
    currentContext: context,
  })
  return config
}

/** What error messages name about a context: its name, server and credential plugin. */
export function whereOf(context: string, config: KubeConfig): Where {
  const command = config.getCurrentUser()?.exec?.command
  return { context, server: serverOf(config), ...typeof command === 'string' ? { authCommand: command } : {} }
}

/** The API server URL of the config's current context, for messages. */
export function serverOf(config: KubeConfig): string {
  return config.getCurrentCluster()?.server ?? '(no server)'
}
