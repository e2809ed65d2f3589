/**
 * Test-only: two network namespaces joined by a veth pair, exposed as Endpoints. Stands in for the
 * real provider so iperf3 tests run over a real kernel datapath. Needs root.
 *
 * Names are `nbhx<4 random chars>…` so parallel test runs never collide; addresses are in
 * 198.18.0.0/15 (benchmarking range) and exist only inside these namespaces.
 */
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { processExit } from '../../exec.ts'
import type { Endpoint, ExecOptions, ExecResult, RunningProcess } from '../../endpoint.ts'

const execFileP = promisify(execFile)

export interface NetnsPair {
  /** 198.18.250.1, meant as the client. */
  a: Endpoint
  /** 198.18.250.2, meant as the server. */
  b: Endpoint
  ns: { a: string; b: string }
  veth: { a: string; b: string }
  /** PIDs of every process started through either endpoint (for leak checks). */
  pids: number[]
  dispose(): Promise<void>
}

async function ip(...args: string[]): Promise<void> {
  await execFileP('ip', args)
}

export async function createNetnsPair(options: { mtu?: number } = {}): Promise<NetnsPair> {
  const suffix = randomBytes(3).toString('hex').slice(0, 4)
  const ns = { a: `nbhx${suffix}-a`, b: `nbhx${suffix}-b` }
  const veth = { a: `nbhx${suffix}a`, b: `nbhx${suffix}b` }
  const mtu = options.mtu ?? 1500
  const pids: number[] = []
  const running = new Set<RunningProcess>()
  const children = new Set<import('node:child_process').ChildProcess>()

  const dispose = async (): Promise<void> => {
    await Promise.allSettled([...running].map((process) => process.stop()))
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    // Deleting a namespace destroys the veth end inside it, and with it the peer.
    for (const name of [ns.a, ns.b]) await ip('netns', 'del', name).catch(() => undefined)
  }

  try {
    await ip('netns', 'add', ns.a)
    await ip('netns', 'add', ns.b)
    await ip('link', 'add', veth.a, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', veth.b, 'mtu', String(mtu))
    await ip('link', 'set', veth.a, 'netns', ns.a)
    await ip('link', 'set', veth.b, 'netns', ns.b)
    for (const [side, addr] of [['a', '198.18.250.1/24'], ['b', '198.18.250.2/24']] as const) {
      await ip('-n', ns[side], 'addr', 'add', addr, 'dev', veth[side])
      await ip('-n', ns[side], 'link', 'set', veth[side], 'up')
      await ip('-n', ns[side], 'link', 'set', 'lo', 'up')
    }
  } catch (error) {
    await dispose()
    throw error
  }

  const endpoint = (side: 'a' | 'b', address: string): Endpoint => ({
    name: ns[side],
    label: `netns ${ns[side]}`,
    node: 'local',
    zone: 'test',
    ip: address,
    mtu,
    exec(argv: readonly string[], execOptions: ExecOptions = {}): Promise<ExecResult> {
      return new Promise((resolve, reject) => {
        // `ip netns exec` execs the program in place, so this PID becomes the program's own.
        const child = execFile('ip', ['netns', 'exec', ns[side], ...argv], {
          timeout: execOptions.timeoutMs, signal: execOptions.signal, maxBuffer: 64 * 1024 * 1024,
        }, (error, stdout, stderr) => {
          const code = (error as { code?: unknown } | null)?.code
          if (code === 'ENOENT') return reject(error)
          // An abort calls back before the process is gone; settle once it has really exited.
          void exited.then(() => {
            children.delete(child)
            resolve({ exitCode: child.exitCode, signal: child.signalCode, stdout: String(stdout), stderr: String(stderr) })
          })
        })
        const exited = processExit(child)
        if (child.pid !== undefined) pids.push(child.pid)
        children.add(child)
      })
    },
    start(argv: readonly string[]): RunningProcess {
      const child = spawn('ip', ['netns', 'exec', ns[side], ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
      if (child.pid !== undefined) pids.push(child.pid)
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => { if (stdout.length < 1 << 20) stdout += chunk.toString() })
      child.stderr.on('data', (chunk: Buffer) => { if (stderr.length < 1 << 20) stderr += chunk.toString() })
      // 'close' (not 'exit') so all output has been read when `exited` settles.
      const exited = new Promise<ExecResult>((resolve, reject) => {
        child.once('error', reject)
        child.once('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }))
      })
      exited.catch(() => undefined)
      let stopping: Promise<void> | undefined
      const process: RunningProcess = {
        pid: child.pid,
        stdout: child.stdout,
        stderr: child.stderr,
        exited,
        stop() {
          stopping ??= (async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
            const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
            await exited.catch(() => undefined)
            clearTimeout(timer)
            running.delete(process)
          })()
          return stopping
        },
      }
      running.add(process)
      return process
    },
  })

  return {
    a: endpoint('a', '198.18.250.1'),
    b: endpoint('b', '198.18.250.2'),
    ns,
    veth,
    pids,
    dispose,
  }
}
