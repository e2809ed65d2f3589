/**
 * Test fixture: a Kubernetes API STAND-IN (see server.ts) with a kubeconfig file pointing at it.
 * `useKubeconfig()` makes this process use it (KUBECONFIG), as the CLI's --kubeconfig does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KubeStandIn, type StandInOptions } from './server.ts'
import { afterEach, expect } from 'vitest'
import { isNetbenchError } from '../../src/errors.ts'

export interface StandInFixture extends AsyncDisposable {
  standIn: KubeStandIn
  /** Path of a kubeconfig with the given contexts, all on this stand-in. */
  kubeconfig: string
  dir: string
  /** Sets KUBECONFIG for this process (restored on dispose). */
  useKubeconfig(file?: string): void
}

export async function startStandIn(options: Partial<StandInOptions> = {}, contexts: readonly string[] = ['standin']): Promise<StandInFixture> {
  const standIn = await KubeStandIn.start(options)
  const dir = mkdtempSync(join(tmpdir(), 'kube-standin-'))
  const kubeconfig = join(dir, 'kubeconfig')
  writeFileSync(kubeconfig, standIn.kubeconfig(contexts))
  const previous = process.env.KUBECONFIG
  let changed = false
  return {
    standIn, kubeconfig, dir,
    useKubeconfig(file = kubeconfig) {
      changed = true
      process.env.KUBECONFIG = file
    },
    async [Symbol.asyncDispose]() {
      if (changed) {
        if (previous === undefined) delete process.env.KUBECONFIG
        else process.env.KUBECONFIG = previous
      }
      await standIn.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A kube cluster spec as normalize makes it, for tests that skip the suite loader. */
export function kubeSpec(overrides: Record<string, unknown> = {}) {
  return {
    provider: 'kube' as const,
    context: null,
    contexts: { calico: null } as Record<string, string | null>,
    podImage: 'nicolaka/netshoot:v0.13',
    readyTimeoutMs: 5000,
    deleteTimeoutMs: 5000,
    placements: [{ between: 'zones' as const, endpoint: 'pod' as const }],
    ...overrides,
  }
}

/**
 * One stand-in per test, disposed after it: `start` opens it and points KUBECONFIG at it,
 * `current` is the open one. A test fails if netbench called an endpoint the stand-in does not
 * implement.
 */
export function standInPerTest(): { start: (...args: Parameters<typeof startStandIn>) => Promise<StandInFixture>; current: () => StandInFixture } {
  let fixture: StandInFixture | undefined
  afterEach(async () => {
    const standIn = fixture?.standIn
    await fixture?.[Symbol.asyncDispose]()
    fixture = undefined
    expect(standIn?.unknownRequests ?? []).toEqual([])
  })
  return {
    async start(...args) {
      fixture = await startStandIn(...args)
      fixture.useKubeconfig()
      return fixture
    },
    current: () => {
      if (!fixture) throw new Error('no stand-in was started in this test')
      return fixture
    },
  }
}

/**
 * Stand-ins that CLI runs of a test use (push them here): after each test, whatever happened, the
 * run left nothing in the cluster, no process in its pods, and called no unknown endpoint.
 */
export function standInsLeftClean(): StandInFixture[] {
  const fixtures: StandInFixture[] = []
  afterEach(async () => {
    for (const fixture of fixtures.splice(0)) {
      expect(fixture.standIn.namespaces()).toEqual([])
      expect(fixture.standIn.processes()).toBe(0)
      expect(fixture.standIn.unknownRequests).toEqual([])
      await fixture[Symbol.asyncDispose]()
    }
  })
  return fixtures
}

/** The NetbenchError a provider call fails with: its message, one-line form and exit code. */
export async function failure(promise: Promise<unknown>): Promise<{ message: string; oneLine: string; exitCode: number }> {
  try {
    await promise
  } catch (error) {
    if (!isNetbenchError(error)) throw error
    return { message: error.message, oneLine: error.oneLine, exitCode: error.exitCode }
  }
  throw new Error('expected a failure')
}
