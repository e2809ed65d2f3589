import { expect, test } from 'vitest'
import { runCli } from '../../test/cli.ts'

// Runs where `netbench setup --yes --dev` has already run (CI's first step): it installs nothing
// more, and finds the Docker engine it started answering.
test('setup --dev: every package present and a Docker engine answering', async () => {
  const { code, stdout } = await runCli(['setup', '--yes', '--dev'])
  expect(code).toBe(0)
  expect(stdout).toContain('  ✓ Docker engine (k3s provider tests)\n')
  expect(stdout).toMatch(/netbench: everything netbench's tests need is installed\n/)
  // With --yes the socket-buffer limits are raised (or already were) before the engine is checked.
  expect(stdout).toMatch(/ {2}✓ socket buffers: .*\n|netbench: wrote \/etc\/sysctl\.d\/60-netbench\.conf/)
  expect(stdout).toMatch(/\n {2}✓ Docker engine answers \(\S+\)\n$/)
})
