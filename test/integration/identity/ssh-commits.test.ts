/**
 * SSH-signed commits end to end, judged by git and ssh-keygen: what `pin` (local),
 * `pin --remote` and `cascade` commit with an SSH key passes `git verify-commit` with
 * gpg.format=ssh and `ssh-keygen -Y verify`; what git itself signs with SSH keys (with and
 * without passphrase) is good in pinbot's `verify-commit` and `verify-pins`; a tampered
 * payload, another key and an allowed_signers entry outside its validity are told apart.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, runCli } from '../../support/cli.js'
import { Forge } from '../../support/forge.js'
import { readVerificationKeys } from '../../../src/identity/verification-keys.js'
import { verifyCommit as verifyCommitInProcess } from '../../../src/identity/verify-commit.js'
import { git, gitRun } from '../../support/git.js'
import { allowedSigner, gitSshSigningEnv, makeSshKey, sshKeygenVerify, writeAllowedSigners, type SshTestKey } from '../../support/ssh.js'
import { tempDir, type TempDir } from '../../support/tmp.js'

const TEMPLATE = { '.runtime-version': '0.1.0\n', '.github/workflows/publish-image.yml': 'on: push\n' }
const AUTHOR = ['--author-name', 'Pin Bot']
let forge: Forge
let work: TempDir
let bot: SshTestKey
let locked: SshTestKey
let stranger: SshTestKey
let allowed: string
let n = 0

beforeAll(async () => {
  ;[forge, work] = await Promise.all([Forge.start(), tempDir()])
  ;[bot, locked, stranger] = await Promise.all([
    makeSshKey(work.dir, 'bot'),
    makeSshKey(work.dir, 'bot-locked', { passphrase: 'ssh bot passphrase 9' }),
    makeSshKey(work.dir, 'stranger', { comment: 'stranger@example.com' }),
  ])
  allowed = await writeAllowedSigners(path.join(work.dir, 'allowed_signers'), [allowedSigner(bot), allowedSigner(locked, 'pinbot@example.com', 'namespaces="git"')])
})
afterAll(() => Promise.all([forge.stop(), work.cleanup()]))

async function clone(name: string): Promise<string> {
  const dir = path.join(work.dir, `clone-${++n}`)
  await git(['clone', '--quiet', forge.authedUrl(name), dir])
  return dir
}

/** The commit's signed payload and its gpgsig signature, split as git splits them (by hand, not by pinbot's code). */
async function payloadAndSignature(dir: string, rev: string): Promise<{ payload: string; signature: string }> {
  const raw = await git(['cat-file', 'commit', rev], { cwd: dir })
  const [headers, ...message] = raw.split('\n\n')
  const kept: string[] = []
  const signature: string[] = []
  let inSignature = false
  for (const line of headers.split('\n')) {
    if (line.startsWith('gpgsig ')) (inSignature = true), signature.push(line.slice('gpgsig '.length))
    else if (inSignature && line.startsWith(' ')) signature.push(line.slice(1))
    else (inSignature = false), kept.push(line)
  }
  return { payload: `${kept.join('\n')}\n\n${message.join('\n\n')}\n`, signature: `${signature.join('\n')}\n` }
}

/** git's and ssh-keygen's verdicts on rev: both must say good. */
async function expectGitAndSshKeygenAccept(dir: string, rev: string): Promise<void> {
  const verified = await gitRun(['-c', 'gpg.format=ssh', '-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', rev], { cwd: dir })
  expect(verified.code, verified.stderr).toBe(0)
  expect(verified.stderr).toContain('Good "git" signature for pinbot@example.com with ED25519 key')
  const { payload, signature } = await payloadAndSignature(dir, rev)
  const sshKeygen = await sshKeygenVerify({ dir: work.dir, payload, signature, allowedSigners: allowed })
  expect(sshKeygen.code, sshKeygen.stderr).toBe(0)
}

describe('commits pinbot signs with an SSH key', () => {
  it('pin (local checkout): git verify-commit and ssh-keygen -Y verify accept it', async () => {
    const name = `ssh/local-${++n}`
    await forge.createRepo(name, { files: TEMPLATE })
    const dir = await clone(name)
    const result = await runCli(['pin', '0.2.0', '--dir', dir, '--commit', '--signing-key', bot.file, ...AUTHOR])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`(signed by key ${bot.fingerprint})`)
    expect(await git(['log', '-1', '--format=%an <%ae>', 'HEAD'], { cwd: dir })).toBe('Pin Bot <pinbot@example.com>')
    await expectGitAndSshKeygenAccept(dir, 'HEAD')
  })

  it('pin --remote with a passphrase-protected key from PINBOT_SIGNING_KEY: the pushed commit verifies', async () => {
    const name = `ssh/remote-${++n}`
    await forge.createRepo(name, { files: TEMPLATE, commits: 2 })
    const env = { PINBOT_TOKEN: forge.tokens.readWrite, PINBOT_SIGNING_KEY: await readFile(locked.file, 'utf8'), PINBOT_SIGNING_PASSPHRASE: locked.passphrase }
    const result = await runCli(['pin', '0.2.0', '--remote', forge.repoUrl(name), ...AUTHOR], { env })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`(signed by key ${locked.fingerprint})`)
    await expectGitAndSshKeygenAccept(await clone(name), 'HEAD')
    // A wrong passphrase is bad input: exit 2 before any request. Secrets stay secret.
    forge.clearLog()
    const wrong = await runCli(['pin', '0.3.0', '--remote', forge.repoUrl(name), ...AUTHOR], { env: { ...env, PINBOT_SIGNING_PASSPHRASE: 'wrong' } })
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain(`Error: wrong passphrase for signing key ${locked.fingerprint}`)
    expect(forge.requestsFor(name)).toEqual([])
    const privateLines = env.PINBOT_SIGNING_KEY.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'))
    for (const output of [result, wrong]) {
      for (const secret of [...privateLines, locked.passphrase!]) expect(output.stdout + output.stderr).not.toContain(secret)
    }
  })

  it('cascade: every pushed commit verifies', async () => {
    const names = [`ssh/cascade-a-${++n}`, `ssh/cascade-b-${n}`, `ssh/cascade-c-${n}`]
    await Promise.all(names.map((name) => forge.createRepo(name, { files: TEMPLATE })))
    const manifest = path.join(work.dir, `cascade-${n}.json`)
    await writeFile(manifest, JSON.stringify({ forge: forge.url, repos: names, author: { name: 'Pin Bot', email: 'pinbot@example.com' } }))
    const result = await runCli(['cascade', '--manifest', manifest, '--version', '0.3.0', '--json'], { env: { PINBOT_TOKEN: forge.tokens.readWrite, PINBOT_SIGNING_KEY: await readFile(bot.file, 'utf8') } })
    expect(result.code, result.stderr).toBe(0)
    expect(json<{ counts: { updated: number } }>(result).counts.updated).toBe(3)
    for (const name of names) await expectGitAndSshKeygenAccept(await clone(name), 'HEAD')
  })
})

describe('commits git signs with SSH keys, judged by pinbot', () => {
  let dir: string
  const commits: Record<string, string> = {}
  let manifest: string
  beforeAll(async () => {
    const name = `ssh/by-git-${++n}`
    await forge.createRepo(name, { files: TEMPLATE })
    dir = await clone(name)
    const commitAs = async (key: SshTestKey, version: string, date: string) => {
      await writeFile(path.join(dir, '.runtime-version'), `${version}\n`)
      await git(['commit', '-q', '-am', `chore: pin runtime to ${version}`], {
        cwd: dir,
        env: { ...(await gitSshSigningEnv(work.dir, key)), GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date },
      })
      return git(['rev-parse', 'HEAD'], { cwd: dir })
    }
    commits.stranger = await commitAs(stranger, '0.1.5', '2024-05-01T12:00:00Z')
    commits.plain = await commitAs(bot, '0.1.6', '2024-06-01T12:00:00Z')
    commits.locked = await commitAs(locked, '0.2.0', '2024-06-01T12:00:00Z')
    await git(['push', '-q', 'origin', 'HEAD'], { cwd: dir })
    // The same commit with one byte of its message changed, its signature kept.
    const raw = await git(['cat-file', 'commit', commits.plain], { cwd: dir })
    commits.tampered = await git(['hash-object', '-t', 'commit', '-w', '--stdin'], { cwd: dir, input: `${raw.replace('0.1.6', '0.1.7')}\n` })
    manifest = path.join(work.dir, 'audit.json')
    await writeFile(manifest, JSON.stringify({ forge: forge.url, repos: [name] }))
  })

  /** pinbot's verdict, in-process (the CLI is sampled once below). */
  const verifyCommit = async (rev: string, keyFile = allowed) => verifyCommitInProcess({ dir, rev, keys: await readVerificationKeys([keyFile]) })
  const gitVerdict = async (rev: string, signers = allowed) =>
    (await gitRun(['-c', 'gpg.format=ssh', '-c', `gpg.ssh.allowedSignersFile=${signers}`, 'verify-commit', rev], { cwd: dir })).code

  it('without and with a passphrase: good, as git says', async () => {
    for (const [rev, key] of [[commits.plain, bot], [commits.locked, locked]] as const) {
      expect(await gitVerdict(rev)).toBe(0)
      expect(await verifyCommit(rev)).toEqual({ commit: rev, status: 'good', format: 'ssh', fingerprint: key.fingerprint, principal: 'pinbot@example.com' })
    }
    expect(await verifyCommit(commits.plain, `${bot.file}.pub`)).toMatchObject({ status: 'good', format: 'ssh' })
    const cli = await runCli(['verify-commit', commits.locked, '--dir', dir, '--key', allowed, '--json'])
    expect(cli.code, cli.stderr).toBe(0)
    expect(json(cli)).toEqual({ commit: commits.locked, status: 'good', format: 'ssh', fingerprint: locked.fingerprint, principal: 'pinbot@example.com' })
    const human = await runCli(['verify-commit', commits.stranger, '--dir', dir, '--key', allowed])
    expect(human.code).toBe(1)
    expect(human.stdout).toBe(`${commits.stranger}: unknown-key (SSH key ${stranger.fingerprint}): the commit was signed by a key that is not among the given keys\n`)
  })

  it('a tampered payload is bad-signature; another key is unknown-key; git fails both', async () => {
    expect(await gitVerdict(commits.tampered)).not.toBe(0)
    expect(await verifyCommit(commits.tampered)).toMatchObject({ status: 'bad-signature', format: 'ssh', fingerprint: bot.fingerprint })
    expect(await gitVerdict(commits.stranger)).not.toBe(0)
    expect(await verifyCommit(commits.stranger)).toMatchObject({ status: 'unknown-key', format: 'ssh', fingerprint: stranger.fingerprint })
  })

  it('an allowed_signers entry outside its validity at the committer time is expired-key, as git refuses it', async () => {
    const expired = await writeAllowedSigners(path.join(work.dir, 'allowed-expired'), [allowedSigner(bot, 'pinbot@example.com', 'valid-before="20240601115959Z"')])
    expect(await gitVerdict(commits.plain, expired)).not.toBe(0)
    expect(await verifyCommit(commits.plain, expired)).toMatchObject({ status: 'expired-key', format: 'ssh', principal: 'pinbot@example.com' })
    const notYet = await writeAllowedSigners(path.join(work.dir, 'allowed-not-yet'), [allowedSigner(bot, 'pinbot@example.com', 'valid-after="20240602"')])
    expect(await gitVerdict(commits.plain, notYet)).not.toBe(0)
    expect(await verifyCommit(commits.plain, notYet)).toMatchObject({ status: 'expired-key' })
    const inside = await writeAllowedSigners(path.join(work.dir, 'allowed-inside'), [allowedSigner(bot, 'pinbot@example.com', 'valid-after="20240101",valid-before="20240601120000Z"')])
    expect(await gitVerdict(commits.plain, inside)).toBe(0)
    expect(await verifyCommit(commits.plain, inside)).toMatchObject({ status: 'good' })
    const otherNamespace = await writeAllowedSigners(path.join(work.dir, 'allowed-file-ns'), [allowedSigner(bot, 'pinbot@example.com', 'namespaces="file"')])
    expect(await gitVerdict(commits.plain, otherNamespace)).not.toBe(0)
    expect(await verifyCommit(commits.plain, otherNamespace)).toMatchObject({ status: 'unknown-key' })
  })

  it('verify-pins --key allowed_signers: the pin git signed is signed-by-bot, with the format', async () => {
    const result = await runCli(['verify-pins', '--manifest', manifest, '--key', allowed, '--json'], { env: { PINBOT_TOKEN: forge.tokens.readOnly } })
    expect(result.code, result.stderr).toBe(0)
    const report = json<{ results: Array<{ signature: string; commit: Record<string, unknown> }> }>(result)
    expect(report.results[0].signature).toBe('signed-by-bot')
    expect(report.results[0].commit).toMatchObject({ oid: commits.locked, format: 'ssh', fingerprint: locked.fingerprint, principal: 'pinbot@example.com' })
  })
})
