/**
 * Bounded concurrency: at most `limit` workers in flight, the next item starting as soon
 * as a slot frees. A worker that throws (or rejects) fails only its own item; the result
 * list keeps the input order whatever order the items finish in.
 */
export type PoolOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown }

export interface PoolHooks<T, R> {
  onStart?: (item: T, index: number) => void
  onDone?: (item: T, index: number, outcome: PoolOutcome<R>) => void
}

export async function runPool<T, R>(
  items: readonly T[],
  limit: number,
  worker: (item: T, index: number) => Promise<R>,
  hooks: PoolHooks<T, R> = {},
): Promise<Array<PoolOutcome<R>>> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`pool limit must be a positive integer, got ${limit}`)
  const outcomes = new Array<PoolOutcome<R>>(items.length)
  let next = 0

  const lane = async () => {
    while (next < items.length) {
      const index = next++
      const item = items[index]
      hooks.onStart?.(item, index)
      let outcome: PoolOutcome<R>
      try {
        outcome = { ok: true, value: await worker(item, index) }
      } catch (error) {
        outcome = { ok: false, error }
      }
      outcomes[index] = outcome
      hooks.onDone?.(item, index, outcome)
    }
  }

  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return outcomes
}
