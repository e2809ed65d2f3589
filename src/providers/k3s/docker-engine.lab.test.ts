/**
 * The k3s provider's Docker side on the REAL Docker engine (CI starts one with `netbench setup
 * --dev`; without one these tests fail, they do not skip). No registry answers here, so the
 * rancher/k3s image is replaced by a STAND-IN image (standin-image.testkit.ts) that runs no
 * Kubernetes but refuses what would break a real node (the host's cgroup namespace, private
 * mounts): what needs k3s itself is tested against the stand-in API server (test/kube-standin).
 * This machine's engine lacks a capability that privileged containers get; `netbench setup --dev`
 * made its test-machine runtime shim the default (src/cli/docker-privileged.ts), the nodes are
 * started by the provider's own code.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { isNetbenchError } from '../../errors.ts'
import { run } from '../../exec.ts'
import { interruptCli, runCli, startCli } from '../../../test/cli.ts'
import { REPO_ROOT, tmpProject } from '../../../test/tmp-project.ts'
import { MANAGED_BY, MANAGED_BY_LABEL, NETWORK_LABEL, OWNER_PID_ANNOTATION, RUN_LABEL } from '../kube/labels.ts'
import { probePrivileged } from '../../cli/docker-privileged.ts'
import { NODE_ENTRYPOINT, startFailure, startK3sNodes } from './cluster.ts'
import { dockerEngine } from './docker.ts'
import { SERVER_ALIAS } from './manifests.ts'
import { CRASHING_STANDIN_K3S_IMAGE, STANDIN_CRASH, STANDIN_K3S_IMAGE, buildStandInK3sImage, removeStandInK3sImage } from './standin-image.testkit.ts'

type Docker = Awaited<ReturnType<typeof dockerEngine>>['container']['dockerode']
let docker: Docker
const ours = { label: [`${MANAGED_BY_LABEL}=${MANAGED_BY}`] }

/** Every container and network netbench made on the engine (nothing else here makes them). */
async function dockerObjects(): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: ours })
  const networks = await docker.listNetworks({ filters: ours })
  return [...containers.map((c) => `container ${c.Names[0]} (run ${c.Labels[RUN_LABEL]})`), ...networks.map((n) => `network ${n.Name}`)]
}

async function waitForContainers(count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while ((await docker.listContainers({ filters: ours })).length < count) {
    if (Date.now() > deadline) throw new Error(`${count} netbench containers did not appear within ${timeoutMs / 1000} s: ${(await dockerObjects()).join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const suite = (image: string, readyTimeout: string) =>
  `name: k\ncluster: { provider: k3s, nodes: 3, zones: 3, image: ${image}, readyTimeout: ${readyTimeout} }\nnetworks: [flannel]\nsteps: [{ tcp: { duration: 1s } }]\n`

const NO_PRIVILEGED = /^this Docker engine cannot start privileged containers, which k3s nodes are \(unable to apply caps/

beforeAll(async () => {
  docker = (await dockerEngine()).container.dockerode
  const privileged = await probePrivileged()
  if (!privileged.ok) throw new Error(`this Docker engine cannot start privileged containers (${privileged.reason}): run netbench setup --yes --dev`)
  await buildStandInK3sImage()
}, 60_000)
afterEach(async () => { expect(await dockerObjects()).toEqual([]) })
afterAll(async () => { if (docker) await removeStandInK3sImage() })

describe.sequential('the k3s provider on a real Docker engine (stand-in k3s image)', () => {
  test('an absent k3s image that cannot be pulled: exit 3, one line naming it and docker load, nothing created', async () => {
    using project = tmpProject({ 's.netbench.yaml': suite('netbench-standin.invalid/k3s:absent', '60s') })
    const { code, stderr } = await runCli(['s.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stderr).toMatch(/^netbench: k3s image netbench-standin\.invalid\/k3s:absent is not on the Docker engine and cannot be pulled \(.+\) — .*`docker load -i <file>`.*`docker import /)
    expect(stderr.trimEnd().split('\n')).toHaveLength(1)
  })

  const nodeOptions = { runId: 'dk1t', key: 'flannel', withFlannel: true, nodes: 3, zones: 2, image: STANDIN_K3S_IMAGE, readyTimeoutMs: 30_000 }

  test('an engine that cannot start privileged containers: its own error (plain runc, not the shim) becomes exit 3 saying so', async (context) => {
    const container = await docker.createContainer({ Image: STANDIN_K3S_IMAGE, Cmd: ['agent'], Labels: { [MANAGED_BY_LABEL]: MANAGED_BY }, HostConfig: { Privileged: true, Runtime: 'runc' } })
    try {
      const started = await container.start().then(() => null, (caught: unknown) => caught)
      if (!/unable to apply caps/.test(String(started))) context.skip(`plain runc starts privileged containers on this engine (${String(started)})`)
      const error = startFailure(started)
      expect(isNetbenchError(error) && error.exitCode).toBe(3)
      expect((error as Error).message).toMatch(NO_PRIVILEGED)
    } finally {
      await container.remove({ force: true })
    }
  })

  test('the stand-in refuses a node in the host\'s cgroup namespace, on the host\'s cgroup tree, or with private mounts', async () => {
    const node = (...args: string[]) => run('docker', ['run', '--rm', '--privileged', '--network', 'none', ...args])
    const refused = (result: { exitCode: number | null; stderr: string }) => `${result.exitCode} ${result.stderr.trim()}`
    // @testcontainers/k3s's settings: the host's cgroup namespace and /sys/fs/cgroup.
    expect(refused(await node('--cgroupns', 'host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup', STANDIN_K3S_IMAGE, 'agent'))).toBe("1 stand-in k3s: the node shares the host's cgroup namespace: every node's kubelet would manage the same /kubepods")
    expect(refused(await node('--cgroupns', 'private', '-v', '/sys/fs/cgroup:/sys/fs/cgroup', STANDIN_K3S_IMAGE, 'agent'))).toBe("1 stand-in k3s: /sys/fs/cgroup is not the node's own cgroup tree (the host's, bind-mounted?)")
    expect(refused(await node('--cgroupns', 'private', STANDIN_K3S_IMAGE, 'server'))).toBe("1 stand-in k3s: / is not a shared mount: Calico's and Cilium's Bidirectional mounts would fail")
    // / shared but a private mount over /sys: the mount holding /sys/fs/bpf counts.
    const sysPrivate = await node('--cgroupns', 'private', '--entrypoint', '/bin/sh', STANDIN_K3S_IMAGE, '-c', 'mount --make-rshared / && mount --make-private /sys && exec /bin/k3s agent')
    expect(refused(sysPrivate)).toBe("1 stand-in k3s: /sys/fs/bpf is not on a shared mount: Cilium's bpffs mount would not reach the node")
  })

  test('nodes: labelled with the run, privileged, own cgroup namespace, / rshared, on the run’s network, agents join the server by alias, zones round-robin; clean keeps a live run; stop leaves nothing', async () => {
    const nodes = await startK3sNodes(nodeOptions)
    try {
      const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_LABEL]: 'dk1t', [NETWORK_LABEL]: 'flannel', [OWNER_PID_ANNOTATION]: String(process.pid) }
      const [network] = await docker.listNetworks({ filters: { name: [nodes.network] } })
      expect(network!.Labels).toMatchObject(labels)
      const containers = await Promise.all((await docker.listContainers({ filters: { label: [`${RUN_LABEL}=dk1t`] } })).map((c) => docker.getContainer(c.Id).inspect()))
      expect(containers).toHaveLength(3)
      const byRole = (role: string) => containers.find((c) => c.Config.Cmd.includes(role))!
      for (const container of containers) {
        expect(container.Config.Labels).toMatchObject(labels)
        expect(container.HostConfig.Privileged).toBe(true)
        // The stand-in exits at once in the host's cgroup namespace or with private mounts.
        expect(container.State.Running).toBe(true)
        expect((container.HostConfig as { CgroupnsMode?: string }).CgroupnsMode).toBe('private')
        expect(container.HostConfig.Binds ?? []).toEqual([])
        expect(container.Config.Entrypoint).toEqual(NODE_ENTRYPOINT)
        const mounts = await run('docker', ['exec', container.Id, 'sh', '-c', 'while read -r id parent device root point rest; do [ "$point" = / ] && echo "$rest"; done < /proc/1/mountinfo'])
        expect(mounts.stdout).toMatch(/ shared:\d+ /)
        expect(Object.keys(container.NetworkSettings.Networks)).toEqual([nodes.network])
      }
      expect(byRole('server').NetworkSettings.Networks[nodes.network]!.Aliases).toContain(SERVER_ALIAS)
      expect(byRole('server').Config.Cmd).toContain(`--tls-san=${SERVER_ALIAS}`)
      expect(containers.filter((c) => c.Config.Cmd[0] === 'agent').map((c) => c.Config.Env.find((e) => e.startsWith('K3S_URL=')))).toEqual([`K3S_URL=https://${SERVER_ALIAS}:6443`, `K3S_URL=https://${SERVER_ALIAS}:6443`])
      expect(containers.map((c) => c.Config.Cmd.find((arg) => arg.startsWith('--node-label='))).sort()).toEqual(['--node-label=topology.kubernetes.io/zone=zone-a', '--node-label=topology.kubernetes.io/zone=zone-a', '--node-label=topology.kubernetes.io/zone=zone-b'])
      // The API port as Docker published it (the host is localhost, or the bridge's gateway inside a container).
      expect(/server: https:\/\/[^:\s]+:(\d+)\n/.exec(nodes.kubeconfig)?.[1]).toBe(byRole('server').NetworkSettings.Ports['6443/tcp']![0]!.HostPort)
      // This process is alive: clean leaves its containers alone.
      const clean = await runCli(['clean'])
      expect(clean.stdout).not.toContain('dk1t')
      expect((await docker.listContainers({ filters: { label: [`${RUN_LABEL}=dk1t`] } }))).toHaveLength(3)
    } finally {
      await nodes.stop()
    }
  })

  test('a server that crashes while it starts: the wait ends at once with its last log line, nothing remains', async () => {
    await buildStandInK3sImage(CRASHING_STANDIN_K3S_IMAGE)
    try {
      const started = Date.now()
      const error = await startK3sNodes({ ...nodeOptions, runId: 'dk2c', image: CRASHING_STANDIN_K3S_IMAGE }).catch((caught: unknown) => caught)
      expect(isNetbenchError(error) && error.exitCode).toBe(3)
      expect((error as Error).message).toBe(`the k3s server exited (code 1): ${STANDIN_CRASH}`)
      // Not at the end of the 30 s readyTimeout.
      expect(Date.now() - started).toBeLessThan(20_000)
    } finally {
      await removeStandInK3sImage(CRASHING_STANDIN_K3S_IMAGE)
    }
  })

  test('a cluster that never gets ready: exit 3 naming the wait, nothing remains', async () => {
    using project = tmpProject({ 's.netbench.yaml': suite(STANDIN_K3S_IMAGE, '3s') })
    const { code, stdout } = await runCli(['s.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stdout).toMatch(/k3s cluster k3s-flannel was not ready within 3 s/)
  })

  test('SIGINT while the cluster starts: exit 130, nothing remains', async () => {
    using project = tmpProject({ 's.netbench.yaml': suite(STANDIN_K3S_IMAGE, '120s') })
    const cli = startCli(['s.netbench.yaml'], { cwd: project.dir })
    await waitForContainers(3)
    // Not at the end of the 120 s wait for the cluster: the interrupt ends it.
    await interruptCli(cli, 20_000)
  })

  test('SIGKILL of the whole run: its containers and network remain until `netbench clean` removes them', async () => {
    using project = tmpProject({ 's.netbench.yaml': suite(STANDIN_K3S_IMAGE, '120s') })
    // Its own process group, so the kill takes the CLI and its Vitest worker at once, as a CI cancel does.
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/netbench.js'), 's.netbench.yaml'], { cwd: project.dir, detached: true, stdio: 'ignore' })
    const exited = new Promise((resolve) => child.on('exit', resolve))
    await waitForContainers(3)
    process.kill(-child.pid!, 'SIGKILL')
    await exited
    const left = await dockerObjects()
    expect(left.filter((item) => item.startsWith('container'))).toHaveLength(3)
    expect(left.filter((item) => item.startsWith('network'))).toHaveLength(1)
    const { code, stdout } = await runCli(['clean'])
    expect(code).toBe(0)
    for (const item of left) expect(stdout).toContain(item.split(' ')[1]!.replace(/^\//, ''))
  })
})
