/** Runs `task` over `items` with at most `limit` in flight; results keep the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failed: { error: unknown } | undefined
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++
      try {
        results[index] = await task(items[index]!, index)
      } catch (error) {
        failed ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failed) throw failed.error
  return results
}

/** How many external programs the lab runs at once: enough to hide exec latency on 2 cores. */
export const EXEC_CONCURRENCY = 8

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
