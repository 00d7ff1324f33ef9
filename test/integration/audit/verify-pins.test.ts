/**
 * `pinbot verify-pins` (the built CLI) on a fleet in the loopback forge that has every
 * condition an audit must tell apart, judged against GnuPG (`git verify-commit` on a
 * clone made by the git CLI) for every pin commit.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as openpgp from 'openpgp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { json, runCli, runCliMany, type CliResult } from '../../support/cli.js'
import { Forge } from '../../support/forge.js'
import { git, gitRun } from '../../support/git.js'
import { createGnupgHome, type GnupgHome } from '../../support/gpg.js'
import { appendCommits, botSigner, expiredKeySigner, HUMAN, type CommitSpec, type TestSigner } from '../../support/history.js'
import { BOT, makeTestKey, type TestKey } from '../../support/keys.js'
import { tempDir } from '../../support/tmp.js'

interface Result {
  repo: string
  branch: string | null
  version: string | null
  status: string
  signature: string | null
  commit: { oid: string; distance: number; author: { name: string; email: string }; committer: { name: string; email: string }; fingerprint?: string } | null
  replacedBotPin: { oid: string; distance: number; version: string | null } | null
  problems: { code: string }[]
  error: { code: string } | null
}
interface Report {
  expected: string | null
  expectedFrom: string
  passed: boolean
  results: Result[]
  counts: Record<string, unknown>
}

let forge: Forge
let gnupg: GnupgHome
let tmp: { dir: string; cleanup: () => Promise<void> }
let bot: TestKey
let manifest: string
const keyFiles: string[] = []

const pin = (version: string) => ({ '.runtime-version': `${version}\n` })
const MALLORY = { name: 'Mallory', email: 'mallory@example.com' }

/** Every repo of the fleet, and what the audit must say about it (with --expect 0.3.0 --key). */
const FLEET: Record<string, { status: string; signature: string | null; version?: string; distance?: number; author?: string }> = {
  'acme/signed': { status: 'ok', signature: 'signed-by-bot', version: '0.3.0', distance: 1, author: BOT.name },
  'acme/hand-edited': { status: 'behind', signature: 'unsigned', version: '0.2.9', distance: 1, author: HUMAN.name },
  'acme/other-key': { status: 'ok', signature: 'signed-by-other-key', version: '0.3.0', distance: 1, author: BOT.name },
  'acme/tampered': { status: 'ok', signature: 'bad-signature', version: '0.3.0', distance: 1, author: BOT.name },
  'acme/deep': { status: 'ok', signature: 'signed-by-bot', version: '0.3.0', distance: 9, author: BOT.name },
  'acme/verbatim': { status: 'ok', signature: 'signed-by-bot', version: '0.3.0', distance: 1, author: BOT.name },
  'acme/expired': { status: 'ok', signature: 'expired-key', version: '0.3.0', distance: 1, author: BOT.name },
  'acme/revoked': { status: 'ok', signature: 'revoked-key', version: '0.3.0', distance: 1, author: BOT.name },
  'acme/behind': { status: 'behind', signature: 'signed-by-bot', version: '0.2.0', distance: 1, author: BOT.name },
  'acme/invalid': { status: 'invalid', signature: 'unsigned', author: HUMAN.name },
  'acme/missing': { status: 'missing', signature: null },
  'acme/gone': { status: 'failed', signature: null },
}

async function keyFile(name: string, armored: string): Promise<string> {
  const file = path.join(tmp.dir, name)
  await writeFile(file, armored)
  keyFiles.push(file)
  return file
}

async function repoWith(name: string, specs: CommitSpec[], history = 3): Promise<void> {
  await forge.createRepo(name, { commits: history, files: { 'Dockerfile': 'FROM runtime\n' } })
  await appendCommits(forge, name, specs)
}

beforeAll(async () => {
  forge = await Forge.start()
  tmp = await tempDir()
  gnupg = await createGnupgHome()
  bot = await makeTestKey('ed25519')
  const sign = await botSigner(bot)
  const mallory = await makeTestKey('ed25519', MALLORY)
  const signAsMallory = await botSigner(mallory)
  const expired = await expiredKeySigner(BOT)
  const revocable = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [BOT], format: 'object' })
  const signRevoked: TestSigner = async (payload) =>
    (await openpgp.sign({ message: await openpgp.createMessage({ binary: Buffer.from(payload) }), signingKeys: revocable.privateKey, detached: true })) as string

  const byBot = (version: string, more: Partial<CommitSpec> = {}): CommitSpec => ({ files: pin(version), sign, author: BOT, message: `chore: pin runtime to ${version}\n`, ...more })
  await repoWith('acme/signed', [byBot('0.3.0')])
  await repoWith('acme/hand-edited', [byBot('0.3.0'), { files: { 'README.md': 'docs\n' } }, { files: pin('0.2.9'), message: 'roll back the runtime\n' }])
  await repoWith('acme/other-key', [byBot('0.3.0', { sign: signAsMallory })])
  await repoWith('acme/tampered', [byBot('0.3.0', { tamperMessage: 'chore: pin runtime to 0.3.0\n\nnothing to see here\n' })])
  await repoWith('acme/deep', [byBot('0.3.0'), ...Array.from({ length: 8 }, (_, i) => ({ files: { [`src/${i}.py`]: `${i}\n` } }))], 30)
  await repoWith('acme/verbatim', [byBot('0.3.0', { message: 'chore: pin runtime to 0.3.0\r\n\n\n' })])
  await repoWith('acme/expired', [byBot('0.3.0', { sign: expired.sign })])
  await repoWith('acme/revoked', [byBot('0.3.0', { sign: signRevoked })])
  await repoWith('acme/behind', [byBot('0.2.0')])
  await repoWith('acme/invalid', [{ files: { '.runtime-version': '0.3.0\r\n' } }])
  await forge.createRepo('acme/missing', { files: { 'Dockerfile': 'FROM runtime\n' } })

  await keyFile('bot.pub', bot.publicKeyArmored)
  await keyFile('expired.pub', expired.publicKeyArmored)
  await keyFile('revoked.pub', (await revocable.privateKey.revoke()).toPublic().armor())
  for (const file of keyFiles) await gnupg.importKey(await readFile(file, 'utf8'))

  manifest = path.join(tmp.dir, 'manifest.json')
  await writeFile(manifest, JSON.stringify({ forge: forge.url, repos: Object.keys(FLEET) }, null, 2))
})

afterAll(async () => {
  await gnupg?.cleanup()
  await forge?.stop()
  await tmp?.cleanup()
})

beforeEach(() => forge.clearLog())

const keyArgs = () => keyFiles.flatMap((file) => ['--key', file])

function verifyPins(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['verify-pins', '--manifest', manifest, ...args], { env: { PINBOT_TOKEN: forge.tokens.readOnly, ...env } })
}

/** GnuPG's verdict on a commit (through `git verify-commit` in a CLI clone), in verify-pins' words. */
async function gnupgVerdict(clone: string, commit: string): Promise<string> {
  const { stderr } = await gitRun(['verify-commit', '--raw', commit], { cwd: clone, env: gnupg.env })
  const words: [RegExp, string][] = [
    [/^\[GNUPG:\] GOODSIG /m, 'signed-by-bot'],
    [/^\[GNUPG:\] BADSIG /m, 'bad-signature'],
    [/^\[GNUPG:\] EXPKEYSIG /m, 'expired-key'],
    [/^\[GNUPG:\] REVKEYSIG /m, 'revoked-key'],
    [/^\[GNUPG:\] (ERRSIG|NO_PUBKEY) /m, 'signed-by-other-key'],
  ]
  return words.find(([pattern]) => pattern.test(stderr))?.[1] ?? (stderr.trim() === '' ? 'unsigned' : `unexpected: ${stderr}`)
}

describe('pinbot verify-pins --key', () => {
  let result: CliResult
  let report: Report
  /** A repo's pack requests (the tip's, then each deepening's); its refs are one ls-refs (and the capabilities, for the first repos). */
  let packRequests: (repo: string) => number
  beforeAll(async () => {
    forge.clearLog()
    result = await verifyPins(['--expect', '0.3.0', ...keyArgs(), '--json'])
    report = json<Report>(result)
    const log = [...forge.requests]
    packRequests = (repo) => log.filter((r) => r.repo === repo && r.method === 'POST' && r.service === 'git-upload-pack' && !r.protocol).length
  })

  it('tells every condition apart, in manifest order, and exits 1', () => {
    expect(result.code, result.stderr).toBe(1)
    expect(report).toMatchObject({ expected: '0.3.0', expectedFrom: 'expect', passed: false })
    const seen = Object.fromEntries(report.results.map((r) => [r.repo, { status: r.status, signature: r.signature }]))
    const wanted = Object.fromEntries(Object.entries(FLEET).map(([repo, w]) => [repo, { status: w.status, signature: w.signature }]))
    expect(seen).toEqual(wanted)
    expect(report.results.map((r) => r.repo)).toEqual(Object.keys(FLEET))
  })

  it('names the last pin commit, how far back it is, and who made it', () => {
    for (const r of report.results) {
      const want = FLEET[r.repo]
      if (want.distance) expect(r.commit, r.repo).toMatchObject({ distance: want.distance })
      if (want.author) expect(r.commit?.author.name, r.repo).toBe(want.author)
      if (want.version) expect(r.version, r.repo).toBe(want.version)
    }
    const handEdited = report.results.find((r) => r.repo === 'acme/hand-edited')!
    expect(handEdited.commit).toMatchObject({ author: { name: HUMAN.name, email: HUMAN.email }, committer: { email: HUMAN.email } })
    expect(handEdited.replacedBotPin).toMatchObject({ distance: 3, version: '0.3.0' })
    for (const r of report.results) if (r.repo !== 'acme/hand-edited') expect(r.replacedBotPin, r.repo).toBeNull()
    expect(report.results.find((r) => r.repo === 'acme/signed')!.commit?.fingerprint).toBe(bot.fingerprint)
  })

  it('reports the pin problems and the remote failure per repo', () => {
    const invalid = report.results.find((r) => r.repo === 'acme/invalid')!
    expect(invalid.problems.map((p) => p.code)).toEqual(['crlf'])
    expect(report.results.find((r) => r.repo === 'acme/missing')!.problems.map((p) => p.code)).toEqual(['missing'])
    const gone = report.results.find((r) => r.repo === 'acme/gone')!
    expect(gone).toMatchObject({ branch: null, version: null, commit: null, error: { code: 'not-found' } })
    expect(report.counts).toMatchObject({ total: 12, ok: 7, behind: 2, invalid: 1, missing: 1, failed: 1 })
  })

  it('agrees with GnuPG (git verify-commit on a git CLI clone) on every pin commit', async () => {
    const checked: string[] = []
    for (const r of report.results) {
      if (!r.commit) continue
      const clone = path.join(tmp.dir, `clone-${r.repo.replace('/', '-')}`)
      await git(['clone', '--quiet', '--bare', forge.authedUrl(r.repo, forge.tokens.readOnly), clone])
      // The pin commit is really the last one that changed the file, by git's own account.
      expect(await git(['log', '-1', '--format=%H', 'HEAD', '--', '.runtime-version'], { cwd: clone }), r.repo).toBe(r.commit.oid)
      expect(await gnupgVerdict(clone, r.commit.oid), r.repo).toBe(r.signature)
      checked.push(r.repo)
    }
    expect(checked).toHaveLength(10)
  })

  it('deepens only where the pin commit (or the bot pin a hand edit replaced) is older than the tip', () => {
    // Reading the tip: the refs, then one pack.
    expect(packRequests('acme/signed')).toBe(1)
    expect(packRequests('acme/other-key')).toBe(1)
    // The bot's pin is 3 back: depth 2, then 8 (1 more: the tip is known).
    expect(packRequests('acme/hand-edited')).toBe(2)
    // depth 2, then 8, then 32 (the pin commit is the 9th from the tip).
    expect(packRequests('acme/deep')).toBe(3)
  })
})

describe('pinbot verify-pins', () => {
  it('without --key costs at most 2 round trips (3 HTTP requests) per repo, and checks no signature', async () => {
    const result = await verifyPins(['--json'])
    expect(result.code).toBe(1)
    const report = json<Report>(result)
    // No --expect: the highest version in the fleet is the reference.
    expect(report).toMatchObject({ expected: '0.3.0', expectedFrom: 'fleet' })
    expect(report.results.every((r) => r.signature === null && r.commit === null)).toBe(true)
    for (const repo of Object.keys(FLEET)) {
      const requests = forge.requestsFor(repo)
      expect(requests.length, repo).toBeGreaterThan(0)
      expect(requests.length, repo).toBeLessThanOrEqual(3)
      expect(requests.every((r) => r.auth && r.service === 'git-upload-pack'), repo).toBe(true)
    }
    expect(forge.requests.filter((r) => r.repo === '')).toEqual([])
  })

  it('exits 0 and prints the table when every repo is ok and signed by the bot', async () => {
    const result = await verifyPins(['--only', 'acme/signed', '--only', 'acme/deep', '--key', keyFiles[0]])
    expect(result.code, result.stderr).toBe(0)
    // The first line comes at once, before any repo is read; then the table.
    const [first, ...lines] = result.stdout.split('\n')
    expect(first).toBe('verify-pins: 2 repos, 64 at a time, checking signatures')
    expect(lines[0]).toMatch(/^repo\s+branch\s+version\s+status\s+signature\s+last pin commit\s+age$/)
    expect(lines[2]).toMatch(/^acme\/signed\s+main\s+0\.3\.0\s+ok\s+signed-by-bot\s+[0-9a-f]{10} Pin Bot\s+\d+d$/)
    expect(result.stdout).toContain('2 repos, expected 0.3.0 (highest in the fleet): 2 ok; signatures: 2 signed-by-bot')
  })

  it('explains a hand edit, with the human who made it and what to do', async () => {
    const result = await verifyPins(['--only', 'acme/hand-edited', '--key', keyFiles[0]])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/the last change to \.runtime-version, [0-9a-f]{10} by Jane Maintainer <jane@example\.com>, is not signed\n  a hand edit after the bot's signed pin [0-9a-f]{10} \(0\.3\.0\)\n/)
    expect(result.stdout).toContain('re-pin with `pinbot cascade`')
  })

  it('without --expect or --key, a fleet on one valid version passes', async () => {
    const result = await verifyPins(['--only', 'acme/signed', '--only', 'acme/tampered'])
    expect(result.code, result.stdout).toBe(0)
  })

  it("skips repos without the manifest's requireFile, as cascade does, and still passes", async () => {
    await forge.createRepo('acme/library', { files: pin('0.1.0') })
    const withRequire = path.join(tmp.dir, 'require.json')
    await writeFile(withRequire, JSON.stringify({ forge: forge.url, repos: ['acme/signed', 'acme/library'], requireFile: 'Dockerfile' }))
    const result = await runCli(['verify-pins', '--manifest', withRequire, '--key', keyFiles[0], '--json'], { env: { PINBOT_TOKEN: forge.tokens.readOnly } })
    expect(result.code, result.stderr).toBe(0)
    const report = json<Report>(result)
    expect(report.results.map((r) => [r.repo, r.status, r.signature])).toEqual([
      ['acme/signed', 'ok', 'signed-by-bot'],
      ['acme/library', 'skipped', null],
    ])
    expect(report.expected).toBe('0.3.0')
    // Skipped after the tip: no deepening, no signature check.
    expect(forge.requestsFor('acme/library').filter((r) => r.method === 'POST' && !r.protocol)).toHaveLength(1)
  })

  it('names the new URL of a repo whose first request was redirected: update the manifest', async () => {
    forge.inject({ kind: 'redirect', repo: 'acme/renamed-signed', location: forge.repoUrl('acme/signed') })
    const moved = path.join(tmp.dir, 'moved.json')
    await writeFile(moved, JSON.stringify({ forge: forge.url, repos: ['acme/renamed-signed'] }))
    const [machine, human] = [
      await runCli(['verify-pins', '--manifest', moved, '--json'], { env: { PINBOT_TOKEN: forge.tokens.readOnly } }),
      await runCli(['verify-pins', '--manifest', moved], { env: { PINBOT_TOKEN: forge.tokens.readOnly } }),
    ]
    forge.clearFaults()
    expect(json<Report>(machine).results[0]).toMatchObject({ repo: 'acme/renamed-signed', status: 'ok', movedTo: forge.repoUrl('acme/signed') })
    expect(human.stdout).toContain(`moved to ${forge.repoUrl('acme/signed')}: update the manifest to that URL`)
  })

  it('appends a Markdown summary to GITHUB_STEP_SUMMARY and annotates failures in Actions', async () => {
    const summary = path.join(tmp.dir, 'summary.md')
    await writeFile(summary, '# earlier step\n')
    const result = await verifyPins(['--expect', '0.3.0', '--key', keyFiles[0], '--only', 'acme/signed', '--only', 'acme/invalid'], {
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_ACTIONS: 'true',
    })
    expect(result.code).toBe(1)
    const markdown = await readFile(summary, 'utf8')
    expect(markdown.startsWith('# earlier step\n## pinbot verify-pins: pins need attention\n')).toBe(true)
    expect(markdown).toContain('| repo | branch | version | status | signature | last pin commit | age |')
    expect(markdown).toMatch(/\| acme\/signed \| main \| 0\.3\.0 \| ok \| signed-by-bot \| `[0-9a-f]{10}` Pin Bot \| \d+d \|/)
    expect(markdown).toContain('- **acme/invalid**: .runtime-version:1:6: Windows line ending')
    expect(result.stderr).toMatch(/^::error title=pinbot verify-pins%3A acme\/invalid::\.runtime-version:1:6: /m)
    expect(result.stderr).not.toContain('acme/signed')
  })

  it('classifies a rejected token per repo and never prints it', async () => {
    const token = 'wrong-token-0123456789'
    const result = await verifyPins(['--only', 'acme/signed', '--json'], { PINBOT_TOKEN: token })
    expect(result.code).toBe(1)
    expect(json<Report>(result).results[0].error).toMatchObject({ code: 'auth' })
    expect(result.stdout + result.stderr).not.toContain(token)
  })

  it('exits 2 on bad input, before any request', async () => {
    const badManifest = path.join(tmp.dir, 'bad.json')
    await writeFile(badManifest, '{ "forge": "ftp://x", "repos": [] }')
    const garbageKey = path.join(tmp.dir, 'garbage.pub')
    await writeFile(garbageKey, 'not a key')
    const cases: [string[], string][] = [
      [['--expect', 'v0.3.0'], 'invalid version "v0.3.0"'],
      [['--key', path.join(tmp.dir, 'absent.pub')], 'cannot be read'],
      [['--key', garbageKey], 'holds neither an OpenPGP key nor SSH public keys or allowed_signers lines'],
      [['--max-depth', '0'], 'max-depth'],
      [['--concurrency', '0'], 'concurrency'],
      [['--only', 'acme/unknown'], 'not in the manifest'],
      [['--timeout', 'soon'], '--timeout expects a number of seconds from 0.001'],
      [['--repo-timeout', '0'], '--repo-timeout expects a number of seconds from 0.001'],
      [['--repo-timeout', '0.0001'], '--repo-timeout expects a number of seconds from 0.001'],
    ]
    // The table in one process (cli-batch.mjs); the manifest case below as its own process.
    const results = await runCliMany(cases.map(([args]) => ({ args: ['verify-pins', '--manifest', manifest, ...args], env: { PINBOT_TOKEN: forge.tokens.readOnly } })))
    cases.forEach(([args, message], i) => {
      expect(results[i].code, args.join(' ')).toBe(2)
      expect(results[i].stderr, args.join(' ')).toContain(message)
    })
    const invalidManifest = await runCli(['verify-pins', '--manifest', badManifest], { env: { PINBOT_TOKEN: forge.tokens.readOnly } })
    expect(invalidManifest.code).toBe(2)
    expect(invalidManifest.stderr).toContain('invalid manifest')
    expect(forge.requests).toEqual([])
  })
})
