import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { execFileSync, spawn } from 'node:child_process'
import { afterEach, describe, expect, test } from 'vitest'
import { interruptCli, runCli, startCli } from '../cli.ts'
import { allLabObjects, labLeftovers } from '../leftovers.ts'
import { tmpProject } from '../tmp-project.ts'

afterEach(() => {
  expect(labLeftovers()).toEqual([])
})

const goodYaml = 'name: ok\ncluster: { nodes: 2, zones: 2 }\nnetworks: [host]\nsteps:\n  - udp: { bitrates: [5M], duration: 1s }\n'

// Concurrent, as hostile.lab.test.ts's input checks: nothing here provisions or measures anything.
describe.concurrent('bad input: exit 2, one line naming file, place and fix, nothing provisioned', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['unknown network', 'name: t\nnetworks: [flanel]\nsteps: [{ tcp: {} }]\n', /^netbench: s\.netbench\.yaml:2:\d+: networks\[0\]: unknown network 'flanel' — did you mean 'flannel'\?/],
    ['unknown metric', `${goodYaml}expect: [host at 5M lossy < 1%]\n`, /^netbench: s\.netbench\.yaml:6:\d+: expect\[0\]: unknown metric 'lossy'.* — /],
    ['bitrate 10Q', 'name: t\nnetworks: [host]\nsteps:\n  - udp: { bitrates: [10Q] }\n', /^netbench: s\.netbench\.yaml:4:\d+: steps\[0\]\.udp\.bitrates\[0\]: '10Q' is not a bitrate like 100M — /],
    ['zero duration', 'name: t\nnetworks: [host]\nsteps:\n  - tcp: { duration: 0 }\n', /^netbench: s\.netbench\.yaml:4:\d+: steps\[0\]\.tcp\.duration: .*greater than zero — write e\.g\. 10s/],
    ['unknown latency protocol', 'name: t\nnetworks: [host]\nsteps:\n  - latency: { protocol: tpc }\n', /^netbench: s\.netbench\.yaml:4:\d+: steps\[0\]\.latency\.protocol: 'tpc' is not a latency protocol — did you mean 'tcp'\? use one of icmp, tcp, udp/],
    ['YAML syntax error', 'name: t\nnetworks: [host\n', /^netbench: s\.netbench\.yaml:\d+:\d+: YAML syntax error/],
    ['schema violation', 'name: t\nnetworks: [host]\nsteps: [{ tcp: { streams: -2 } }]\n', /^netbench: s\.netbench\.yaml:3:\d+: steps\[0\]\.tcp\.streams: -2 is out of range/],
    ['expectation naming an absent network', `${goodYaml}expect: [calico at 5M loss < 1%]\n`, /^netbench: s\.netbench\.yaml:6:\d+: expect\[0\]: network 'calico' is not in this suite's networks/],
    ['no steps', 'name: t\nnetworks: [host]\nsteps: []\n', /^netbench: s\.netbench\.yaml:3:\d+: steps: the list of steps is empty — /],
    ['duplicate networks', 'name: t\nnetworks: [host, host]\nsteps: [{ tcp: {} }]\n', /^netbench: s\.netbench\.yaml:2:\d+: networks\[1\]: network 'host' is listed twice/],
    ['unknown path', 'name: t\nnetworks: [flannel]\nsteps:\n  - tcp: { via: clusterip }\n', /^netbench: s\.netbench\.yaml:4:\d+: steps\[0\]\.tcp\.via: 'clusterip' is not a path — did you mean 'service'\? use one of pod, service, nodeport, hairpin\n/],
    ['a Service path from the nodes', 'name: t\nnetworks: [flannel]\nsteps:\n  - tcp: { endpoint: host, via: service }\n', /^netbench: s\.netbench\.yaml:4:\d+: steps\[0\]\.tcp\.via: via: service reaches a pod through a Service; endpoint: host measures the nodes themselves — remove via/],
  ]
  test.each(cases)('%s', async (_name, yaml, message) => {
    using project = tmpProject({ 's.netbench.yaml': yaml })
    const { code, stdout, stderr } = await runCli(['s.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stdout).toBe('')
  })

  test('a bad expectation shows a caret under the offending token', async () => {
    using project = tmpProject({ 's.netbench.yaml': `${goodYaml}expect: [host at 5Q loss < 1%]\n` })
    const { code, stderr } = await runCli(['s.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(2)
    expect(stderr.split('\n').slice(1, 3)).toEqual(['  host at 5Q loss < 1%', '          ^^'])
  })

  test('a suite file that does not exist', async () => {
    const { code, stderr } = await runCli(['nope.netbench.ts'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/^netbench: nope\.netbench\.ts: no such suite file or directory — check the path/)
  })

  test('an unknown option', async () => {
    const { code, stderr } = await runCli(['--frobnicate'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/Unknown option `--frobnicate`/)
  })
})

describe('environment problems: exit 3 naming what is missing and how to get it', () => {
  test('iperf3 missing', async () => {
    using project = tmpProject({ 's.netbench.yaml': goodYaml })
    // A PATH with ip, tc and sysctl but without /usr/bin, where iperf3 lives.
    const { code, stderr } = await runCli(['s.netbench.yaml'], { cwd: project.dir, env: { PATH: '/usr/sbin:/sbin' } })
    expect(code).toBe(3)
    expect(stderr).toMatch(/^netbench: iperf3 is not installed — run `netbench setup` or `apt-get install iperf3`/)
  })

  test('sockperf missing for a request/response latency step', async () => {
    using project = tmpProject({ 's.netbench.yaml': "name: t\ncluster: { nodes: 2, zones: 2 }\nnetworks: [host]\nsteps:\n  - latency: { protocol: tcp, duration: 1s }\n" })
    // ip, tc and sysctl from sbin, iperf3 linked in; no sockperf anywhere on the PATH.
    mkdirSync(project.path('bin'))
    symlinkSync('/usr/bin/iperf3', project.path('bin/iperf3'))
    const { code, stderr } = await runCli(['s.netbench.yaml'], { cwd: project.dir, env: { PATH: `${project.path('bin')}:/usr/sbin:/sbin` } })
    expect(code).toBe(3)
    expect(stderr).toMatch(/^netbench: sockperf is not installed — run `netbench setup` or `apt-get install sockperf`/)
  })

  test('not root', async () => {
    using project = tmpProject({ 's.netbench.yaml': goodYaml })
    const { code, stderr } = await runCli(['s.netbench.yaml'], { cwd: project.dir, uid: 65534 })
    expect(code).toBe(3)
    expect(stderr).toMatch(/^netbench: the local lab needs root \(CAP_NET_ADMIN\).* — run it as root/)
  })
})

describe('interrupts and leftovers', () => {
  test('SIGINT mid-measurement stops, cleans up everything and exits 130', async () => {
    using project = tmpProject({ 's.netbench.yaml': 'name: long\ncluster: { nodes: 2, zones: 2 }\nnetworks: [host]\nsteps:\n  - udp: { bitrates: [5M, 6M], duration: 30s }\n' })
    const cli = startCli(['s.netbench.yaml'], { cwd: project.dir })
    const deadline = Date.now() + 30_000
    // Wait until a probe of this run is really running: its first point started and an iperf3
    // client inside a lab (other runs on a shared machine have clients too).
    while (Date.now() < deadline && !(cli.output().includes('[1/2]') && allLabObjects().some((item) => /^process .*iperf3 -c/.test(item)))) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(allLabObjects().some((item) => item.startsWith('netns '))).toBe(true)
    const stdout = await interruptCli(cli, 15_000)
    expect(stdout).toMatch(/interrupted/)
  })

  test('SIGINT while the lab is still being built (before the suite has registered) leaves nothing behind', async () => {
    using project = tmpProject({ 's.netbench.yaml': 'name: early\ncluster: { nodes: 3, zones: 3 }\nnetworks: [calico]\nsteps:\n  - udp: { bitrates: [5M], duration: 30s }\n' })
    const cli = startCli(['s.netbench.yaml'], { cwd: project.dir })
    const deadline = Date.now() + 30_000
    // The worker builds the lab as soon as it starts: interrupt at this run's first namespace.
    const building = () => {
      const runId = /netbench run ([a-z0-9]{4})/.exec(cli.output())?.[1]
      return runId !== undefined && allLabObjects().some((item) => item.startsWith(`netns nb${runId}-`))
    }
    while (Date.now() < deadline && !building()) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(building()).toBe(true)
    expect(cli.output()).not.toContain('[1/1]')
    await interruptCli(cli, 15_000)
  })

  test('netbench clean removes what a dead run left behind', async () => {
    // A run whose owner died: its namespace and temp dir remain, its state names a dead process.
    const runId = 'zz' + Math.random().toString(36).slice(2, 4).padEnd(2, '0')
    execFileSync('ip', ['netns', 'add', `nb${runId}-n1`])
    mkdirSync(`/tmp/nb${runId}-leftover`)
    const { code, stdout } = await runCli(['clean'])
    expect(code).toBe(0)
    expect(stdout).toContain(`netns nb${runId}-n1`)
    expect(existsSync(`/tmp/nb${runId}-leftover`)).toBe(false)
  })

  test('netbench clean stops a BIRD of a dead run whose namespace and temp dir are already gone', async () => {
    // Its namespace was deleted under it: `ip netns pids` cannot find it, its command line still names the run.
    const runId = 'zy' + Math.random().toString(36).slice(2, 4).padEnd(2, '0')
    const dir = `/tmp/nb${runId}-net`
    mkdirSync(dir)
    writeFileSync(`${dir}/bird.conf`, 'router id 198.18.0.1;\nprotocol device {}\n')
    const bird = spawn('bird', ['-f', '-c', `${dir}/bird.conf`, '-s', `${dir}/bird.ctl`], { stdio: 'ignore' })
    try {
      await new Promise((resolve) => setTimeout(resolve, 300))
      rmSync(dir, { recursive: true, force: true })
      const { code, stdout } = await runCli(['clean'])
      expect(code).toBe(0)
      expect(stdout).toMatch(/removed 1 process\(es\)/)
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(bird.exitCode !== null || bird.signalCode !== null).toBe(true)
    } finally {
      bird.kill('SIGKILL')
    }
  })

  test('list shows the planned matrix without provisioning anything', async () => {
    using project = tmpProject({ 's.netbench.yaml': `${goodYaml}  - tcp: { streams: 2, duration: 1s }\nexpect: [host at 5M loss < 1%]\n` })
    const { code, stdout } = await runCli(['list', 's.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(0)
    expect(stdout).toMatch(/host › udp 5M\s+1s, between zones/)
    expect(stdout).toMatch(/expect loss < 1%/)
    expect(stdout).toMatch(/host › tcp ×2/)
    expect(stdout).toMatch(/2 points, 1 expectations/)
  })
})
