/**
 * The k3s provider's Docker side on the REAL Docker engine (CI starts one with `netbench setup
 * --dev`; without one these tests fail, they do not skip). No registry answers here, so the
 * rancher/k3s image is replaced by a STAND-IN image (standin-image.testkit.ts) that runs no
 * Kubernetes: what needs k3s itself is tested against the stand-in API server (test/kube-standin).
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { isNetbenchError } from '../../errors.ts'
import { run } from '../../exec.ts'
import { interruptCli, runCli, startCli } from '../../../test/cli.ts'
import { REPO_ROOT, tmpProject } from '../../../test/tmp-project.ts'
import { MANAGED_BY, MANAGED_BY_LABEL, NETWORK_LABEL, OWNER_PID_ANNOTATION, RUN_LABEL } from '../kube/labels.ts'
import { startK3sNodes } from './cluster.ts'
import { dockerEngine } from './docker.ts'
import { SERVER_ALIAS } from './manifests.ts'
import { STANDIN_K3S_IMAGE, buildStandInK3sImage, removeStandInK3sImage } from './standin-image.testkit.ts'

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

/**
 * Whether this engine can start a privileged container: not when it runs with a reduced capability
 * bounding set (this machine's engine lacks CAP_MAC_OVERRIDE), where runc fails with "unable to apply caps".
 */
let privileged: { ok: true } | { ok: false; reason: string }
const NO_PRIVILEGED = /^this Docker engine cannot start privileged containers, which k3s nodes are \(unable to apply caps/

beforeAll(async () => {
  docker = (await dockerEngine()).container.dockerode
  await buildStandInK3sImage()
  const probe = await run('docker', ['run', '--rm', '--privileged', STANDIN_K3S_IMAGE, 'agent', '--probe'])
  privileged = /unable to apply caps/.test(probe.stderr) ? { ok: false, reason: `this engine cannot start privileged containers: ${probe.stderr.trim().split('\n')[0]}` } : { ok: true }
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

  test('an engine that cannot start privileged containers: exit 3 saying so, and the created-but-not-started node is removed', async (context) => {
    if (privileged.ok) context.skip('this engine starts privileged containers (the next tests run the nodes)')
    const error = await startK3sNodes(nodeOptions).catch((caught: unknown) => caught)
    expect(isNetbenchError(error) && error.exitCode).toBe(3)
    expect((error as Error).message).toMatch(NO_PRIVILEGED)
  })

  test('nodes: labelled with the run, privileged, on the run’s network, agents join the server by alias, zones round-robin; clean keeps a live run; stop leaves nothing', async (context) => {
    if (!privileged.ok) context.skip(privileged.reason)
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
        expect(container.State.Running).toBe(true)
        expect(Object.keys(container.NetworkSettings.Networks)).toEqual([nodes.network])
      }
      expect(byRole('server').NetworkSettings.Networks[nodes.network]!.Aliases).toContain(SERVER_ALIAS)
      expect(byRole('server').Config.Cmd).toContain(`--tls-san=${SERVER_ALIAS}`)
      expect(containers.filter((c) => c.Config.Cmd[0] === 'agent').map((c) => c.Config.Env.find((e) => e.startsWith('K3S_URL=')))).toEqual([`K3S_URL=https://${SERVER_ALIAS}:6443`, `K3S_URL=https://${SERVER_ALIAS}:6443`])
      expect(containers.map((c) => c.Config.Cmd.find((arg) => arg.startsWith('--node-label='))).sort()).toEqual(['--node-label=topology.kubernetes.io/zone=zone-a', '--node-label=topology.kubernetes.io/zone=zone-a', '--node-label=topology.kubernetes.io/zone=zone-b'])
      expect(nodes.kubeconfig).toMatch(/server: https:\/\/localhost:\d+\n/)
      // This process is alive: clean leaves its containers alone.
      const clean = await runCli(['clean'])
      expect(clean.stdout).not.toContain('dk1t')
      expect((await docker.listContainers({ filters: { label: [`${RUN_LABEL}=dk1t`] } }))).toHaveLength(3)
    } finally {
      await nodes.stop()
    }
  })

  test('a cluster that never gets ready: exit 3 naming the wait, nothing remains', async () => {
    using project = tmpProject({ 's.netbench.yaml': suite(STANDIN_K3S_IMAGE, '3s') })
    const { code, stdout } = await runCli(['s.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(3)
    expect(stdout).toMatch(privileged.ok ? /k3s cluster k3s-flannel was not ready within 3 s/ : /network flannel: this Docker engine cannot start privileged containers/)
  })

  test('SIGINT while the cluster starts: exit 130, nothing remains', async (context) => {
    if (!privileged.ok) context.skip(privileged.reason)
    using project = tmpProject({ 's.netbench.yaml': suite(STANDIN_K3S_IMAGE, '120s') })
    const cli = startCli(['s.netbench.yaml'], { cwd: project.dir })
    await waitForContainers(3)
    // Not at the end of the 120 s wait for the cluster: the interrupt ends it.
    await interruptCli(cli, 20_000)
  })

  test('SIGKILL of the whole run: its containers and network remain until `netbench clean` removes them', async (context) => {
    if (!privileged.ok) context.skip(privileged.reason)
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
