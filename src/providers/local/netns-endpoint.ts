import { spawn } from 'node:child_process'
import { readFile, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { missingProgram, noteProgramStarted, run } from '../../exec.ts'
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
 * Files of the whole kernel, not of a network namespace: the same from every namespace here
 * (net.core.[rw]mem_max are global; a namespace reads the host's values).
 */
const MACHINE_FILES = new Set(['/proc/stat', '/proc/sys/kernel/random/boot_id', '/proc/sys/net/core/wmem_max', '/proc/sys/net/core/rmem_max'])
const NAMESPACE_PROC_NET = '/proc/net/'

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
  /** Programs started here that have not exited: their /proc/<pid>/net is this namespace's. */
  private readonly running = new Set<number>()
  private namespaceId: Promise<string | undefined> | undefined

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

  /**
   * Reads from this process instead of starting `cat`: the kernel's own files directly, and the
   * namespace's /proc/net files through a program of ours running in it. Anything else, or no such
   * program, falls back to `cat` inside the namespace.
   */
  async readFiles(paths: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const texts: string[] = []
    for (const path of paths) {
      const text = await this.readHere(path)
      if (text === undefined) return this.exec(['cat', ...paths], options)
      texts.push(text)
    }
    return { exitCode: 0, signal: null, stdout: texts.join(''), stderr: '' }
  }

  private async readHere(path: string): Promise<string | undefined> {
    if (MACHINE_FILES.has(path)) return readFile(path, 'utf8').catch(() => undefined)
    if (!path.startsWith(NAMESPACE_PROC_NET) || path.includes('..')) return undefined
    this.namespaceId ??= stat(join('/run/netns', this.namespace)).then((file) => `net:[${file.ino}]`, () => undefined)
    const namespaceId = await this.namespaceId
    if (!namespaceId) return undefined
    // A program is in the namespace only once `ip netns exec` has entered it: checked by its
    // namespace link, before and after the read (a PID that exited meanwhile could be reused).
    const inNamespace = async (pid: number) => await readlink(`/proc/${pid}/ns/net`).catch(() => undefined) === namespaceId
    for (const pid of this.running) {
      if (!await inNamespace(pid)) continue
      const text = await readFile(`/proc/${pid}/net/${path.slice(NAMESPACE_PROC_NET.length)}`, 'utf8').catch(() => undefined)
      if (text !== undefined && await inNamespace(pid)) return text
    }
    return undefined
  }

  start(argv: readonly string[]): RunningProcess {
    noteProgramStarted()
    const child = spawn('ip', ['netns', 'exec', this.namespace, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
    const { pid } = child
    if (pid !== undefined) {
      this.running.add(pid)
      child.once('exit', () => this.running.delete(pid))
    }
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
