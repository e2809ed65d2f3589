import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { runCli } from '../cli.ts'
import { allLabObjects } from '../leftovers.ts'
import { tmpProject } from '../tmp-project.ts'

// `netbench init` in a fresh project, then what it wrote: listed, run on the real local lab
// (the example's points are 2 s), and the workflow read as GitHub would read it. Only the lab run
// checks for leftovers: the other tests build no lab, and other runs on this machine come and go.

interface Workflow {
  on: { pull_request: { paths: string[] } }
  jobs: Record<string, { 'runs-on': string; needs?: string; if?: string; steps: Array<{ run?: string; uses?: string; name?: string }> }>
}

describe('netbench init', () => {
  test('writes the example suite, the config and the workflow; says what it wrote and what to run next; list validates them', async () => {
    using project = tmpProject({})
    const { code, stdout, stderr } = await runCli(['init', '--ci', 'github'], { cwd: project.dir })
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    for (const file of ['suites/example.netbench.ts', 'netbench.config.ts', 'gates/cni.netbench.ts', '.github/workflows/netbench.yml']) {
      expect(stdout).toContain(`netbench: wrote ${file}\n`)
      expect(existsSync(project.path(file))).toBe(true)
    }
    expect(stdout).toContain('sudo npx netbench setup --yes')
    expect(stdout).toMatch(/\n {2}sudo npx netbench {2,}run suites\/example\.netbench\.ts/)

    const listed = await runCli(['list'], { cwd: project.dir })
    expect(listed.stderr).toBe('')
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain('Example: flannel against host networking')
    expect(listed.stdout).toContain('repeats interleaved: host, flannel, host, flannel …')
    // `npx netbench` runs suites/ only: the k3s gate lives apart and is named explicitly.
    expect(listed.stdout).not.toContain('CNI gate')
    const gate = await runCli(['list', 'gates/cni.netbench.ts'], { cwd: project.dir })
    expect(gate.code).toBe(0)
    expect(gate.stdout).toContain('k3s: 3 nodes, 3 zones per cluster')
    expect(gate.stdout).toContain('repeats interleaved: calico-base, calico-pr, calico-base, calico-pr …')
    expect(gate.stdout).toMatch(/calico-pr › tcp .*\n\s+expect throughput >= 97% of calico-base/)
  })

  test('the workflow parses; the lab job runs the lab suites as root, the CNI job runs the k3s gate on both manifests', async () => {
    using project = tmpProject({})
    {
      const { code } = await runCli(['init', '--ci', 'github'], { cwd: project.dir })
      expect(code).toBe(0)
      const workflow = parse(readFileSync(project.path('.github/workflows/netbench.yml'), 'utf8')) as Workflow
      expect(workflow.on.pull_request.paths).toEqual(expect.arrayContaining(['cni/**', 'gates/**', 'suites/**']))
      expect(Object.keys(workflow.jobs)).toEqual(['changes', 'lab', 'cni'])
      const runs = (job: string) => workflow.jobs[job]!.steps.flatMap((step) => step.run ? [step.run.trim()] : [])
      expect(runs('lab')).toEqual(['npm ci', 'sudo npx netbench setup --yes', 'sudo --preserve-env=PATH npx netbench --report-dir netbench-report/lab'])
      expect(workflow.jobs.cni).toMatchObject({ needs: 'changes', if: "needs.changes.outputs.cni == 'true'" })
      const cni = runs('cni')
      expect(cni.at(-1)).toBe('npx netbench gates/cni.netbench.ts --report-dir netbench-report/cni')
      // The base manifest lands where the gate suite reads it; the candidate is the checked-out one.
      expect(cni.some((run) => run.includes(':cni/calico.yaml" > cni/base/calico.yaml'))).toBe(true)
      const gate = readFileSync(project.path('gates/cni.netbench.ts'), 'utf8')
      expect(gate).toContain("manifest: '../cni/base/calico.yaml'")
      expect(gate).toContain("manifest: '../cni/calico.yaml'")
      // The k3s gate needs no root, so nothing there runs with sudo.
      expect(cni.some((run) => run.includes('sudo'))).toBe(false)
    }
  })

  test('never overwrites: an existing target is named, exit 2, nothing written', async () => {
    using project = tmpProject({ 'netbench.config.ts': 'export default { reporters: [\'junit\'] }\n' })
    const { code, stdout, stderr } = await runCli(['init', '--ci', 'github'], { cwd: project.dir })
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toBe('netbench: init: netbench.config.ts already exists; nothing was written — netbench init never overwrites a file: move it away, or run init in another directory\n')
    expect(readFileSync(project.path('netbench.config.ts'), 'utf8')).toBe('export default { reporters: [\'junit\'] }\n')
    for (const file of ['suites', 'gates', '.github']) expect(existsSync(project.path(file))).toBe(false)
    const unknown = await runCli(['init', '--ci', 'gitlab'], { cwd: project.dir })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe('netbench: --ci gitlab: unknown CI system — use --ci github\n')
  })

  test('the example suite runs green on the local lab, host and flannel interleaved, reports where the config says', async () => {
    using project = tmpProject({})
    expect((await runCli(['init'], { cwd: project.dir })).code).toBe(0)
    // The example as written, its 2 s durations cut to 1 s to keep the test short.
    const example = project.path('suites/example.netbench.ts')
    writeFileSync(example, readFileSync(example, 'utf8').replaceAll("duration: '2s'", "duration: '1s'"))
    const { code, stdout, stderr } = await runCli([], { cwd: project.dir })
    expect(stderr).toBe('')
    // Failed or errored expectations, if any, with their measured values.
    expect(stdout.split('\n').filter((line) => /^ {2}[✗!] /.test(line))).toEqual([])
    expect(stdout).toMatch(/Expectations {2}8 passed \| 0 failed/)
    expect(code).toBe(0)
    expect(stdout).toContain('repeats interleaved: host, flannel, host, flannel …')
    // netbench.config.ts asked for html, junit and json in netbench-report/.
    for (const file of ['index.html', 'junit.xml', 'result.json']) expect(existsSync(project.path(`netbench-report/${file}`))).toBe(true)
    const result = JSON.parse(readFileSync(project.path('netbench-report/result.json'), 'utf8'))
    const [suite] = result.suites
    expect(suite.order).toBe('interleaved')
    const tcp = suite.points.filter((point: { step: string }) => point.step === 'tcp')
      .flatMap((point: { network: string; samples: Array<{ sequence: number }> }) => point.samples.map((sample) => [sample.sequence, point.network] as const))
      .sort((a: readonly [number, string], b: readonly [number, string]) => a[0] - b[0])
    expect(tcp.map(([, network]: readonly [number, string]) => network)).toEqual(['host', 'flannel', 'host', 'flannel', 'host', 'flannel'])
    // Other runs on this machine come and go: only this run's objects must all be gone.
    expect(allLabObjects().filter((object) => object.includes(`nb${result.runId}`) || object.includes(`${result.runId}.json`))).toEqual([])
  })

  test('interleaving two pod networks on the local lab is refused before anything is set up (exit 2)', async () => {
    using project = tmpProject({
      's.netbench.yaml': 'name: two overlays\norder: interleaved\nnetworks: [host, flannel, calico]\nsteps: [{ tcp: { duration: 1s, repeat: 2 } }]\n',
    })
    const { code, stderr } = await runCli(['list', 's.netbench.yaml'], { cwd: project.dir })
    expect(code).toBe(2)
    expect(stderr).toBe("netbench: s.netbench.yaml:2:8: order: interleaved keeps every network up at once, and provider local holds host plus 1 other network at a time (this suite has flannel, calico) — compare one network with host here, compare CNIs on provider k3s or kube (their networks coexist), or use order: 'sequential'\n")
    // --network narrows the suite to what the lab can hold at once.
    expect((await runCli(['list', 's.netbench.yaml', '--network', 'host', '--network', 'flannel'], { cwd: project.dir })).code).toBe(0)
  })
})
