/**
 * `pinbot verify-commit` against `git verify-commit` (GnuPG) on the same commits: signed by
 * GnuPG itself, signed by us, tampered, unsigned, by an unknown key, by an expired key and by
 * a revoked key. Both see the same public keys.
 */
import fs from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as isogit from 'isomorphic-git'
import * as openpgp from 'openpgp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitSigningOptions } from '../../../src/identity/commit-signature.js'
import { loadSigningKey } from '../../../src/identity/signing-key.js'
import type { Signer } from '../../../src/identity/signing.js'
import { json, runCli, runCliMany } from '../../support/cli.js'
import { git, gitRun } from '../../support/git.js'
import { createGnupgHome, type GnupgHome } from '../../support/gpg.js'
import { BOT, makeTestKey, signingEnv, type TestKey } from '../../support/keys.js'
import { tempDir } from '../../support/tmp.js'

let tmp: { dir: string; cleanup: () => Promise<void> }
let gnupg: GnupgHome
let repo: string
let bot: TestKey
const keyFiles: string[] = []
const commits: Record<string, string> = {}

/** Sign with a key as of a past date (for a key that has expired since). */
function signerAt(privateKey: openpgp.PrivateKey, date?: Date): Signer {
  return async (payload) =>
    openpgp.sign({ message: await openpgp.createMessage({ binary: new TextEncoder().encode(payload) }), signingKeys: privateKey, detached: true, date })
}

async function commitSignedBy(signer: Signer, message: string): Promise<string> {
  await writeFile(path.join(repo, 'file.txt'), message)
  await git(['add', 'file.txt'], { cwd: repo })
  const tree = await git(['write-tree'], { cwd: repo })
  return isogit.commit({ fs, dir: repo, message, tree, author: BOT, ...commitSigningOptions(signer) })
}

async function publicKeyFile(name: string, armored: string): Promise<string> {
  const file = path.join(tmp.dir, name)
  await writeFile(file, armored)
  keyFiles.push(file)
  return file
}

beforeAll(async () => {
  tmp = await tempDir()
  gnupg = await createGnupgHome()
  repo = path.join(tmp.dir, 'repo')
  await git(['init', '-q', '-b', 'main', repo])

  // A commit signed by GnuPG itself, with a key GnuPG generated.
  const made = await gnupg.gpg(['--passphrase', '', '--quick-gen-key', 'Fixture Signer <signer@example.com>', 'ed25519', 'sign', 'never'])
  expect(made.code, made.stderr).toBe(0)
  const exported = await gnupg.gpg(['--armor', '--export', 'signer@example.com'])
  await publicKeyFile('gnupg.pub', exported.stdout)
  await writeFile(path.join(repo, 'file.txt'), 'by gnupg\n')
  await git(['add', 'file.txt'], { cwd: repo })
  await git(['-c', 'user.signingkey=signer@example.com', 'commit', '-q', '-S', '-m', 'signed by gnupg'], { cwd: repo, env: gnupg.env })
  commits.gnupg = await git(['rev-parse', 'HEAD'], { cwd: repo })
  // A message git keeps verbatim (CR, trailing blank lines): the payload must be the raw bytes.
  const verbatim = ['-c', 'user.signingkey=signer@example.com', 'commit', '-q', '-S', '--allow-empty', '--cleanup=verbatim', '-m', 'subject\r\n\n\n']
  await git(verbatim, { cwd: repo, env: gnupg.env })
  commits.verbatim = await git(['rev-parse', 'HEAD'], { cwd: repo })

  // Ours, and the same commit with its message altered after signing.
  bot = await makeTestKey('ed25519')
  await publicKeyFile('bot.pub', bot.publicKeyArmored)
  commits.ours = await commitSignedBy((await loadSigningKey({ env: signingEnv(bot, true) })).sign, 'chore: pin runtime to 0.2.0\n')
  const raw = await git(['cat-file', 'commit', commits.ours], { cwd: repo })
  commits.tampered = await git(['hash-object', '-t', 'commit', '-w', '--stdin'], { cwd: repo, input: `${raw.replace('0.2.0', '9.9.9')}\n` })

  await git(['commit', '-q', '--allow-empty', '-m', 'unsigned'], { cwd: repo })
  commits.unsigned = await git(['rev-parse', 'HEAD'], { cwd: repo })

  const stranger = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Stranger', email: 'x@example.com' }], format: 'object' })
  commits.unknown = await commitSignedBy(signerAt(stranger.privateKey), 'by a stranger\n')

  // Valid when it signed, expired now.
  const hourAgo = new Date(Date.now() - 3_600_000)
  const expiring = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [BOT], date: hourAgo, keyExpirationTime: 600, format: 'object' })
  await publicKeyFile('expired.pub', expiring.publicKey.armor())
  commits.expired = await commitSignedBy(signerAt(expiring.privateKey, new Date(hourAgo.getTime() + 60_000)), 'by a key that has expired since\n')

  const revocable = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [BOT], format: 'object' })
  commits.revoked = await commitSignedBy(signerAt(revocable.privateKey), 'by a key revoked since\n')
  await publicKeyFile('revoked.pub', (await revocable.privateKey.revoke()).toPublic().armor())

  for (const file of keyFiles) await gnupg.gpg(['--import', file])
})
afterAll(async () => {
  await gnupg.cleanup()
  await tmp.cleanup()
})

const keyArgs = () => keyFiles.flatMap((file) => ['--key', file])

/** GnuPG's verdict through git, in pinbot's vocabulary. */
async function gitVerdict(commit: string): Promise<{ code: number; status: string }> {
  const result = await gitRun(['verify-commit', '--raw', commit], { cwd: repo, env: gnupg.env })
  const statuses: [RegExp, string][] = [
    [/GOODSIG/, 'good'],
    [/BADSIG/, 'bad-signature'],
    [/EXPKEYSIG/, 'expired-key'],
    [/REVKEYSIG/, 'revoked-key'],
    [/NO_PUBKEY|ERRSIG/, 'unknown-key'],
  ]
  const status = statuses.find(([pattern]) => pattern.test(result.stderr))?.[1] ?? (result.stderr.trim() === '' ? 'unsigned' : 'other')
  return { code: result.code, status }
}

describe('pinbot verify-commit agrees with git verify-commit', () => {
  it('on every kind of commit: good (GnuPG, verbatim, ours), tampered, unsigned, unknown, expired and revoked keys', async () => {
    const cases = [
      ['gnupg', 'good'],
      ['verbatim', 'good'],
      ['ours', 'good'],
      ['tampered', 'bad-signature'],
      ['unsigned', 'unsigned'],
      ['unknown', 'unknown-key'],
      ['expired', 'expired-key'],
      ['revoked', 'revoked-key'],
    ]
    // pinbot's verdicts in one process (cli-batch.mjs); the first also as its own process.
    const [results, judges, sample] = await Promise.all([
      runCliMany(cases.map(([name]) => ({ args: ['verify-commit', commits[name], '--dir', repo, ...keyArgs(), '--json'] }))),
      Promise.all(cases.map(([name]) => gitVerdict(commits[name]))),
      runCli(['verify-commit', commits.gnupg, '--dir', repo, ...keyArgs(), '--json']),
    ])
    expect(sample).toEqual(results[0])
    for (const [i, [name, expected]] of cases.entries()) {
      const [result, judge] = [results[i], judges[i]]
      expect(judge.status, name).toBe(expected)
      expect(json(result), name).toMatchObject({ commit: commits[name], status: expected })
      expect(result.code === 0, name).toBe(judge.code === 0)
      expect(result.code, name).toBe(expected === 'good' ? 0 : 1)
    }
  })
})

describe('pinbot verify-commit', () => {
  it("names the signer and the key's fingerprint", async () => {
    const result = await runCli(['verify-commit', commits.ours, '--dir', repo, '--key', keyFiles[1]])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.trim()).toBe(`${commits.ours}: good signature by Pin Bot <pinbot@example.com>, key ${bot.fingerprint}`)
  })

  it("reports a good GnuPG signature as unknown-key when only the bot's key is given", async () => {
    const result = await runCli(['verify-commit', commits.gnupg.slice(0, 10), '--dir', repo, '--key', keyFiles[1]])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(new RegExp(`^${commits.gnupg}: unknown-key \\(key [0-9A-F]{40}\\): the commit was signed by a key that is not among`))
  })

  it('resolves HEAD by default, branches, annotated tags and short ids, also from a subdirectory and a linked worktree', async () => {
    expect(await git(['rev-parse', 'HEAD'], { cwd: repo })).toBe(commits.revoked)
    await git(['tag', '-a', '-m', 'release', 'v1', commits.ours], { cwd: repo })
    await git(['branch', 'pinned', commits.ours], { cwd: repo })
    await git(['worktree', 'add', '-q', '--detach', path.join(tmp.dir, 'linked'), commits.ours], { cwd: repo })
    await mkdir(path.join(repo, 'sub'), { recursive: true })
    const check = async (args: string[]) => json(await runCli(['verify-commit', ...args, '--key', keyFiles[1], '--json']))
    expect(await check(['--dir', repo])).toMatchObject({ commit: commits.revoked, status: 'unknown-key' })
    expect(await check(['v1', '--dir', path.join(repo, 'sub')])).toMatchObject({ commit: commits.ours, status: 'good' })
    expect(await check(['pinned', '--dir', repo])).toMatchObject({ commit: commits.ours, status: 'good' })
    expect(await check([commits.ours.slice(0, 7), '--dir', repo])).toMatchObject({ commit: commits.ours, status: 'good' })
    expect(await check(['--dir', path.join(tmp.dir, 'linked')])).toMatchObject({ commit: commits.ours, status: 'good' })
  })

  it('takes any revision git takes: HEAD~1, reflog entries, peeled tags', async () => {
    const check = async (rev: string) => json(await runCli(['verify-commit', rev, '--dir', repo, '--key', keyFiles[1], '--json']))
    for (const rev of ['HEAD~1', 'main~1', 'HEAD@{1}', 'v1^{commit}']) {
      expect(await check(rev), rev).toMatchObject({ commit: await git(['rev-parse', '--verify', `${rev}^{commit}`], { cwd: repo }) })
    }
  })

  it('exits 2 with a clear error for bad input', async () => {
    const garbage = path.join(tmp.dir, 'garbage.pub')
    await writeFile(garbage, 'not a key')
    const cases: [string[], string][] = [
      [['HEAD~999', '--dir', repo, '--key', keyFiles[1]], '"HEAD~999" is not a revision in'],
      [['--dir', repo, '--key', keyFiles[1], '--', '--output=x'], '"--output=x" is not a revision in'],
      [['--dir', tmp.dir, '--key', keyFiles[1]], `${tmp.dir} is not inside a git checkout`],
      [['--dir', repo, '--key', garbage], `${garbage} holds neither an OpenPGP key nor SSH public keys or allowed_signers lines`],
      [['--dir', repo], 'Missing required flag key'],
      [[`${await git(['rev-parse', 'HEAD^{tree}'], { cwd: repo })}`, '--dir', repo, '--key', keyFiles[1]], 'names a tree, not a commit'],
    ]
    // The table in one process (cli-batch.mjs), its first case also as its own process.
    const results = await runCliMany(cases.map(([args]) => ({ args: ['verify-commit', ...args] })))
    results.push(await runCli(['verify-commit', ...cases[0][0]]))
    cases.push(cases[0])
    for (const [i, [args, message]] of cases.entries()) {
      expect(results[i].code, args.join(' ')).toBe(2)
      expect(results[i].stderr).toContain(message)
    }
  })
})
