import { describe, expect, it } from 'vitest'
import { formatShard, parseShard, selectShard, shardOf } from '../../../src/fleet/shard.js'
import type { PinbotError } from '../../../src/errors.js'

const fleet = Array.from({ length: 40 }, (_, i) => ({ name: `acme/template-${i}` }))

function refusal(text: string): PinbotError {
  try {
    parseShard(text)
  } catch (error) {
    return error as PinbotError
  }
  throw new Error(`expected "${text}" to be refused`)
}

describe('--shard K/N', () => {
  it('parses K/N', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 })
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 })
    expect(formatShard(parseShard('3/3'))).toBe('3/3')
  })

  it.each(['0/3', '4/3', '1/0', 'x', '1/', '/3', '-1/3', '1.5/3', '1/3/4', '', '1/99999'])('refuses %j with exit 2', (text) => {
    const error = refusal(text)
    expect(error.code).toBe('invalid-shard')
    expect(error.exit).toBe(2)
    expect(error.message).toContain(JSON.stringify(text))
  })

  it.each([1, 3, 4])('splits 40 repos over %i shards: every repo in exactly one shard', (count) => {
    const shards = Array.from({ length: count }, (_, i) => selectShard(fleet, { index: i + 1, count }))
    const seen = shards.flat().map((repo) => repo.name)
    expect(seen.sort()).toEqual(fleet.map((repo) => repo.name).sort())
    expect(new Set(seen).size).toBe(fleet.length)
    // Each shard keeps manifest order, and no shard is empty for 40 repos.
    for (const shard of shards) {
      expect(shard).toEqual(fleet.filter((repo) => shard.includes(repo)))
      expect(shard.length).toBeGreaterThan(0)
    }
  })

  it('keeps every repo in its shard when repos are added or removed (a hash of the name, not a position)', () => {
    for (const count of [3, 4]) {
      const before = new Map(fleet.map((repo) => [repo.name, shardOf(repo.name, count)]))
      const grown = [{ name: 'acme/aaa-first' }, ...fleet.slice(5), { name: 'acme/new-one' }]
      for (let index = 1; index <= count; index++) {
        for (const repo of selectShard(grown, { index, count })) if (before.has(repo.name)) expect(before.get(repo.name)).toBe(index)
      }
    }
  })

  it('is the same on every runner: a fixed function of the name, ignoring case', () => {
    // Pinned values: a change of hash would silently reshuffle every matrix.
    expect([1, 2, 3, 4, 5].map((i) => shardOf(`acme/template-${i}`, 4))).toEqual([1, 2, 3, 4, 5].map((i) => shardOf(`ACME/Template-${i}`, 4)))
    expect(fleet.slice(0, 8).map((repo) => shardOf(repo.name, 4))).toEqual([2, 4, 1, 1, 4, 2, 2, 2])
  })
})
