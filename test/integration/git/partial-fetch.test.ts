/**
 * Partial fetch against git http-backend with uploadpack.allowFilter: a template's large
 * files never come, a happy pin stays at three requests, and a blob pinbot reads that the
 * filter left out is fetched alone (protocol v2).
 */
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { pinRemote } from '../../../src/pin/remote-pin.js'
import { countingClient } from '../../support/counting-http.js'
import { useForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { git } from '../../support/git.js'
import { BOT } from '../../support/keys.js'
import type { TempDir } from '../../support/tmp.js'

let forge: Forge
let work: TempDir
let n = 0
useForge((fixture) => ({ forge, work } = fixture))

const BIG = randomBytes(2 << 20)

async function template(filter: boolean, pin = '0.1.0\n'): Promise<string> {
  const name = `acme/partial-${++n}`
  await forge.createRepo(name, { files: { '.runtime-version': pin, 'assets/big.bin': BIG, 'README.md': 'hello\n' }, commits: 3 })
  if (filter) await forge.git(name, ['config', 'uploadpack.allowFilter', 'true'])
  return name
}

/** A repo's requests as [requests already answered when it arrived, method and service, protocol asked for], in that order. */
function roundTrips(name: string) {
  return forge
    .requestsFor(name)
    .map((r) => [r.answeredBefore, `${r.method} ${r.service}`, r.protocol])
    .sort((a, b) => Number(a[0]) - Number(b[0]) || String(a[1]).localeCompare(String(b[1])))
}

async function pin(name: string) {
  const http = countingClient(forge.tokens.readWrite)
  try {
    const result = await pinRemote({ repo: forge.repoUrl(name), http, version: '0.2.0', identity: BOT, message: 'chore: pin runtime to 0.2.0' })
    return { result, received: http.received.reduce((a, b) => a + b, 0) }
  } finally {
    http.destroy()
  }
}

describe('partial fetch', () => {
  it('pins a template with a 2 MB file in 3 sequential round trips, receiving a few KB, and changes only the pin', async () => {
    const name = await template(true)
    // The repo's first request is answered only once the next one has arrived: parallel requests are seen as such.
    forge.inject({ kind: 'hold', repo: name, nth: 1 })
    const { result, received } = await pin(name)
    forge.clearFaults()
    expect(result).toMatchObject({ outcome: 'updated', before: '0.1.0', after: '0.2.0' })
    expect(received).toBeLessThan(50_000)
    // [requests answered before it arrived, ...]: the capabilities and ls-refs (v2) together, then the fetch, then the push.
    expect(roundTrips(name)).toEqual([
      [0, 'GET git-upload-pack', 'version=2'],
      [0, 'POST git-upload-pack', 'version=2'],
      [2, 'POST git-upload-pack', undefined],
      [3, 'POST git-receive-pack', undefined],
    ])
    const dir = path.join(work.dir, `clone-${n}`)
    await git(['clone', '--quiet', '--bare', forge.authedUrl(name), dir])
    expect(await git(['diff-tree', '-r', '--no-commit-id', '--name-status', 'main^', 'main'], { cwd: dir })).toBe('M\t.runtime-version')
    await git(['fsck', '--strict', '--no-progress'], { cwd: dir })
  })

  it('fetches a left-out blob it must read (an oversized pin) alone, with one more request', async () => {
    const name = await template(true, `0.1.0\n${'#'.repeat(3000)}\n`)
    const { result, received } = await pin(name)
    expect(result).toMatchObject({ outcome: 'updated', reason: 'repaired', after: '0.2.0' })
    expect(received).toBeLessThan(50_000)
    // ls-refs, the tip, the blob.
    expect(forge.requestsFor(name, 'git-upload-pack').filter((r) => r.method === 'POST')).toHaveLength(3)
  })

  it('fetches the whole tip from a server without filter, as before', async () => {
    const name = await template(false)
    const { result, received } = await pin(name)
    expect(result).toMatchObject({ outcome: 'updated' })
    expect(received).toBeGreaterThan(2 << 20)
    expect(forge.requestsFor(name)).toHaveLength(4)
  })
})
