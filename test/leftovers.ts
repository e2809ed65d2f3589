import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { STATE_DIR } from '../src/providers/local/runs.ts'

/** Lab objects of netbench runs still on this machine: every test asserts this stays empty. */
export function labLeftovers(): string[] {
  const found: string[] = []
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((line) => line.split(' ')[0]!)
  found.push(...namespaces.filter((name) => /^nb[a-z0-9]{4}-/.test(name)).map((name) => `netns ${name}`))
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
  found.push(...links.filter((name) => /^nb[a-z0-9]{4}/.test(name)).map((name) => `link ${name}`))
  const tables = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }).split('\n')
  found.push(...tables.filter((line) => / nb[a-z0-9]{4}/.test(line)).map((line) => `nft ${line}`))
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let command = ''
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
    } catch { continue }
    const program = command.split(' ')[0]?.split('/').pop()
    // Lab processes carry a lab address or a run directory on their command line.
    if ((program === 'iperf3' || program === 'bird') && /198\.1[89]\.0\.|\/nb[a-z0-9]{4}-/.test(command)) found.push(`process ${pid} ${command.trim()}`)
  }
  found.push(...readdirSync(tmpdir()).filter((entry) => /^nb[a-z0-9]{4}-/.test(entry)).map((entry) => `dir ${tmpdir()}/${entry}`))
  let states: string[] = []
  try { states = readdirSync(STATE_DIR) } catch { /* no runs yet */ }
  found.push(...states.filter((entry) => entry.endsWith('.json')).map((entry) => `state ${entry}`))
  return found
}
