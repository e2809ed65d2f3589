import { spawn } from 'node:child_process'
import { missingProgram, run } from '../../exec.ts'
import type { Endpoint, ExecOptions, ExecResult, RunningProcess } from '../../endpoint.ts'

export interface NetnsEndpointInit {
  name: string
  label: string
  node: string
  zone: string
  namespace: string
  ip: string
  mtu: number
}

/**
 * An endpoint that is a network namespace on this machine. `ip netns exec` execs the program
 * itself (no shell, no fork), so the PID we hold is the program's own PID.
 */
export class NetnsEndpoint implements Endpoint {
  readonly name: string
  readonly label: string
  readonly node: string
  readonly zone: string
  readonly namespace: string
  readonly ip: string
  readonly mtu: number

  constructor(init: NetnsEndpointInit) {
    this.name = init.name
    this.label = init.label
    this.node = init.node
    this.zone = init.zone
    this.namespace = init.namespace
    this.ip = init.ip
    this.mtu = init.mtu
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const result = await run('ip', ['netns', 'exec', this.namespace, ...argv], options)
    if (result.exitCode !== 0 && /exec of ".*" failed: No such file/.test(result.stderr)) throw missingProgram(argv[0]!)
    return result
  }

  start(argv: readonly string[]): RunningProcess {
    const child = spawn('ip', ['netns', 'exec', this.namespace, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const exited = new Promise<ExecResult>((resolve) => {
      child.on('error', (error: NodeJS.ErrnoException) => resolve({ exitCode: null, signal: null, stdout, stderr: stderr || error.message }))
      child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }))
    })
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 1500)
        await exited
        clearTimeout(timer)
      }
      await exited
    }
    return { pid: child.pid, stdout: child.stdout, stderr: child.stderr, exited, stop }
  }
}
