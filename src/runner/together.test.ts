import { describe, expect, test } from 'vitest'
import { runTogether } from './together.ts'

const named = (index: number, error: unknown) => new Error(`pair ${index + 1}: ${(error as Error).message}`)
const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

describe('probes started together', () => {
  test('nobody starts before everyone has arrived; results in order', async () => {
    const events: string[] = []
    const results = await runTogether(3, async (index, ready) => {
      for (let wait = 0; wait < index; wait++) await tick()
      events.push(`arrive ${index}`)
      await ready()
      events.push(`start ${index}`)
      return index * 10
    }, named)
    expect(results).toEqual([0, 10, 20])
    expect(events.slice(0, 3).every((event) => event.startsWith('arrive'))).toBe(true)
  })

  test('one that fails before the start releases the others, and its own error fails the whole', async () => {
    let started = 0
    const outcome = runTogether(3, async (index, ready) => {
      if (index === 1) { await tick(); throw new Error('no free port') }
      await ready()
      started++
      return index
    }, named)
    await expect(outcome).rejects.toThrow('pair 2: no free port')
    expect(started).toBe(0)
  })

  test('one that fails after the start: the others finish, the failure is still the outcome', async () => {
    let finished = 0
    const outcome = runTogether(2, async (index, ready) => {
      await ready()
      await tick()
      if (index === 0) throw new Error('client killed')
      finished++
      return index
    }, named)
    await expect(outcome).rejects.toThrow('pair 1: client killed')
    expect(finished).toBe(1)
  })
})
