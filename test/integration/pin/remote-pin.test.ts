/** pinRemote against the loopback forge: outcomes, cost in requests, races, and every failure class. */
import path from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { resolveAuth } from '../../../src/git/auth.js'
import { loadSigningKey } from '../../../src/identity/signing-key.js'
import { createHttpClient, type GitHttpRequest, type HttpClient } from '../../../src/git/http.js'
import { clearSecrets } from '../../../src/redact.js'
import { pinRemote, type PinRemoteOptions, type PinResult } from '../../../src/pin/remote-pin.js'
import { useForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { git, gitRun } from '../../support/git.js'
import { createGnupgHome } from '../../support/gpg.js'
import { BOT, makeTestKey, signingEnv } from '../../support/keys.js'
import type { TempDir } from '../../support/tmp.js'

const TEMPLATE = {
  '.runtime-version': '0.1.0\n',
  'Dockerfile': 'FROM runtime\n',
  '.github/workflows/publish-image.yml': 'on: push\n',
  'src/app/main.py': 'print(1)\n',
}

let forge: Forge
let work: TempDir
let n = 0
useForge((fixture) => ({ forge, work } = fixture))
beforeEach(() => clearSecrets())

/** A fresh repo per test, so tests never see each other's commits. */
async function repo(fixture: Parameters<Forge['createRepo']>[1] = {}): Promise<{ name: string; tip: string }> {
  const name = `acme/template-${++n}`
  const { tip } = await forge.createRepo(name, { files: TEMPLATE, commits: 4, ...fixture })
  return { name, tip: tip ?? '' }
}

function pin(name: string, version: string, extra: Partial<PinRemoteOptions> = {}): Promise<PinResult> {
  return pinRemote({
    repo: forge.repoUrl(name),
    version,
    auth: resolveAuth({ env: { PINBOT_TOKEN: forge.tokens.readWrite } }),
    identity: BOT,
    message: `chore: pin runtime to ${version}\n\nCo-Authored-By: Release Manager <rm@example.com>\n`,
    backoff: () => 0,
    ...extra,
  })
}

/**
 * `pin` with a client whose read retries come at once: the failure tests check what a
 * failure is reported as once the retries are spent, not how long their backoff waits.
 */
async function pinRetryingAtOnce(name: string, version: string, timeoutMs?: number): Promise<PinResult> {
  const http = createHttpClient({ token: forge.tokens.readWrite, timeoutMs, retryDelayMs: 1 })
  try {
    return await pin(name, version, { http })
  } finally {
    http.destroy()
  }
}

/** The receive-pack POSTs (pushes) a repo received; a discovery GET alone pushes nothing. */
function pushesTo(name: string) {
  return forge.requestsFor(name, 'git-receive-pack').filter((r) => r.method === 'POST')
}

async function cliClone(name: string): Promise<string> {
  const dir = path.join(work.dir, `clone-${++n}`)
  await git(['clone', '--quiet', forge.authedUrl(name), dir])
  return dir
}

describe('pinRemote: outcomes', () => {
  it('pins the default branch (trunk) with one commit on the old tip that changes only the pin', async () => {
    const { name, tip } = await repo({ defaultBranch: 'trunk' })
    const result = await pin(name, '0.2.0')
    expect(result).toMatchObject({ repo: forge.repoUrl(name), branch: 'trunk', outcome: 'updated', before: '0.1.0', after: '0.2.0', attempts: 1 })
    expect(result.reason).toBeUndefined()
    expect(await forge.readFile(name, '.runtime-version')).toBe('0.2.0\n')
    expect(await forge.git(name, ['rev-parse', 'trunk'])).toBe(result.commit)

    const dir = await cliClone(name)
    expect(await git(['rev-parse', 'HEAD^'], { cwd: dir })).toBe(tip)
    expect(await git(['diff-tree', '--no-commit-id', '--name-status', '-r', 'HEAD'], { cwd: dir })).toBe('M\t.runtime-version')
    expect(await git(['log', '-1', '--format=%an <%ae>|%cn <%ce>|%s', 'HEAD'], { cwd: dir })).toBe('Pin Bot <pinbot@example.com>|Pin Bot <pinbot@example.com>|chore: pin runtime to 0.2.0')
    expect(await git(['interpret-trailers', '--parse'], { cwd: dir, input: await git(['log', '-1', '--format=%B'], { cwd: dir }) })).toBe(
      'Co-Authored-By: Release Manager <rm@example.com>',
    )
    await git(['fsck', '--strict', '--no-progress'], { cwd: dir })
  })

  it('costs 3 round trips, all authenticated up front (no 401 round trip, no discovery before the push)', async () => {
    const { name } = await repo()
    // The repo's first request is answered only once the next has arrived: requests in flight together are seen as such.
    forge.inject({ kind: 'hold', repo: name, nth: 1 })
    await pin(name, '0.2.0')
    forge.clearFaults()
    // The capabilities and ls-refs go out together (protocol v2), then the fetch, then the push.
    expect(forge.requestsFor(name).map((r) => [r.answeredBefore, r.method, r.service, r.auth, r.status]).sort()).toEqual([
      [0, 'GET', 'git-upload-pack', true, 200],
      [0, 'POST', 'git-upload-pack', true, 200],
      [2, 'POST', 'git-upload-pack', true, 200],
      [3, 'POST', 'git-receive-pack', true, 200],
    ])
  })

  it('changes nothing and pushes nothing when the pin already holds the version', async () => {
    const { name, tip } = await repo({ files: { ...TEMPLATE, '.runtime-version': '0.2.0\n' } })
    const result = await pin(name, '0.2.0')
    expect(result).toMatchObject({ outcome: 'unchanged', before: '0.2.0', after: '0.2.0', attempts: 1, branch: 'main' })
    expect(result.commit).toBeUndefined()
    expect(pushesTo(name)).toEqual([])
    expect(await forge.history(name)).toContain(tip)
    expect((await forge.history(name))[0]).toBe(tip)
  })

  it('never lowers a valid pin unless allowed', async () => {
    const { name, tip } = await repo({ files: { ...TEMPLATE, '.runtime-version': '0.3.0\n' } })
    expect(await pin(name, '0.2.0')).toMatchObject({ outcome: 'skipped', reason: 'downgrade', before: '0.3.0', after: '0.3.0' })
    expect(pushesTo(name)).toEqual([])
    expect((await forge.history(name))[0]).toBe(tip)
    expect(await pin(name, '0.2.0', { allowDowngrade: true })).toMatchObject({ outcome: 'updated', before: '0.3.0', after: '0.2.0' })
    expect(await forge.readFile(name, '.runtime-version')).toBe('0.2.0\n')
  })

  it('skips a repo without the required file, and pins one that has it', async () => {
    const { name: without } = await repo({ files: { '.runtime-version': '0.1.0\n', 'README.md': 'not a template\n' } })
    const requireFile = '.github/workflows/publish-image.yml'
    expect(await pin(without, '0.2.0', { requireFile })).toMatchObject({ outcome: 'skipped', reason: 'missing-required-file' })
    expect(await forge.readFile(without, '.runtime-version')).toBe('0.1.0\n')
    const { name: withFile } = await repo()
    expect(await pin(withFile, '0.2.0', { requireFile })).toMatchObject({ outcome: 'updated' })
  })

  it('repairs a malformed pin, and adds a missing one', async () => {
    const { name: malformed } = await repo({ files: { ...TEMPLATE, '.runtime-version': '\uFEFFv0.1.0\r\n# pinned\n' } })
    const repaired = await pin(malformed, '0.2.0')
    expect(repaired).toMatchObject({ outcome: 'updated', reason: 'repaired', after: '0.2.0' })
    expect(repaired.before).toBeUndefined()
    expect(await forge.readFile(malformed, '.runtime-version')).toBe('0.2.0\n')

    const { name: absent } = await repo({ files: { 'Dockerfile': 'FROM x\n' } })
    expect(await pin(absent, '0.2.0')).toMatchObject({ outcome: 'updated', after: '0.2.0' })
    const dir = await cliClone(absent)
    expect(await git(['diff-tree', '--no-commit-id', '--name-status', '-r', 'HEAD'], { cwd: dir })).toBe('A\t.runtime-version')
  })

  it('refuses to replace a directory that sits where the pin should be', async () => {
    const { name } = await repo({ files: { '.runtime-version/notes.txt': 'x\n' } })
    expect(await pin(name, '0.2.0')).toMatchObject({ outcome: 'failed', error: { code: 'pin-file-not-regular' } })
    expect(pushesTo(name)).toEqual([])
  })

  it('writes a nested pin file, rewriting only the trees on its path', async () => {
    const { name } = await repo()
    expect(await pin(name, '0.2.0', { pinFile: 'src/app/.runtime-version', branch: 'main' })).toMatchObject({ outcome: 'updated' })
    const dir = await cliClone(name)
    expect(await git(['diff-tree', '--no-commit-id', '--name-status', '-r', 'HEAD'], { cwd: dir })).toBe('A\tsrc/app/.runtime-version')
    await git(['fsck', '--strict', '--no-progress'], { cwd: dir })
  })

  it('does everything but the push in a dry run', async () => {
    const { name, tip } = await repo()
    const result = await pin(name, '0.2.0', { dryRun: true })
    expect(result).toMatchObject({ outcome: 'updated', before: '0.1.0', after: '0.2.0', commit: expect.stringMatching(/^[0-9a-f]{40}$/) })
    expect(forge.requestsFor(name, 'git-receive-pack')).toEqual([])
    expect((await forge.history(name))[0]).toBe(tip)
  })

  it('buffers its log through onLog', async () => {
    const { name } = await repo()
    const lines: string[] = []
    await pin(name, '0.2.0', { onLog: (line) => lines.push(line) })
    expect(lines[0]).toMatch(/^attempt 1: main is at [0-9a-f]{7}$/)
    expect(lines.at(-1)).toMatch(/^pushed [0-9a-f]{7} \(0\.1\.0 -> 0\.2\.0\) to main$/)
  })

  it('refuses bad input before any request', async () => {
    const { name } = await repo()
    await expect(pin(name, 'v1.0')).rejects.toMatchObject({ code: 'invalid-version', exit: 2 })
    await expect(pin(name, '1.0.0', { requireFile: '../etc/passwd' })).rejects.toMatchObject({ code: 'invalid-path', exit: 2 })
    await expect(pin(name, '1.0.0', { retries: -1 })).rejects.toMatchObject({ code: 'invalid-retries', exit: 2 })
    expect(forge.requestsFor(name)).toEqual([])
  })
})

describe('pinRemote: signed', () => {
  it('pushes a commit that GnuPG verifies in a clone made by the git CLI', async () => {
    const key = await makeTestKey('ed25519')
    const signingKey = await loadSigningKey({ env: signingEnv(key, false) })
    const { name } = await repo()
    expect(await pin(name, '0.2.0', { signer: signingKey.sign, identity: BOT })).toMatchObject({ outcome: 'updated' })
    const gnupg = await createGnupgHome()
    try {
      await gnupg.importKey(key.publicKeyArmored)
      const dir = await cliClone(name)
      const verified = await gitRun(['verify-commit', '--raw', 'HEAD'], { cwd: dir, env: gnupg.env })
      expect(verified.stderr).toContain('GOODSIG')
      expect(verified.stderr).toContain(`VALIDSIG ${key.fingerprint}`)
      expect(verified.code).toBe(0)
    } finally {
      await gnupg.cleanup()
    }
  })
})

describe('pinRemote: races', () => {
  it('re-reads and re-applies when a hook moves the branch under the push; both commits stay', async () => {
    const { name, tip } = await repo()
    await forge.raceOnce(name)
    const result = await pin(name, '0.2.0')
    expect(result).toMatchObject({ outcome: 'updated', attempts: 2, before: '0.1.0', after: '0.2.0' })
    const [ours, racing] = await forge.history(name)
    expect(ours).toBe(result.commit)
    expect(await forge.git(name, ['log', '-1', '--format=%s', racing])).toBe('racing commit')
    expect(await forge.git(name, ['rev-parse', `${racing}^`])).toBe(tip)
    expect(await forge.readFile(name, 'RACE.txt')).toBe('raced\n')
    expect(await forge.readFile(name, '.runtime-version')).toBe('0.2.0\n')
  })

  it('re-decides on the new tip: a racer that already pinned the version makes it unchanged', async () => {
    const { name } = await repo()
    await forge.raceOnce(name, '.runtime-version', '0.2.0\n')
    expect(await pin(name, '0.2.0')).toMatchObject({ outcome: 'unchanged', attempts: 2 })
    expect(forge.requestsFor(name, 'git-receive-pack').filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('gives up after the retries when the branch keeps moving', async () => {
    const { name } = await repo()
    await forge.setPreReceive(
      name,
      [
        'unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES',
        'while read old new ref; do',
        '  c=$(GIT_AUTHOR_NAME=r GIT_AUTHOR_EMAIL=r@example.com GIT_COMMITTER_NAME=r GIT_COMMITTER_EMAIL=r@example.com git commit-tree "$old^{tree}" -p "$old" -m busy)',
        '  git update-ref "$ref" "$c" "$old"',
        'done',
      ].join('\n'),
    )
    const delays: number[] = []
    const result = await pin(name, '0.2.0', { retries: 2, backoff: (attempt) => (delays.push(attempt), 0) })
    expect(result).toMatchObject({ outcome: 'failed', attempts: 3, reason: 'rejected', error: { code: 'rejected', message: expect.stringContaining('kept moving') } })
    expect(delays).toEqual([2, 3])
  })

  /** An HTTP client that holds a pin's first push until `gate` resolves, and reports when it got there. */
  function gatedClient(gate: Promise<unknown>, arrived: () => void): HttpClient & { destroy(): void } {
    const inner = createHttpClient({ token: forge.tokens.readWrite })
    let held = false
    return {
      async request(req: GitHttpRequest) {
        if (!held && req.url.endsWith('/git-receive-pack')) {
          held = true
          arrived()
          await gate
        }
        return inner.request(req)
      },
      destroy: () => inner.destroy(),
    }
  }

  async function raceTwo(first: string, second: string): Promise<{ name: string; results: Record<string, PinResult> }> {
    const { name } = await repo()
    let secondFetched!: () => void
    const secondReady = new Promise<void>((resolve) => (secondFetched = resolve))
    const firstClient = gatedClient(secondReady, () => {})
    let firstDone!: (r: PinResult) => void
    const firstResult = new Promise<PinResult>((resolve) => (firstDone = resolve))
    const secondClient = gatedClient(firstResult, secondFetched)
    const runs = [
      pin(name, first, { http: firstClient }).then((r) => (firstDone(r), r)),
      pin(name, second, { http: secondClient }),
    ]
    const [a, b] = await Promise.all(runs)
    firstClient.destroy()
    secondClient.destroy()
    return { name, results: { [first]: a, [second]: b } }
  }

  it('two racing pins converge on the higher version when the lower one lands first; both commits stay', async () => {
    const { name, results } = await raceTwo('0.1.7', '0.1.8')
    expect(results['0.1.7']).toMatchObject({ outcome: 'updated', attempts: 1 })
    expect(results['0.1.8']).toMatchObject({ outcome: 'updated', attempts: 2, before: '0.1.7', after: '0.1.8' })
    expect(await forge.readFile(name, '.runtime-version')).toBe('0.1.8\n')
    expect((await forge.history(name)).slice(0, 2)).toEqual([results['0.1.8'].commit, results['0.1.7'].commit])
  })

  it('two racing pins converge on the higher version when the higher one lands first', async () => {
    const { name, results } = await raceTwo('0.1.8', '0.1.7')
    expect(results['0.1.8']).toMatchObject({ outcome: 'updated', attempts: 1 })
    expect(results['0.1.7']).toMatchObject({ outcome: 'skipped', reason: 'downgrade', attempts: 2, before: '0.1.8' })
    expect(await forge.readFile(name, '.runtime-version')).toBe('0.1.8\n')
    expect((await forge.history(name))[0]).toBe(results['0.1.8'].commit)
  })

  it('two pins started together end at the higher version, with every accepted commit in history and no force push', async () => {
    const { name, tip } = await repo()
    forge.latencyMs = 20
    const results = await Promise.all([pin(name, '0.1.7'), pin(name, '0.1.8')])
    forge.latencyMs = 0
    expect(await forge.readFile(name, '.runtime-version')).toBe('0.1.8\n')
    const history = await forge.history(name)
    for (const r of results.filter((r) => r.outcome === 'updated')) expect(history).toContain(r.commit)
    expect(history).toContain(tip)
    // Every push the server accepted moved the branch forward from the tip it had.
    for (const post of forge.requestsFor(name, 'git-receive-pack').filter((r) => r.method === 'POST' && r.status === 200)) {
      for (const update of post.updates ?? []) expect(await forge.git(name, ['merge-base', '--is-ancestor', update.old, update.new]).then(() => true)).toBe(true)
    }
  })
})

describe('pinRemote: failures', () => {
  const SENTINEL = 'sentinel-token-7f3a9c1e5b'

  it('reports a rejected token as auth, and the token appears nowhere', async () => {
    const { name } = await repo()
    const lines: string[] = []
    const result = await pin(name, '0.2.0', { auth: resolveAuth({ env: { PINBOT_TOKEN: SENTINEL } }), onLog: (l) => lines.push(l) })
    expect(result).toMatchObject({ outcome: 'failed', reason: 'auth', attempts: 1, error: { code: 'auth', hint: expect.stringContaining('PINBOT_TOKEN') } })
    // The ls-refs POST sent with the capability GET may still be unanswered (status 0) when the GET's 401 ends the pin.
    expect(new Set(forge.requestsFor(name).map((r) => r.status).filter(Boolean))).toEqual(new Set([401]))
    expect(pushesTo(name)).toEqual([])
    expect(JSON.stringify(result) + lines.join('\n')).not.toContain(SENTINEL)
    expect(JSON.stringify(result)).not.toContain(Buffer.from(`pinbot:${SENTINEL}`).toString('base64'))
  })

  it('reports a read-only token as forbidden at the push', async () => {
    const { name } = await repo()
    const result = await pin(name, '0.2.0', { auth: resolveAuth({ env: { PINBOT_TOKEN: forge.tokens.readOnly } }) })
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'forbidden', hint: expect.stringContaining('write') } })
    expect(await forge.readFile(name, '.runtime-version')).toBe('0.1.0\n')
  })

  it('reports a missing repo as not-found, and an empty one as empty-repo', async () => {
    expect(await pin('acme/no-such-repo', '0.2.0')).toMatchObject({ outcome: 'failed', branch: '', error: { code: 'not-found', hint: expect.stringContaining('case-sensitive') } })
    const { name } = await repo({ empty: true })
    expect(await pin(name, '0.2.0')).toMatchObject({ outcome: 'failed', error: { code: 'empty-repo' } })
    expect(await pin((await repo()).name, '0.2.0', { branch: 'nope' })).toMatchObject({ outcome: 'failed', error: { code: 'branch-not-found' } })
  })

  it('reports a hook rejection as final, with the server\'s message, without retrying', async () => {
    const { name } = await repo()
    await forge.rejectPushes(name, 'protected branch: pushes need review')
    const result = await pin(name, '0.2.0')
    expect(result).toMatchObject({ outcome: 'failed', attempts: 1, error: { code: 'rejected', message: expect.stringContaining('protected branch: pushes need review') } })
    expect(forge.requestsFor(name, 'git-receive-pack').filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('reports an HTTP 500 as http, a dropped connection as network, a hang as timeout', async () => {
    const a = await repo()
    forge.inject({ kind: 'status', status: 500, repo: a.name, service: 'git-upload-pack', method: 'POST' })
    expect(await pinRetryingAtOnce(a.name, '0.2.0')).toMatchObject({ outcome: 'failed', error: { code: 'http', message: expect.stringContaining('500') } })
    const b = await repo()
    forge.inject({ kind: 'drop', repo: b.name, service: 'git-receive-pack', method: 'POST' })
    expect(await pinRetryingAtOnce(b.name, '0.2.0')).toMatchObject({ outcome: 'failed', error: { code: 'network' } })
    const c = await repo()
    forge.inject({ kind: 'hang', repo: c.name, service: 'git-upload-pack', method: 'POST' })
    expect(await pinRetryingAtOnce(c.name, '0.2.0', 300)).toMatchObject({ outcome: 'failed', error: { code: 'timeout' } })
  })

  it('reports an answer that breaks off mid-body as timeout or network, never as a truncated success', async () => {
    const a = await repo()
    forge.inject({ kind: 'stall', repo: a.name, service: 'git-upload-pack', method: 'GET' })
    expect(await pinRetryingAtOnce(a.name, '0.2.0', 300)).toMatchObject({ outcome: 'failed', error: { code: 'timeout' } })
    const b = await repo()
    forge.inject({ kind: 'cut', repo: b.name, service: 'git-upload-pack', method: 'GET' })
    expect(await pinRetryingAtOnce(b.name, '0.2.0')).toMatchObject({ outcome: 'failed', error: { code: 'network' } })
    expect(forge.requestsFor(b.name, 'git-receive-pack')).toEqual([])
  })

  it('re-reads the tip after a push whose answer was lost (it had landed), and says a hung push may have landed', async () => {
    const { name } = await repo()
    forge.inject({ kind: 'cut', repo: name, service: 'git-receive-pack', method: 'POST' })
    const result = await pin(name, '0.2.0')
    expect(result).toMatchObject({ outcome: 'updated', attempts: 2 })
    expect(forge.requestsFor(name, 'git-receive-pack')).toHaveLength(1)
    forge.clearFaults()
    expect(await pin(name, '0.2.0')).toMatchObject({ outcome: 'unchanged' })

    const hung = await repo()
    forge.inject({ kind: 'hang', repo: hung.name, service: 'git-receive-pack', method: 'POST' })
    // Only the push hangs: the reads before it get a margin that a busy machine never needs.
    // No re-attempt: each would re-read, push again and hang again.
    expect(await pin(hung.name, '0.2.0', { timeoutMs: 5000, retries: 0 })).toMatchObject({
      outcome: 'failed',
      error: { code: 'timeout', message: expect.stringContaining('may or may not have landed') },
    })
    forge.clearFaults()
    expect(await pin(hung.name, '0.2.0')).toMatchObject({ outcome: 'updated' })
  })
})
