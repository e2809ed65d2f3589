/**
 * One k3s cluster in Docker for one CNI: a server (K3sContainer) and agents on one Docker
 * network, nodes labelled with zones, the CNI manifest applied, and a wait until every node is
 * Ready and the CNI's DaemonSets run. Containers carry the run's labels, so `netbench clean` (and
 * testcontainers' reaper, after a crash) can remove them.
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node'
import type Dockerode from 'dockerode'
import { NetbenchError } from '../../errors.ts'
import { kubeError, type Where } from '../kube/errors.ts'
import { MANAGED_BY, MANAGED_BY_LABEL, NETWORK_LABEL, OWNER_HOST_ANNOTATION, OWNER_PID_ANNOTATION, OWNER_START_ANNOTATION, RUN_LABEL } from '../kube/labels.ts'
import { currentOwner } from '../kube/owner.ts'
import { API_PORT, CILIUM_POOL_HINT, SERVER_ALIAS, agentArgs, ciliumPoolProblem, agentEnvironment, applyOrder, daemonSetsOf, manifestObjects, serverArgs, zoneOf, type ManifestObject } from './manifests.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface K3sClusterOptions {
  runId: string
  /** The key of this cluster: a network name, or `flannel` for k3s's own CNI. */
  key: string
  manifest: string | null
  nodes: number
  zones: number
  image: string
  readyTimeoutMs: number
}

export interface StartedK3s {
  kubeconfig: string
  where: Where
  k3sVersion: string
  stop(): Promise<void>
}

/** Labels on every container and network of a run (clean finds them by these). */
export function containerLabels(runId: string, key: string): Record<string, string> {
  const owner = currentOwner()
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_LABEL]: runId, [NETWORK_LABEL]: key,
    [OWNER_HOST_ANNOTATION]: owner.host, [OWNER_PID_ANNOTATION]: String(owner.pid), [OWNER_START_ANNOTATION]: owner.start,
  }
}

/** The last line a container wrote: Docker's log stream without a TTY is framed (8-byte headers). */
function lastLogLine(log: Buffer): string {
  let text = ''
  for (let offset = 0; offset + 8 <= log.length; offset += 8 + log.readUInt32BE(offset + 4)) {
    text += log.subarray(offset + 8, offset + 8 + log.readUInt32BE(offset + 4)).toString()
  }
  return text.trim().split('\n').at(-1) ?? ''
}

/**
 * What every node container needs beyond @testcontainers/k3s's settings (CgroupnsMode=host and
 * the host's /sys/fs/cgroup bind-mounted):
 * - its own cgroup namespace, and the /sys/fs/cgroup Docker mounts for it: with the host's, every
 *   node's kubelet manages the same /kubepods and removes the other nodes' pods as orphans. kind
 *   runs nodes with --cgroupns=private; k3d gets it as Docker's default on cgroup v2.
 * - / made rshared before k3s starts, as k3d's K3D_FIX_MOUNTS entrypoint and kind's do: Calico's
 *   and Cilium's Bidirectional mounts (/sys/fs, /sys/fs/bpf) need a shared mount on the node,
 *   and in a container / is private. `exec` keeps k3s PID 1, which its cgroup v2 evacuation needs.
 */
export const NODE_ENTRYPOINT = ['/bin/sh', '-c', 'mount --make-rshared / && exec /bin/k3s "$@"', 'k3s']
function asNode(hostConfig: { CgroupnsMode?: string; Binds?: string[] }): void {
  hostConfig.CgroupnsMode = 'private'
  hostConfig.Binds = (hostConfig.Binds ?? []).filter((bind) => !bind.startsWith('/sys/fs/cgroup:'))
}

/**
 * Waits for the API server through `k3s kubectl get --raw=/readyz` inside the server container.
 * K3sContainer's default strategy waits for a log line that does not come when flannel is off.
 */
class ApiServerReady {
  private timeoutMs = 180_000
  private set = false
  withStartupTimeout(ms: number) { this.timeoutMs = ms; this.set = true; return this }
  isStartupTimeoutSet() { return this.set }
  getStartupTimeout() { return this.timeoutMs }
  async waitUntilReady(container: Dockerode.Container): Promise<void> {
    const deadline = Date.now() + this.timeoutMs
    let last = ''
    while (Date.now() < deadline) {
      try {
        const exec = await container.exec({ Cmd: ['k3s', 'kubectl', 'get', '--raw=/readyz'], AttachStdout: true, AttachStderr: true })
        const stream = await exec.start({})
        const output = await new Promise<string>((resolve) => {
          let text = ''
          stream.on('data', (chunk: Buffer) => { text += chunk.toString() })
          stream.on('end', () => resolve(text))
          stream.on('error', () => resolve(text))
        })
        const info = await exec.inspect()
        if (info.ExitCode === 0 && /ok/.test(output)) return
        last = output.replace(/[\x00-\x08]/g, '').trim().split('\n').at(-1) ?? ''
      } catch (error) {
        last = (error as Error).message
      }
      // A server that exited never gets ready: say why now, not at the end of the wait.
      const state = (await container.inspect()).State
      if (!state.Running) {
        throw new NetbenchError('PROVIDER', `the k3s server exited (code ${state.ExitCode}): ${lastLogLine(await container.logs({ stdout: true, stderr: true, tail: 5 }))}`, {
          hint: 'the node is removed; `docker run --privileged <image> server` shows the whole log',
        })
      }
      await sleep(1000)
    }
    throw new Error(`the k3s API server was not ready within ${this.timeoutMs / 1000} s${last ? `: ${last}` : ''}`)
  }
}

async function readManifest(manifest: string): Promise<string> {
  if (/^https?:\/\//.test(manifest)) {
    const response = await fetch(manifest)
    if (!response.ok) throw new NetbenchError('PROVIDER', `CNI manifest ${manifest}: HTTP ${response.status}`, { hint: 'check the URL, or download it and name the file' })
    return response.text()
  }
  try {
    return await readFile(manifest, 'utf8')
  } catch (error) {
    throw new NetbenchError('SUITE_INVALID', `CNI manifest ${manifest}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { hint: 'the path is relative to the suite file' })
  }
}

export async function applyManifest(config: KubeConfig, objects: readonly ManifestObject[], where: Where): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(config)
  for (const object of applyOrder(objects)) {
    // A custom resource may need its CRD to be established first: retry briefly on 404.
    for (let attempt = 0; ; attempt++) {
      try {
        await api.patch(object as KubernetesObject, undefined, undefined, 'netbench', true, PatchStrategy.ServerSideApply)
        break
      } catch (error) {
        if ((error as { code?: number }).code === 404 && attempt < 10) {
          await sleep(1000)
          continue
        }
        throw kubeError(error, `applying ${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`, where)
      }
    }
  }
}

/** Every node registered and Ready, every DaemonSet of the manifest fully ready. */
export async function waitClusterReady(config: KubeConfig, nodes: number, daemonsets: ReadonlyArray<{ namespace: string; name: string }>, timeoutMs: number, where: Where, signal?: AbortSignal): Promise<void> {
  const core = config.makeApiClient(CoreV1Api)
  const apps = config.makeApiClient(AppsV1Api)
  const deadline = Date.now() + timeoutMs
  let waitingFor = ''
  while (Date.now() < deadline) {
    signal?.throwIfAborted()
    try {
      const list = await core.listNode()
      const ready = list.items.filter((node) => node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True'))
      waitingFor = `${ready.length}/${nodes} nodes Ready`
      if (ready.length >= nodes) {
        const pending: string[] = []
        for (const ds of daemonsets) {
          const status = (await apps.readNamespacedDaemonSet({ namespace: ds.namespace, name: ds.name })).status
          if (!status || status.desiredNumberScheduled === 0 || status.numberReady < status.desiredNumberScheduled) pending.push(`${ds.namespace}/${ds.name} ${status?.numberReady ?? 0}/${status?.desiredNumberScheduled ?? '?'} ready`)
        }
        if (!pending.length) return
        waitingFor = pending.join(', ')
      }
    } catch (error) {
      waitingFor = kubeError(error, 'waiting for the cluster', where).message
    }
    await sleep(2000)
  }
  throw new NetbenchError('PROVIDER', `k3s cluster ${where.context} was not ready within ${Math.round(timeoutMs / 1000)} s: ${waitingFor}`, {
    hint: 'a CNI that never gets Ready usually needs a different manifest for k3s (pod CIDR 10.42.0.0/16); raise cluster.readyTimeout on slow runners',
  })
}

/** The Docker side of one cluster: its network, the server and the agents, all labelled with the run. */
export interface K3sNodes {
  network: string
  kubeconfig: string
  stop(): Promise<void>
}

/**
 * Creates the Docker network and the nodes. testcontainers' reaper (Ryuk) is off: its image is
 * one more pull, impossible offline, and the labels already let `netbench clean` remove what a
 * killed run left.
 */
export async function startK3sNodes(options: Omit<K3sClusterOptions, 'manifest'> & { withFlannel: boolean }): Promise<K3sNodes> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true'
  const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers')
  const { K3sContainer } = await import('@testcontainers/k3s')
  const client = await getContainerRuntimeClient()
  const labels = containerLabels(options.runId, options.key)
  const token = randomBytes(16).toString('hex')
  const name = `netbench-${options.runId}-${options.key}`
  const network = await client.network.create({ Name: name, CheckDuplicate: true, Driver: 'bridge', Labels: labels })
  const started: Array<{ stop(): Promise<unknown> }> = []
  const stop = async () => {
    for (const container of started.reverse()) await container.stop().catch(() => undefined)
    // A container that was created but failed to start is not among them: find it by its labels.
    const dockerode = client.container.dockerode
    for (const info of await dockerode.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${options.runId}`, `${NETWORK_LABEL}=${options.key}`] } })) {
      await dockerode.getContainer(info.Id).remove({ force: true, v: true }).catch(() => undefined)
    }
    await client.network.remove(network).catch(() => undefined)
  }
  try {
    // The alias is set at creation: testcontainers' withNetworkAliases would create the server on
    // the default bridge and connect it to the run's network after, leaving it on both.
    class K3sServer extends K3sContainer {
      constructor(image: string) {
        super(image)
        this.createOpts.NetworkingConfig = { EndpointsConfig: { [name]: { Aliases: [SERVER_ALIAS] } } }
        asNode(this.hostConfig)
        this.withEntrypoint(NODE_ENTRYPOINT)
      }
    }
    const server = await new K3sServer(options.image)
      .withNetworkMode(name)
      .withLabels(labels)
      .withEnvironment({ K3S_TOKEN: token })
      .withCommand([...serverArgs({ withFlannel: options.withFlannel, zone: zoneOf(0, options.zones) }), `--tls-san=${SERVER_ALIAS}`])
      .withWaitStrategy(new ApiServerReady())
      .withStartupTimeout(options.readyTimeoutMs)
      .start()
    started.push(server)
    // Agents: the same image running `agent`, privileged, each in its own cgroup namespace like the server.
    class K3sAgent extends GenericContainer {
      constructor(image: string) {
        super(image)
        asNode(this.hostConfig)
        this.withEntrypoint(NODE_ENTRYPOINT)
      }
    }
    const agents = await Promise.allSettled(Array.from({ length: options.nodes - 1 }, (_, offset) => new K3sAgent(options.image)
      .withNetworkMode(name)
      .withPrivilegedMode()
      .withTmpFs({ '/run': 'rw', '/var/run': 'rw' })
      .withLabels(labels)
      .withEnvironment(agentEnvironment(token))
      .withCommand(agentArgs({ index: offset + 1, zone: zoneOf(offset + 1, options.zones) }))
      .start()))
    // Every agent that did start is stopped with the rest, even when another failed.
    for (const agent of agents) if (agent.status === 'fulfilled') started.push(agent.value)
    const failed = agents.find((agent) => agent.status === 'rejected')
    if (failed) throw failed.reason
    return { network: name, kubeconfig: server.getKubeConfig(), stop }
  } catch (error) {
    await stop()
    throw startFailure(error)
  }
}

/** runc cannot grant a privileged container a capability the engine itself lacks (an engine inside a container). */
export function startFailure(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error)
  if (!/unable to apply caps/.test(message)) return error
  return new NetbenchError('PROVIDER', `this Docker engine cannot start privileged containers, which k3s nodes are (${/unable to apply caps[^:]*(: [^:]+)?/.exec(message)![0]})`, {
    hint: 'the engine lacks capabilities it would grant (it runs inside a container or a restricted sandbox): use an engine on a host or VM, or provider: kube; on a test machine `netbench setup --dev` installs a runtime shim',
  })
}

/** `signal` (an interrupted run) ends the wait for the cluster at once; the nodes are removed. */
export async function startK3s(options: K3sClusterOptions, signal?: AbortSignal): Promise<StartedK3s> {
  const objects = options.manifest ? manifestObjects(await readManifest(options.manifest), options.manifest) : []
  const poolProblem = ciliumPoolProblem(objects, options.manifest ?? '')
  if (poolProblem) throw new NetbenchError('SUITE_INVALID', poolProblem, { hint: CILIUM_POOL_HINT })
  const nodes = await startK3sNodes({ ...options, withFlannel: options.manifest === null })
  try {
    const config = new KubeConfig()
    config.loadFromString(nodes.kubeconfig)
    const where: Where = { context: `k3s-${options.key}`, server: config.getCurrentCluster()?.server ?? `https://localhost:${API_PORT}` }
    if (objects.length) await applyManifest(config, objects, where)
    await waitClusterReady(config, options.nodes, daemonSetsOf(objects), options.readyTimeoutMs, where, signal)
    return { kubeconfig: nodes.kubeconfig, where, k3sVersion: options.image.split(':').at(-1) ?? options.image, stop: nodes.stop }
  } catch (error) {
    await nodes.stop()
    throw error
  }
}
