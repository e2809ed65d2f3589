/**
 * `netbench setup --dev`, for a Docker engine that cannot start privileged containers (k3s nodes
 * are): one inside a sandbox whose capability bounding set lacks a capability that runc grants a
 * privileged container, so runc fails "unable to apply caps". There, and only there, setup installs
 * a TEST-MACHINE SHIM: an OCI runtime that trims the capability sets of the container's config.json
 * to the bounding set the engine runs with, then execs runc; it becomes the engine's default
 * runtime, so the k3s provider runs unchanged. Nothing else of the container changes.
 */
import { createInterface } from 'node:readline/promises'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NetbenchError } from '../errors.ts'
import { run } from '../exec.ts'
import { findProgram } from '../providers/local/preflight.ts'

export const CAPTRIM_RUNTIME = 'netbench-captrim'
export const SHIM_DIR = '/usr/local/lib/netbench'
export const DAEMON_JSON = '/etc/docker/daemon.json'
const DOCKERD_PID = '/var/run/docker.pid'
const PROBE_IMAGE = 'netbench-probe/empty:privileged'

/** Linux capabilities by number (capability.h), as runc names them in config.json. */
export const CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
  'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
].map((name) => `CAP_${name}`)

/** The capabilities runc knows that this process's bounding set lacks (the engine's too, on this host). */
export function missingCapabilities(status = readFileSync('/proc/self/status', 'utf8')): string[] {
  const bounding = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0'}`)
  return CAPABILITIES.filter((_, bit) => !((bounding >> BigInt(bit)) & 1n))
}

/**
 * The node half of the shim: rewrites a container's config.json (process.capabilities) or an exec's
 * process.json (capabilities), keeping only the capabilities in the bounding set it runs with (the
 * engine's: containerd's shim starts it).
 */
export const TRIM_SCRIPT = `// Written by \`netbench setup --dev\` (a test-machine shim, see ${CAPTRIM_RUNTIME}).
import { readFileSync, writeFileSync } from 'node:fs'
const CAPABILITIES = ${JSON.stringify(CAPABILITIES)}
const bounding = BigInt('0x' + /^CapBnd:\\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1])
const allowed = (name) => { const bit = CAPABILITIES.indexOf(name); return bit < 0 || ((bounding >> BigInt(bit)) & 1n) === 1n }
const file = process.argv[2]
const spec = JSON.parse(readFileSync(file, 'utf8'))
const sets = spec.process?.capabilities ?? spec.capabilities ?? {}
for (const set of Object.keys(sets)) sets[set] = sets[set].filter(allowed)
writeFileSync(file, JSON.stringify(spec))
`

/** The runtime Docker calls: trims the capabilities of a container (create, run) or an exec, then is runc. */
export function runtimeScript(node: string): string {
  return `#!/bin/sh
# Written by \`netbench setup --dev\`: a test-machine shim for a Docker engine whose capability
# bounding set lacks capabilities that runc grants privileged containers. On create/run (the
# bundle's config.json) and exec (its process.json) it trims the capability sets to that bounding
# set, then runs runc with the same arguments.
bundle=.; process=; command=; previous=
for arg in "$@"; do
  case "$previous" in --bundle|-b) bundle=$arg ;; --process|-p) process=$arg ;; esac
  case "$arg" in
    --bundle=*) bundle=\${arg#--bundle=} ;;
    --process=*) process=\${arg#--process=} ;;
    create|run|exec) [ -n "$command" ] || command=$arg ;;
  esac
  previous=$arg
done
case "$command" in
  create|run) file=$bundle/config.json ;;
  exec) file=$process ;;
  *) file= ;;
esac
if [ -n "$file" ]; then
  "${node}" "${join(SHIM_DIR, 'captrim.mjs')}" "$file" || exit 1
fi
exec runc "$@"
`
}

type Probe = { ok: true } | { ok: false; reason: string }

/**
 * Can the engine start a privileged container? An empty image and a command that does not exist
 * tell: runc applies capabilities before it looks for the command, so "unable to apply caps" means
 * no, and "no such file" means yes. `runtime` picks one (the test of the error uses plain runc).
 */
export async function probePrivileged(runtime?: string): Promise<Probe> {
  const imported = await run('docker', ['import', '-', PROBE_IMAGE], { input: '\0'.repeat(1024) })
  if (imported.exitCode !== 0) throw new NetbenchError('PROVIDER', `docker import failed: ${imported.stderr.trim()}`, { hint: 'check the Docker engine (docker info)' })
  try {
    const probe = await run('docker', ['run', '--rm', '--privileged', '--network', 'none', ...runtime ? ['--runtime', runtime] : [], PROBE_IMAGE, '/netbench-probe'])
    const reason = /unable to apply caps[^\n]*/.exec(probe.stderr)?.[0]
    return reason ? { ok: false, reason: reason.replace(/: unknown$/, '') } : { ok: true }
  } finally {
    await run('docker', ['image', 'rm', '--force', PROBE_IMAGE])
  }
}

async function defaultRuntime(): Promise<string> {
  return (await run('docker', ['info', '--format', '{{.DefaultRuntime}}'], { timeoutMs: 5000 })).stdout.trim()
}

/** daemon.json with the shim as the default runtime; refuses to replace another default runtime. */
export function daemonConfig(current: string | null): Record<string, unknown> {
  let config: Record<string, unknown>
  try {
    config = current ? JSON.parse(current) as Record<string, unknown> : {}
  } catch (error) {
    throw new NetbenchError('PROVIDER', `${DAEMON_JSON} is not valid JSON (${(error as Error).message})`, { hint: `fix ${DAEMON_JSON}, then run netbench setup --dev again` })
  }
  const previous = config['default-runtime']
  if (previous !== undefined && previous !== 'runc' && previous !== CAPTRIM_RUNTIME) {
    throw new NetbenchError('PROVIDER', `${DAEMON_JSON} already sets default-runtime ${String(previous)}`, { hint: `the k3s provider's tests need privileged containers; the ${CAPTRIM_RUNTIME} shim only wraps runc` })
  }
  const runtimes = { ...config.runtimes as Record<string, unknown> | undefined, [CAPTRIM_RUNTIME]: { path: join(SHIM_DIR, CAPTRIM_RUNTIME) } }
  return { ...config, runtimes, 'default-runtime': CAPTRIM_RUNTIME }
}

async function writeShim(): Promise<void> {
  await mkdir(SHIM_DIR, { recursive: true })
  await writeFile(join(SHIM_DIR, 'captrim.mjs'), TRIM_SCRIPT)
  await writeFile(join(SHIM_DIR, CAPTRIM_RUNTIME), runtimeScript(process.execPath), { mode: 0o755 })
}

async function writeDaemonConfig(): Promise<void> {
  const current = existsSync(DAEMON_JSON) ? readFileSync(DAEMON_JSON, 'utf8') : null
  const text = `${JSON.stringify(daemonConfig(current), null, 2)}\n`
  if (text === current) return
  await mkdir('/etc/docker', { recursive: true })
  await writeFile(DAEMON_JSON, text)
}

/** dockerd rereads runtimes and default-runtime on SIGHUP: no restart, running containers stay. */
async function reloadEngine(stream: NodeJS.WritableStream): Promise<void> {
  if (existsSync('/run/systemd/system') && await findProgram('systemctl')) {
    stream.write('netbench: systemctl reload docker\n')
    await run('systemctl', ['reload', 'docker'])
  } else {
    const pid = existsSync(DOCKERD_PID) ? Number(readFileSync(DOCKERD_PID, 'utf8').trim()) : 0
    if (!(pid > 0)) throw new NetbenchError('PROVIDER', `no ${DOCKERD_PID} to reload dockerd by`, { hint: `restart dockerd so that it reads ${DAEMON_JSON}, then run netbench setup --dev again` })
    stream.write(`netbench: reloading dockerd (SIGHUP to pid ${pid})\n`)
    process.kill(pid, 'SIGHUP')
  }
  const deadline = Date.now() + 15_000
  while (await defaultRuntime() !== CAPTRIM_RUNTIME) {
    if (Date.now() > deadline) throw new NetbenchError('PROVIDER', `dockerd did not take default-runtime ${CAPTRIM_RUNTIME} from ${DAEMON_JSON}`, { hint: 'restart dockerd, or see its log (a flag given on its command line may conflict)' })
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/**
 * Checks that the engine starts privileged containers; where it cannot (capabilities missing from
 * its bounding set), installs the shim, says what it changed, and checks again. Asks first unless `yes`.
 */
export async function ensurePrivilegedContainers(options: { yes: boolean; stream: NodeJS.WritableStream }): Promise<void> {
  const { stream } = options
  const runtime = await defaultRuntime()
  // An installed shim is rewritten by the netbench that runs setup (its node, its exec handling),
  // and kept in daemon.json, so that it outlives a restart of dockerd.
  if (runtime === CAPTRIM_RUNTIME) {
    await writeShim()
    await writeDaemonConfig()
  }
  const first = await probePrivileged()
  if (first.ok) {
    stream.write(`  ✓ Docker engine starts privileged containers${runtime === CAPTRIM_RUNTIME ? ` (runtime ${CAPTRIM_RUNTIME}, a test-machine shim: without ${missingCapabilities().join(', ')})` : ''}\n`)
    return
  }
  const missing = missingCapabilities()
  stream.write(`  ✗ Docker engine cannot start privileged containers (${first.reason}): its capability bounding set lacks ${missing.join(', ') || 'capabilities runc grants'}\n`)
  const change = `${join(SHIM_DIR, CAPTRIM_RUNTIME)}, a runtime that drops ${missing.join(', ')} from containers and runs runc, as the default runtime in ${DAEMON_JSON}`
  if (process.getuid?.() !== 0 || !missing.length) throw new NetbenchError('PROVIDER', 'the Docker engine cannot start privileged containers, which k3s nodes are', { hint: missing.length ? `as root, netbench setup --dev installs ${change}` : 'use an engine on a host or VM' })
  if (!options.yes) {
    if (!process.stdin.isTTY) throw new NetbenchError('PROVIDER', 'the Docker engine cannot start privileged containers, which k3s nodes are', { hint: `netbench setup --yes --dev installs ${change}` })
    const prompt = createInterface({ input: process.stdin, output: process.stdout })
    const answer = await prompt.question(`Install ${change}, and reload dockerd? [Y/n] `)
    prompt.close()
    if (/^n/i.test(answer.trim())) throw new NetbenchError('PROVIDER', 'the Docker engine cannot start privileged containers, which k3s nodes are', { hint: 'the k3s provider tests need them' })
  }
  await writeShim()
  await writeDaemonConfig()
  stream.write(`netbench: wrote ${join(SHIM_DIR, CAPTRIM_RUNTIME)} (a test-machine shim: drops ${missing.join(', ')} from each container, then runs runc) and made it the default runtime in ${DAEMON_JSON} (runtimes.${CAPTRIM_RUNTIME}, default-runtime)\n`)
  await reloadEngine(stream)
  const second = await probePrivileged()
  if (!second.ok) throw new NetbenchError('PROVIDER', `the Docker engine still cannot start privileged containers with ${CAPTRIM_RUNTIME} (${second.reason})`, { hint: `remove default-runtime from ${DAEMON_JSON} and see the engine's log` })
  stream.write(`  ✓ Docker engine starts privileged containers (runtime ${CAPTRIM_RUNTIME}, a test-machine shim: without ${missing.join(', ')})\n`)
}
