import { appendFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import type { RunEvent } from '../results/events.ts'

// Workers report what they measure by appending JSON lines to the run's events file: it needs
// no connection, survives a worker killed mid-run, and the CLI can follow it for progress.

export function appendEvent(eventsFile: string, event: RunEvent): void {
  appendFileSync(eventsFile, `${JSON.stringify(event)}\n`)
}

/** Reads events appended since `offset`; returns them with the new offset. */
export async function readEvents(eventsFile: string, offset = 0): Promise<{ events: RunEvent[]; offset: number }> {
  const handle = await open(eventsFile, 'r').catch(() => undefined)
  if (!handle) return { events: [], offset }
  try {
    const { size } = await handle.stat()
    if (size <= offset) return { events: [], offset }
    const buffer = Buffer.alloc(size - offset)
    await handle.read(buffer, 0, buffer.length, offset)
    const text = buffer.toString('utf8')
    const complete = text.lastIndexOf('\n') + 1
    const events = text.slice(0, complete).split('\n').filter(Boolean).map((line) => JSON.parse(line) as RunEvent)
    return { events, offset: offset + Buffer.byteLength(text.slice(0, complete)) }
  } finally {
    await handle.close()
  }
}
