/**
 * Deepening sends only what is new: the request names the shallow boundary and the tip
 * held, so a step brings the newly reached commits (and what they add), never the tip again.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MemoryRepo } from '../../../src/git/memory-repo.js'
import { countingClient } from '../../support/counting-http.js'
import { useForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'

let forge: Forge
useForge((fixture) => ({ forge } = fixture))

describe('MemoryRepo.deepen', () => {
  it('brings only the newly reached commits, not the tip again (a 2 MB file at the tip)', async () => {
    await forge.createRepo('acme/deep', { files: { '.runtime-version': '0.1.0\n', 'big.bin': randomBytes(2 << 20) }, commits: 12 })
    const http = countingClient(forge.tokens.readWrite)
    try {
      const repo = new MemoryRepo(forge.repoUrl('acme/deep'), http)
      const { tip } = await repo.fetch(undefined, { depth: 1 })
      expect(http.exchanges.at(-1)).toMatchObject({ what: 'POST git-upload-pack', bytes: expect.any(Number) })
      expect(http.exchanges.at(-1)!.bytes).toBeGreaterThan(2 << 20)
      let oid = tip
      for (const by of [1, 3, 5]) {
        await repo.deepen(by)
        expect(http.received.at(-1)).toBeLessThan(20_000)
      }
      // Every commit reached is here and readable: the history is whole, down to the new boundary.
      for (let i = 0; i < 9; i++) oid = (await repo.readCommit(oid)).parent[0]
      expect((await repo.readCommit(oid)).parent).toHaveLength(1)
      expect(await forge.history('acme/deep')).toContain(oid)
    } finally {
      http.destroy()
    }
  })

  it('leaves out what the commits held already reference (a 2 MB file in every commit: a thin pack)', async () => {
    const big = randomBytes(2 << 20)
    await forge.createRepo('acme/deep-shared', { files: { '.runtime-version': '0.1.0\n', 'big.bin': big } })
    for (let i = 0; i < 8; i++) await forge.commitDirect('acme/deep-shared', { [`docs/${i}.md`]: `${'line\n'.repeat(50)}${i}\n` })
    const http = countingClient(forge.tokens.readWrite)
    try {
      const repo = new MemoryRepo(forge.repoUrl('acme/deep-shared'), http)
      const { tip } = await repo.fetch(undefined, { depth: 2 })
      for (const by of [2, 5]) {
        await repo.deepen(by)
        expect(http.exchanges.at(-1)!.bytes).toBeLessThan(20_000)
      }
      // The first commit, eight back (depth 2 + 2 + 5 = all nine): its tree reads whole, the blob held since the tip.
      let oid = tip
      for (let i = 0; i < 8; i++) oid = (await repo.readCommit(oid)).parent[0]
      const entry = await repo.lookup(oid, 'big.bin')
      expect(Buffer.from(await repo.readBlob(entry!.oid)).equals(big)).toBe(true)
      expect(await repo.lookup(oid, 'docs/0.md')).toBeUndefined()
    } finally {
      http.destroy()
    }
  })
})
