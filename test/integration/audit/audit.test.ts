/**
 * The audit core against the loopback forge: what one repo's audit finds, how many HTTP
 * requests it costs, and how far back it looks for the last pin change.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditRepo, type AuditOptions, type RepoAudit } from '../../../src/audit/audit.js'
import { createHttpClient } from '../../../src/git/http.js'
import { readVerificationKeys } from '../../../src/identity/verification-keys.js'
import { PIN_FILE } from '../../../src/contract/runtime-version.js'
import { verifyCommitSignature } from '../../../src/identity/signing.js'
import { Forge } from '../../support/forge.js'
import { appendCommits, botSigner, HUMAN, type TestSigner } from '../../support/history.js'
import { BOT, makeTestKey } from '../../support/keys.js'
import { tempDir } from '../../support/tmp.js'

let forge: Forge
let http: ReturnType<typeof createHttpClient>
let sign: TestSigner
let verify: NonNullable<AuditOptions['verify']>
let cleanup: () => Promise<void>
const ids: Record<string, string[]> = {}

const pin = (version: string) => ({ [PIN_FILE]: `${version}\n` })

beforeAll(async () => {
  forge = await Forge.start()
  http = createHttpClient({ token: forge.tokens.readOnly })
  const key = await makeTestKey('ed25519')
  sign = await botSigner(key)
  const tmp = await tempDir()
  cleanup = tmp.cleanup
  await writeFile(path.join(tmp.dir, 'bot.pub'), key.publicKeyArmored)
  const keys = await readVerificationKeys([path.join(tmp.dir, 'bot.pub')])
  verify = (signed) => verifyCommitSignature({ ...signed, keys })

  await forge.createRepo('acme/deep', { commits: 3 })
  ids.deep = await appendCommits(forge, 'acme/deep', [
    { files: pin('0.2.0'), sign, author: BOT },
    ...Array.from({ length: 12 }, (_, i) => ({ files: { [`notes/${i}.md`]: `${i}\n` } })),
  ])

  // The bot pinned on a side branch; a human merged it: the merge keeps the side's pin,
  // so the last change is the bot's commit on the second parent (git log's view).
  await forge.createRepo('acme/merged', { commits: 2 })
  const side = await appendCommits(forge, 'acme/merged', [{ files: pin('0.3.0'), sign, author: BOT }], 'bot/pin')
  ids.merged = [
    ...side,
    ...(await appendCommits(forge, 'acme/merged', [
      { files: { 'README.md': 'main moves on\n' } },
      { files: pin('0.3.0'), merge: side[0], message: 'Merge branch bot/pin\n' },
    ])),
  ]

  // A human merges a branch that has nothing to do with the pin; the bot's pin is older.
  await forge.createRepo('acme/unrelated-merge', { commits: 2 })
  ids.unrelated = await appendCommits(forge, 'acme/unrelated-merge', [{ files: pin('0.3.0'), sign, author: BOT }])
  const feature = await appendCommits(forge, 'acme/unrelated-merge', [{ files: { 'app.py': 'print(1)\n' } }], 'feature')
  await appendCommits(forge, 'acme/unrelated-merge', [{ files: { 'app.py': 'print(1)\n' }, merge: feature[0], message: 'Merge feature\n' }])
})

afterAll(async () => {
  http?.destroy()
  await forge?.stop()
  await cleanup?.()
})

async function audit(repo: string, options: Partial<AuditOptions> = {}): Promise<{ result: RepoAudit; requests: number }> {
  forge.clearLog()
  const result = await auditRepo({ name: repo, url: forge.repoUrl(repo) }, { http, pinFile: PIN_FILE, maxDepth: 50, ...options })
  return { result, requests: forge.requestsFor(repo).length }
}

describe('auditRepo', () => {
  it('without a key reads only the tip: 2 round trips (3 requests: the first repo this client reads), no signature, no pin commit', async () => {
    const { result, requests } = await audit('acme/deep')
    expect(requests).toBe(3)
    expect(result).toMatchObject({ branch: 'main', pin: 'present', version: '0.2.0', signature: null, commit: null, error: null })
  })

  it('with a key, deepens step by step to the pin commit 13 commits back, and checks its signature', async () => {
    const { result, requests } = await audit('acme/deep', { verify })
    expect(result.signature).toBe('signed-by-bot')
    expect(result.commit).toMatchObject({ oid: ids.deep[0], distance: 13, author: { name: BOT.name, email: BOT.email } })
    // depth 2 (ls-refs alone: the client learnt the server in the first test; then the pack), then 8 and 32: one request each, the tip is known.
    expect(requests).toBe(4)
  })

  it('stops at --max-depth and says the last pin change is further back', async () => {
    const { result, requests } = await audit('acme/deep', { verify, maxDepth: 5 })
    expect(result).toMatchObject({ version: '0.2.0', signature: 'beyond-max-depth', commit: null, error: null })
    expect(requests).toBe(3)
  })

  it('follows a merge to the parent the pin came from: the bot commit on the merged branch', async () => {
    const { result } = await audit('acme/merged', { verify })
    expect(result.signature).toBe('signed-by-bot')
    expect(result.commit).toMatchObject({ oid: ids.merged[0], distance: 2 })
  })

  it('walks past a merge that did not touch the pin', async () => {
    const { result } = await audit('acme/unrelated-merge', { verify })
    expect(result.signature).toBe('signed-by-bot')
    expect(result.commit?.oid).toBe(ids.unrelated[0])
  })

  it('a missing repo becomes a per-repo error, after one round trip', async () => {
    const { result, requests } = await audit('acme/absent', { verify })
    expect(result.error?.code).toBe('not-found')
    expect(result).toMatchObject({ branch: null, version: null, signature: null })
    expect(requests).toBe(1)
  })

  it('audits an explicit branch instead of the default one, and names a branch that does not exist', async () => {
    forge.clearLog()
    const side = await auditRepo({ name: 'acme/merged', url: forge.repoUrl('acme/merged'), branch: 'bot/pin' }, { http, pinFile: PIN_FILE, maxDepth: 50, verify })
    expect(side).toMatchObject({ branch: 'bot/pin', version: '0.3.0', signature: 'signed-by-bot', commit: { oid: ids.merged[0], distance: 1 } })
    const absent = await auditRepo({ name: 'acme/merged', url: forge.repoUrl('acme/merged'), branch: 'nope' }, { http, pinFile: PIN_FILE, maxDepth: 50 })
    expect(absent.error?.code).toBe('branch-not-found')
  })
})

describe('the pin file itself', () => {
  it('is invalid as a symbolic link or a directory, in the words pinbot verify uses', async () => {
    await forge.createRepo('acme/linked', { files: { 'VERSION': '0.2.0\n' } })
    await appendCommits(forge, 'acme/linked', [{ symlinks: { [PIN_FILE]: 'VERSION' } }])
    await forge.createRepo('acme/dir', { files: { [`${PIN_FILE}/x`]: '0.2.0\n' } })
    const linked = (await audit('acme/linked')).result
    expect(linked).toMatchObject({ pin: 'invalid', version: null, problems: [{ code: 'symlink', message: 'is a symbolic link (to "VERSION"); pinbot never follows links' }] })
    const dir = (await audit('acme/dir')).result
    expect(dir).toMatchObject({ pin: 'invalid', version: null, problems: [{ code: 'directory', message: 'is a directory' }] })
  })
})

describe('hand edits', () => {
  it('a human changing the pin after the bot is the last pin change: unsigned, by the human', async () => {
    await forge.createRepo('acme/hand', { commits: 2 })
    const [botPin] = await appendCommits(forge, 'acme/hand', [
      { files: pin('0.2.0'), sign, author: BOT },
      ...Array.from({ length: 10 }, (_, i) => ({ files: { [`docs/${i}.md`]: 'x\n' } })),
      { files: pin('0.2.1') },
    ])
    const { result, requests } = await audit('acme/hand', { verify })
    expect(result).toMatchObject({ version: '0.2.1', signature: 'unsigned', commit: { distance: 1, author: { name: HUMAN.name, email: HUMAN.email } } })
    // The walk goes on past the hand edit to the bot's pin it replaced, deepening as needed.
    expect(result.replacedBotPin).toEqual({ oid: botPin, distance: 12, version: '0.2.0' })
    expect(requests).toBe(4)
  })

  it('a pin a human introduced, with no bot pin before it, replaced nothing', async () => {
    await forge.createRepo('acme/human-only', { commits: 2, files: { 'README.md': 'x\n' } })
    await appendCommits(forge, 'acme/human-only', [{ files: pin('0.2.0') }, { files: { 'x.txt': '1\n' } }])
    const { result } = await audit('acme/human-only', { verify })
    expect(result).toMatchObject({ signature: 'unsigned', commit: { distance: 2 }, replacedBotPin: null })
  })

  it('a human edit over an earlier human edit does not claim a bot pin', async () => {
    await forge.createRepo('acme/two-humans', { commits: 1 })
    await appendCommits(forge, 'acme/two-humans', [{ files: pin('0.2.0'), sign, author: BOT }, { files: pin('0.2.1') }, { files: pin('0.2.2') }])
    const { result } = await audit('acme/two-humans', { verify })
    expect(result).toMatchObject({ version: '0.2.2', signature: 'unsigned', replacedBotPin: null })
  })
})
