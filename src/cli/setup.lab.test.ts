import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { run } from '../exec.ts'
import { runCli } from '../../test/cli.ts'
import { CAPABILITIES, CAPTRIM_RUNTIME, TRIM_SCRIPT, daemonConfig, missingCapabilities, probePrivileged } from './docker-privileged.ts'

// Runs where `netbench setup --yes --dev` has already run (CI's first step): it installs nothing
// more, and finds the Docker engine it started answering and starting privileged containers.
test('setup --dev: every package present, a Docker engine answering and starting privileged containers', async () => {
  const { code, stdout } = await runCli(['setup', '--yes', '--dev'])
  expect(code).toBe(0)
  expect(stdout).toContain('  ✓ Docker engine (k3s provider tests)\n')
  expect(stdout).toMatch(/netbench: everything netbench's tests need is installed\n/)
  // With --yes the socket-buffer limits are raised (or already were) before the engine is checked.
  expect(stdout).toMatch(/ {2}✓ socket buffers: .*\n|netbench: wrote \/etc\/sysctl\.d\/60-netbench\.conf/)
  expect(stdout).toMatch(/\n {2}✓ Docker engine answers \(\S+\)\n/)
  // Where the engine lacks capabilities the line names the shim and what it drops.
  const missing = missingCapabilities()
  expect(stdout).toMatch(missing.length
    ? new RegExp(`\\n {2}✓ Docker engine starts privileged containers \\(runtime ${CAPTRIM_RUNTIME}, a test-machine shim: without ${missing.join(', ')}\\)\\n$`)
    : /\n {2}✓ Docker engine starts privileged containers\n$/)
})

describe('the test-machine runtime shim (a Docker engine whose bounding set lacks capabilities)', () => {
  test('the bounding set read as capability names: this sandbox lacks bit 24', () => {
    expect(missingCapabilities('CapInh:\t0000000000000000\nCapBnd:\t000001fffeffffff\n')).toEqual(['CAP_SYS_RESOURCE'])
    expect(missingCapabilities('CapBnd:\t000001ffffffffff\n')).toEqual([])
    expect(CAPABILITIES[32]).toBe('CAP_MAC_OVERRIDE')
  })

  test('the trim script drops exactly what the bounding set lacks, from a container spec and from an exec process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netbench-captrim-'))
    try {
      writeFileSync(join(dir, 'captrim.mjs'), TRIM_SCRIPT)
      const all = [...CAPABILITIES, 'CAP_FROM_A_NEWER_KERNEL']
      const sets = { bounding: all, effective: all, permitted: all }
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', process: { args: ['k3s'], capabilities: sets } }))
      writeFileSync(join(dir, 'process.json'), JSON.stringify({ args: ['sh'], capabilities: sets }))
      for (const file of ['config.json', 'process.json']) {
        const result = await run(process.execPath, [join(dir, 'captrim.mjs'), join(dir, file)])
        expect(result.exitCode, result.stderr).toBe(0)
        const spec = JSON.parse(readFileSync(join(dir, file), 'utf8'))
        const trimmed = (spec.process ?? spec).capabilities
        const kept = all.filter((name) => !missingCapabilities().includes(name))
        expect(trimmed).toEqual({ bounding: kept, effective: kept, permitted: kept })
        expect(spec.args ?? spec.process.args).toEqual(file === 'config.json' ? ['k3s'] : ['sh'])
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('daemon.json: the shim added as the default runtime, the rest kept; another default runtime is not replaced', () => {
    expect(daemonConfig('{"log-level":"warn","runtimes":{"nvidia":{"path":"nvidia-container-runtime"}}}')).toEqual({
      'log-level': 'warn',
      runtimes: { nvidia: { path: 'nvidia-container-runtime' }, [CAPTRIM_RUNTIME]: { path: `/usr/local/lib/netbench/${CAPTRIM_RUNTIME}` } },
      'default-runtime': CAPTRIM_RUNTIME,
    })
    expect(daemonConfig(null)['default-runtime']).toBe(CAPTRIM_RUNTIME)
    expect(() => daemonConfig('{"default-runtime":"nvidia"}')).toThrow('/etc/docker/daemon.json already sets default-runtime nvidia')
    expect(() => daemonConfig('{')).toThrow(/^\/etc\/docker\/daemon\.json is not valid JSON/)
  })

  test('on this engine: privileged containers start with the default runtime; where the shim is the default, plain runc still cannot', async (context) => {
    expect(await probePrivileged()).toEqual({ ok: true })
    const runtime = (await run('docker', ['info', '--format', '{{.DefaultRuntime}}'])).stdout.trim()
    if (runtime !== CAPTRIM_RUNTIME) context.skip(`the engine's default runtime is ${runtime}: no shim needed here`)
    expect(await probePrivileged('runc')).toEqual({ ok: false, reason: 'unable to apply caps: operation not permitted' })
    expect((await run('docker', ['images', '--quiet', 'netbench-probe/empty'])).stdout).toBe('')
  })
})
