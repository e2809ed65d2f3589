/**
 * `netbench setup --dev`: a Docker engine for the k3s provider's tests. When none answers, start
 * one that outlives setup (CI runs setup and `npm test` as separate steps): through systemd where
 * it runs, else dockerd detached with its log in a file, then wait (bounded) until it answers.
 */
import { spawn } from 'node:child_process'
import { existsSync, openSync, closeSync } from 'node:fs'
import { NetbenchError } from '../errors.ts'
import { run } from '../exec.ts'
import { findProgram } from '../providers/local/preflight.ts'

export const DOCKERD_LOG = '/var/log/netbench-dockerd.log'

/** The engine's version when `docker info` answers within a few seconds, else null. */
export async function engineVersion(): Promise<string | null> {
  if (!await findProgram('docker')) return null
  const result = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 5000 })
  const version = result.stdout.trim()
  return result.exitCode === 0 && version ? version : null
}

/** Starts the engine unless one answers; throws (exit 3) with the log's last line when it does not come up. */
export async function ensureDockerEngine(stream: NodeJS.WritableStream, timeoutMs = 60_000): Promise<void> {
  const running = await engineVersion()
  if (running) {
    stream.write(`  ✓ Docker engine answers (${running})\n`)
    return
  }
  if (process.getuid?.() !== 0) throw new NetbenchError('PROVIDER', 'no Docker engine answers', { hint: 'start it as root: sudo netbench setup --dev (or sudo systemctl start docker)' })
  if (existsSync('/run/systemd/system') && await findProgram('systemctl')) {
    stream.write('netbench: systemctl start docker\n')
    await run('systemctl', ['start', 'docker'])
  } else {
    if (!await findProgram('dockerd')) throw new NetbenchError('MISSING_PROGRAM', 'dockerd is not installed', { hint: 'apt-get install docker.io' })
    stream.write(`netbench: starting dockerd in the background (log: ${DOCKERD_LOG})\n`)
    const log = openSync(DOCKERD_LOG, 'a')
    // Its own session, output to the file: it stays when setup (or the CI step) ends.
    spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref()
    closeSync(log)
  }
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const version = await engineVersion()
    if (version) {
      stream.write(`  ✓ Docker engine answers (${version})\n`)
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new NetbenchError('PROVIDER', `the Docker engine did not answer within ${timeoutMs / 1000} s`, { hint: `see ${DOCKERD_LOG} (or journalctl -u docker)` })
}
