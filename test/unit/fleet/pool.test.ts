import { describe, expect, it } from 'vitest'
import { runPool } from '../../../src/fleet/pool.js'

/** A promise the test settles by hand, to control the order in which work finishes. */
function deferred<T = void>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const flush = () => new Promise((resolve) => setImmediate(resolve))

describe('runPool', () => {
  it('never runs more than `limit` workers at once, and starts the next as soon as a slot frees', async () => {
    const gates = Array.from({ length: 5 }, () => deferred<string>())
    const started: number[] = []
    const run = runPool([0, 1, 2, 3, 4], 2, (item) => {
      started.push(item)
      return gates[item].promise
    })
    await flush()
    expect(started).toEqual([0, 1])
    gates[1].resolve('one')
    await flush()
    expect(started).toEqual([0, 1, 2])
    gates[0].resolve('zero')
    await flush()
    expect(started).toEqual([0, 1, 2, 3])
    for (const gate of gates.slice(2)) gate.resolve('later')
    await run
  })

  it('keeps input order in its results, whatever order items finish in', async () => {
    const gates = Array.from({ length: 4 }, () => deferred<number>())
    const run = runPool([0, 1, 2, 3], 4, (item) => gates[item].promise)
    for (const index of [3, 1, 0, 2]) {
      gates[index].resolve(index * 10)
      await flush()
    }
    expect(await run).toEqual([0, 10, 20, 30].map((value) => ({ ok: true, value })))
  })

  it('lets one failing item (rejected or thrown) fail alone', async () => {
    const boom = new Error('boom')
    const results = await runPool(['a', 'bad', 'b'], 1, async (item) => {
      if (item === 'bad') throw boom
      return item.toUpperCase()
    })
    expect(results).toEqual([{ ok: true, value: 'A' }, { ok: false, error: boom }, { ok: true, value: 'B' }])

    const sync = await runPool([1, 2], 2, (item) => {
      if (item === 1) throw new TypeError('sync')
      return Promise.resolve(item)
    })
    expect(sync[0]).toMatchObject({ ok: false, error: expect.any(TypeError) })
    expect(sync[1]).toEqual({ ok: true, value: 2 })
  })

  it('reports each start and each outcome to the hooks', async () => {
    const events: string[] = []
    await runPool(['x', 'y'], 1, async (item) => {
      if (item === 'y') throw new Error('no')
      return 1
    }, {
      onStart: (item, index) => events.push(`start ${item} ${index}`),
      onDone: (item, index, outcome) => events.push(`done ${item} ${index} ${outcome.ok}`),
    })
    expect(events).toEqual(['start x 0', 'done x 0 true', 'start y 1', 'done y 1 false'])
  })

  it('handles no items and a limit above the item count', async () => {
    expect(await runPool([], 8, async () => 1)).toEqual([])
    expect(await runPool([1], 8, async (n) => n + 1)).toEqual([{ ok: true, value: 2 }])
  })

  it('refuses a limit that is not a positive integer', async () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) await expect(runPool([1], limit, async () => 1)).rejects.toThrow(RangeError)
  })
})
