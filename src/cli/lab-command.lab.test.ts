/** `netbench lab up|status|down` through the real CLI (needs root). */
import { describe, expect, test } from 'vitest'
import { runCli } from '../../test/cli.ts'
import { allLabObjects } from '../../test/leftovers.ts'
import { ownLeftovers } from '../providers/local/networks/datapaths.testkit.ts'
import { ping } from '../providers/local/pods.ts'

describe('netbench lab', () => {
  test('up leaves a working lab (BIRD too) after the command ends; status shows how to enter it; down removes everything', async () => {
    const up = await runCli(['lab', 'up', '--network', 'calico', '--nodes', '2', '--pods', '1'])
    expect(up.stderr).toBe('')
    expect(up.code).toBe(0)
    const runId = /lab ([a-z0-9]{4}) is up: calico on 2 nodes/.exec(up.stdout)?.[1]
    expect(runId).toBeDefined()
    try {
      expect(up.stdout).toContain(`ip netns exec nb${runId}-n1p1 bash`)
      expect(up.stdout).toMatch(/birdc -s \S+bird-n1\.ctl show protocols/)
      const status = await runCli(['lab', 'status'])
      expect(status.code).toBe(0)
      expect(status.stdout).toContain(`lab ${runId}, up since`)
      expect(status.stdout).toMatch(/n2-p1 +on n2 +198\.19\.0\.\d+/)
      // The lab outlived the CLI: pods still reach each other over BGP-learned routes.
      const target = /n2-p1 +on n2 +(198\.19\.0\.\d+)/.exec(status.stdout)![1]!
      expect((await ping(`nb${runId}-n1p1`, target)).ok).toBe(true)
      // A lab kept by `lab up` is no leftover: its BIRD is found among all of the machine's lab objects.
      expect(allLabObjects().some((item) => item.startsWith('process') && item.includes('bird') && item.includes(`nb${runId}`))).toBe(true)
    } finally {
      const down = await runCli(['lab', 'down', runId!])
      expect(down.code).toBe(0)
      expect(down.stdout).toContain(`lab ${runId} is down`)
    }
    expect(ownLeftovers(runId!)).toEqual([])
  })

  test('bad input is a usage error', async () => {
    const result = await runCli(['lab', 'up', '--network', 'calcio'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--network calcio: the local lab has no such network/)
    expect((await runCli(['lab', 'sideways'])).code).toBe(2)
    expect((await runCli(['lab', 'down', 'zzzz'])).stderr).toMatch(/no lab zzzz is up/)
  })
})
