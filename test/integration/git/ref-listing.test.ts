/**
 * Reading refs costs what pinbot needs, not what the repo holds. Against a protocol v2
 * server (git http-backend given the Git-Protocol header), ls-refs lists HEAD or the one
 * branch: a repo with 5,000 tags is pinned and audited moving a few hundred bytes of ref
 * listing, in three sequential round trips. A v1-only server (its web server overrides the
 * header) still works, sending every ref. Hostile v2 answers fail their repo as v1 ones do.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditRepo } from '../../../src/audit/audit.js'
import { readDefaultBranch } from '../../../src/git/default-branch.js'
import { createHttpClient } from '../../../src/git/http.js'
import { MemoryRepo } from '../../../src/git/memory-repo.js'
import { pinRemote } from '../../../src/pin/remote-pin.js'
import { countingClient, type CountedExchange } from '../../support/counting-http.js'
import { repoPack } from '../../support/crafted-pack.js'
import { useForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { HostileServer, lazyBody, lsRefsAnswer, mainAdvertisement, uploadPackAnswer, v2Capabilities } from '../../support/hostile-server.js'
import { BOT } from '../../support/keys.js'

let forge: Forge
let hostile: HostileServer
useForge((fixture) => ({ forge } = fixture))
beforeAll(async () => {
  hostile = await HostileServer.start()
})
afterAll(() => hostile?.stop())

const TAGS = 5000

/** A template whose 5,000 tags (packed, as a forge keeps them) all point at its tip. */
async function taggedRepo(name: string, options: { noProtocolV2?: boolean } = {}): Promise<void> {
  const { tip } = await forge.createRepo(name, { commits: 3, ...options })
  // Written as git's packed-refs file (sorted, lightweight tags need no peeled lines): instant, where update-ref takes seconds.
  const tags = Array.from({ length: TAGS }, (_, i) => `refs/tags/v${String(i).padStart(5, '0')}`)
  await writeFile(path.join(forge.repoPath(name), 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted \n${tags.map((tag) => `${tip} ${tag}\n`).join('')}`)
}

/** Bytes of ref listing received: the answers to `GET info/refs` and to the ls-refs POST. */
const refListing = (exchanges: CountedExchange[]) =>
  exchanges.filter((e) => e.what === 'GET info/refs' || (e.what === 'POST git-upload-pack' && e.protocol === 'version=2')).reduce((sum, e) => sum + e.bytes, 0)

async function pin(name: string, branch?: string) {
  const http = countingClient(forge.tokens.readWrite)
  try {
    const result = await pinRemote({ repo: forge.repoUrl(name), http, branch, version: '0.2.0', identity: BOT, message: 'chore: pin runtime to 0.2.0' })
    return { result, refBytes: refListing(http.exchanges) }
  } finally {
    http.destroy()
  }
}

describe('ref listing', () => {
  it('pins and audits a repo with 5,000 tags moving a few hundred bytes of refs (v2), in three sequential round trips', async () => {
    await taggedRepo('acme/tagged')
    forge.inject({ kind: 'hold', repo: 'acme/tagged', nth: 1 })
    const { result, refBytes } = await pin('acme/tagged')
    forge.clearFaults()
    expect(result).toMatchObject({ outcome: 'updated', after: '0.2.0' })
    expect(await forge.readFile('acme/tagged', '.runtime-version')).toBe('0.2.0\n')
    expect(refBytes).toBeLessThan(1024)
    expect(forge.requestsFor('acme/tagged').map((r) => r.answeredBefore)).toEqual([0, 0, 2, 3])

    const http = countingClient(forge.tokens.readOnly)
    try {
      const audit = await auditRepo({ name: 'acme/tagged', url: forge.repoUrl('acme/tagged') }, { http, pinFile: '.runtime-version', maxDepth: 50 })
      expect(audit).toMatchObject({ branch: 'main', version: '0.2.0', error: null })
      expect(refListing(http.exchanges)).toBeLessThan(1024)
    } finally {
      http.destroy()
    }
  })

  it('still works against a v1-only server, whose advertisement carries every tag', async () => {
    await taggedRepo('acme/tagged-v1', { noProtocolV2: true })
    const { result, refBytes } = await pin('acme/tagged-v1')
    expect(result).toMatchObject({ outcome: 'updated', after: '0.2.0' })
    expect(await forge.readFile('acme/tagged-v1', '.runtime-version')).toBe('0.2.0\n')
    expect(refBytes).toBeGreaterThan(TAGS * 50)
    const http = createHttpClient({ token: forge.tokens.readOnly })
    try {
      expect(await readDefaultBranch(forge.repoUrl('acme/tagged-v1'), http, undefined, undefined)).toBe('main')
      // Deepening (verify-pins --key) speaks the same fetch either way.
      const repo = new MemoryRepo(forge.repoUrl('acme/tagged-v1'), http)
      const { tip } = await repo.fetch()
      await repo.deepen(2)
      const [parent] = (await repo.readCommit(tip)).parent
      expect((await repo.readCommit(parent)).parent).toHaveLength(1)
    } finally {
      http.destroy()
    }
  })

  it("sends ls-refs alone for a client's later repos on the same server; a hint that proves wrong costs a request, not the pin", async () => {
    const names = ['acme/hint-first', 'acme/hint-next', 'acme/hint-no-filter', 'acme/hint-v1']
    for (const name of names) await forge.createRepo(name, { noProtocolV2: name === 'acme/hint-v1' })
    for (const name of names.slice(0, 2)) await forge.git(name, ['config', 'uploadpack.allowFilter', 'true'])
    const http = countingClient(forge.tokens.readWrite)
    try {
      for (const name of names) {
        const result = await pinRemote({ repo: forge.repoUrl(name), http, version: '0.2.0', identity: BOT, message: 'chore: pin runtime to 0.2.0' })
        expect(result, name).toMatchObject({ outcome: 'updated', after: '0.2.0' })
      }
    } finally {
      http.destroy()
    }
    const requests = (name: string) => forge.requestsFor(name).map((r) => `${r.method} ${r.service}${r.protocol ? ' v2' : ''}`)
    expect(requests('acme/hint-first').sort()).toEqual(['GET git-upload-pack v2', 'POST git-receive-pack', 'POST git-upload-pack', 'POST git-upload-pack v2'])
    expect(requests('acme/hint-next')).toEqual(['POST git-upload-pack v2', 'POST git-upload-pack', 'POST git-receive-pack'])
    // The filter the hint promised is refused (an empty answer): fetched again whole.
    expect(requests('acme/hint-no-filter')).toEqual(['POST git-upload-pack v2', 'POST git-upload-pack', 'POST git-upload-pack', 'POST git-receive-pack'])
    // Not a v2 answer: the capability request tells, and its v1 advertisement serves.
    expect(requests('acme/hint-v1').slice(0, 1)).toEqual(['POST git-upload-pack v2'])
    expect(requests('acme/hint-v1').slice(1).sort()).toEqual(['GET git-upload-pack v2', 'POST git-receive-pack', 'POST git-upload-pack', 'POST git-upload-pack v2'])
  })

  it('has repos that start together share the first capability request to their server; if it fails, each asks for itself', async () => {
    const names = ['acme/wave-0', 'acme/wave-1', 'acme/wave-2', 'acme/wave-3']
    for (const name of names) await forge.createRepo(name)
    const wave = async (version: string) => {
      const http = countingClient(forge.tokens.readWrite)
      try {
        const results = await Promise.all(names.map((name) => pinRemote({ repo: forge.repoUrl(name), http, version, identity: BOT, message: `chore: pin runtime to ${version}` })))
        return results.map((result) => result.outcome)
      } finally {
        http.destroy()
      }
    }
    const capabilityRequests = () => forge.requests.filter((r) => r.method === 'GET' && r.service === 'git-upload-pack').map((r) => r.repo)
    forge.clearLog()
    expect(await wave('0.2.0')).toEqual(['updated', 'updated', 'updated', 'updated'])
    expect(capabilityRequests()).toEqual(['acme/wave-0'])
    expect(forge.requests).toHaveLength(1 + 3 * names.length)

    forge.clearLog()
    forge.inject({ kind: 'status', status: 500, repo: 'acme/wave-0', method: 'GET', service: 'git-upload-pack' })
    const outcomes = await wave('0.3.0')
    forge.clearFaults()
    expect(outcomes).toEqual(['failed', 'updated', 'updated', 'updated'])
    expect(capabilityRequests().sort()).toEqual(names)
  })

  it('takes the branch asked for by its exact name, though ls-refs matches a prefix', async () => {
    const { tip } = await forge.createRepo('acme/prefixed', { defaultBranch: 'main-next' })
    const wrong = await pin('acme/prefixed', 'main')
    expect(wrong.result).toMatchObject({ outcome: 'failed', error: { code: 'branch-not-found' } })
    await forge.git('acme/prefixed', ['update-ref', 'refs/heads/main', tip!])
    await forge.commitDirect('acme/prefixed', { 'other.txt': 'x\n' }, 'main-next')
    const right = await pin('acme/prefixed', 'main')
    expect(right.result).toMatchObject({ outcome: 'updated', branch: 'main' })
    expect((await forge.history('acme/prefixed', 'main'))[1]).toBe(tip)
  })

  it('tells an empty repo from HEAD naming a missing branch, and names that branch', async () => {
    const http = createHttpClient({ token: forge.tokens.readOnly })
    try {
      await forge.createRepo('acme/void', { empty: true })
      await expect(readDefaultBranch(forge.repoUrl('acme/void'), http, undefined, undefined)).rejects.toMatchObject({ code: 'empty-repo' })
      await forge.createRepo('acme/headless')
      await forge.git('acme/headless', ['symbolic-ref', 'HEAD', 'refs/heads/gone'])
      await expect(readDefaultBranch(forge.repoUrl('acme/headless'), http, undefined, undefined)).rejects.toMatchObject({
        code: 'head-branch-missing',
        message: 'HEAD points at "refs/heads/gone", which does not exist; the repository has the branch "main"',
      })
    } finally {
      http.destroy()
    }
  })
})

describe('hostile protocol v2 answers', () => {
  const honest = repoPack({ '.runtime-version': '0.1.0\n' })
  /** A repo whose ls-refs answers `lsRefs`, its v1 face an honest one (what a fallback would read). */
  const serve = (name: string, v2: { capabilities?: Buffer; lsRefs?: Answer }) =>
    hostile.serve(name, {
      advertisement: { body: mainAdvertisement(honest.tip) },
      uploadPack: { body: uploadPackAnswer(honest.pack, honest.tip) },
      v2: { capabilities: { body: v2.capabilities ?? v2Capabilities() }, ...(v2.lsRefs && { lsRefs: v2.lsRefs }) },
    })
  type Answer = NonNullable<Parameters<HostileServer['serve']>[1]['advertisement']>

  const read = async (url: string) => {
    const http = createHttpClient({ retries: 0 })
    try {
      return await new MemoryRepo(url, http, undefined, { advertisement: 1 << 20 }).fetch().then(
        (fetched) => ({ fetched }),
        (error: { code: string; message: string }) => ({ code: error.code, message: error.message }),
      )
    } finally {
      http.destroy()
    }
  }

  it('reads an honest v2 server, and fails each hostile answer with the code its v1 twin gets', async () => {
    const honestUrl = serve('v2/honest', { lsRefs: { body: lsRefsAnswer([[honest.tip, 'HEAD', 'symref-target:refs/heads/main']]) } })
    expect(await read(honestUrl)).toEqual({ fetched: { tip: honest.tip, branch: 'main' } })

    const tagLines = lsRefsAnswer(Array.from({ length: 1000 }, (_, i) => ['b'.repeat(40), `refs/tags/t${String(i).padStart(8, '0')}`])).subarray(0, -4)
    const cases = {
      huge: serve('v2/huge', { lsRefs: { body: lazyBody(100 << 20, () => tagLines) } }),
      escape: serve('v2/escape', { lsRefs: { body: lsRefsAnswer([[honest.tip, 'HEAD', 'symref-target:refs/heads/../../x']]) } }),
      sha256: serve('v2/sha256', { capabilities: v2Capabilities(['ls-refs', 'fetch=shallow', 'object-format=sha256']) }),
      refused: serve('v2/refused', { lsRefs: { body: lsRefsAnswer([['ERR \x1b[31mgo away\n::error::x']]) } }),
      garbled: serve('v2/garbled', { lsRefs: { body: lsRefsAnswer([['zzz', 'HEAD']]) } }),
      cut: serve('v2/cut', { lsRefs: { body: lsRefsAnswer([[honest.tip, 'HEAD']]).subarray(0, -4) } }),
    }
    const results = Object.fromEntries(await Promise.all(Object.entries(cases).map(async ([name, url]) => [name, await read(url)])))
    expect(results).toMatchObject({
      huge: { code: 'advertisement-too-large' },
      escape: { code: 'invalid-default-branch' },
      sha256: { code: 'unsupported-object-format' },
      refused: { code: 'server-refused', message: expect.stringContaining('\\x1b[31mgo away\\n::error::x') },
      garbled: { code: 'malformed-answer' },
      cut: { code: 'malformed-answer' },
    })
  })
})
