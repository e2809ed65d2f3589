import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { STATE_DIR } from '../src/providers/local/runs.ts'
import { processStartTicks } from '../src/process.ts'

/**
 * Run ids whose owner process is still alive (another run going on now is not a leftover), and
 * labs kept on purpose by `netbench lab up` until `lab down`.
 */
function liveRunIds(): Set<string> {
  const live = new Set<string>()
  let states: string[] = []
  try { states = readdirSync(STATE_DIR) } catch { return live }
  for (const file of states.filter((entry) => /^[a-z0-9]{4}\.json$/.test(entry))) {
    try {
      const owner = JSON.parse(readFileSync(`${STATE_DIR}/${file}`, 'utf8')) as { pid: number; startTicks: string; persistent?: boolean }
      if (owner.persistent || processStartTicks(owner.pid) === owner.startTicks) live.add(file.slice(0, 4))
    } catch { /* no owner record */ }
  }
  return live
}

/**
 * Lab objects of netbench runs still on this machine whose run has ended: every lab test
 * asserts this stays empty. Objects of runs still alive (a concurrent run) are not counted.
 */
export function labLeftovers(): string[] {
  const first = labObjects(liveRunIds())
  if (!first.length) return first
  // A run that started between reading the owners and listing the objects, or one that ended
  // just then, is no leftover: count only what a second look still finds, without an owner.
  execFileSync('sleep', ['1'])
  const second = new Set(labObjects(liveRunIds()))
  return first.filter((object) => second.has(object))
}

/** Every lab object on the machine, including those of runs going on now. */
export function allLabObjects(): string[] {
  return labObjects(new Set())
}

function labObjects(live: ReadonlySet<string>): string[] {
  const ours = (runId: string | undefined) => runId !== undefined && !live.has(runId)
  const found: string[] = []
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((line) => line.split(' ')[0]!)
  found.push(...namespaces.filter((name) => ours(/^nb([a-z0-9]{4})-/.exec(name)?.[1])).map((name) => `netns ${name}`))
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
  found.push(...links.filter((name) => ours(/^nb([a-z0-9]{4})/.exec(name)?.[1])).map((name) => `link ${name}`))
  const tables = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }).split('\n')
  found.push(...tables.filter((line) => ours(/ nb([a-z0-9]{4})/.exec(line)?.[1])).map((line) => `nft ${line}`))
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let command = ''
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
    } catch { continue }
    const program = command.split(' ')[0]?.split('/').pop()
    if (program !== 'iperf3' && program !== 'bird') continue
    // Lab processes run inside a run's namespace; one whose namespace is gone is an orphan too.
    let namespace = ''
    try { namespace = execFileSync('ip', ['netns', 'identify', pid], { encoding: 'utf8' }).trim() } catch { continue }
    const runId = /^nb([a-z0-9]{4})-/.exec(namespace)?.[1]
    const orphan = namespace === '' && /198\.1[89]\.|\/nb[a-z0-9]{4}-/.test(command)
    if (ours(runId) || orphan) found.push(`process ${pid} ${command.trim()}`)
  }
  found.push(...readdirSync(tmpdir()).filter((entry) => ours(/^nb([a-z0-9]{4})-/.exec(entry)?.[1])).map((entry) => `dir ${tmpdir()}/${entry}`))
  // host-local IPAM state: netbench points dataDir into the run dir, so nothing may appear here.
  let ipam: string[] = []
  try { ipam = readdirSync('/var/lib/cni/networks') } catch { /* never used */ }
  found.push(...ipam.filter((entry) => ours(/^nb([a-z0-9]{4})/.exec(entry)?.[1])).map((entry) => `ipam /var/lib/cni/networks/${entry}`))
  let states: string[] = []
  try { states = readdirSync(STATE_DIR) } catch { /* no runs yet */ }
  found.push(...states.filter((entry) => ours(/^([a-z0-9]{4})\.json$/.exec(entry)?.[1])).map((entry) => `state ${entry}`))
  return found
}
