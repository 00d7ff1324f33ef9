/**
 * Commits built with isomorphic-git in a repository on disk, signed in-process, judged by
 * real git and GnuPG: `git verify-commit`, `git interpret-trailers --parse`, `git fsck`.
 */
import fs from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as isogit from 'isomorphic-git'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCommitMessage } from '../../../src/identity/commit-message.js'
import { commitSigningOptions } from '../../../src/identity/commit-signature.js'
import { loadSigningKey } from '../../../src/identity/signing-key.js'
import { git, gitRun } from '../../support/git.js'
import { createGnupgHome, type GnupgHome } from '../../support/gpg.js'
import { BOT, makeTestKey, signingEnv, type TestKey } from '../../support/keys.js'
import { tempDir } from '../../support/tmp.js'

let tmp: { dir: string; cleanup: () => Promise<void> }
let gnupg: GnupgHome
const keys: Partial<Record<TestKey['type'], TestKey>> = {}

beforeAll(async () => {
  tmp = await tempDir()
  gnupg = await createGnupgHome()
  for (const type of ['ed25519', 'rsa4096'] as const) {
    keys[type] = await makeTestKey(type)
    await gnupg.importKey(keys[type]!.publicKeyArmored)
  }
})
afterAll(async () => {
  await gnupg.cleanup()
  await tmp.cleanup()
})

async function repoWithOneCommit(name: string): Promise<string> {
  const dir = path.join(tmp.dir, name)
  await git(['init', '-q', '-b', 'main', dir])
  await writeFile(path.join(dir, '.runtime-version'), '0.1.0\n')
  await git(['add', '.'], { cwd: dir })
  await git(['commit', '-q', '-m', 'initial'], { cwd: dir })
  return dir
}

describe.each([
  ['ed25519', false],
  ['ed25519', true],
  ['rsa4096', false],
  ['rsa4096', true],
] as const)('a %s key (passphrase: %s)', (type, withPassphrase) => {
  it('signs a commit that git verify-commit accepts, with exactly our trailers, and fsck stays clean', async () => {
    const key = keys[type]!
    const signingKey = await loadSigningKey({ env: signingEnv(key, withPassphrase) })
    const dir = await repoWithOneCommit(`${type}-${withPassphrase}`)
    const coAuthors = ['Ada Lovelace <ada@example.com>', 'Release Bot <release-bot@example.com>']
    const message = buildCommitMessage({ version: '0.2.0', coAuthors })
    const oid = await isogit.commit({
      fs,
      dir,
      message,
      author: BOT,
      tree: await git(['rev-parse', 'HEAD^{tree}'], { cwd: dir }),
      parent: [await git(['rev-parse', 'HEAD'], { cwd: dir })],
      ...commitSigningOptions(signingKey.sign),
    })
    expect(await git(['rev-parse', 'HEAD'], { cwd: dir })).toBe(oid)

    const verified = await gitRun(['verify-commit', '--raw', oid], { cwd: dir, env: gnupg.env })
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stderr).toMatch(/^\[GNUPG:\] GOODSIG [0-9A-F]{16} Pin Bot <pinbot@example.com>$/m)
    expect(verified.stderr).toMatch(new RegExp(`^\\[GNUPG:\\] VALIDSIG ${key.fingerprint} `, 'm'))

    const body = await git(['log', '-1', '--format=%B', oid], { cwd: dir })
    const trailers = await git(['interpret-trailers', '--parse'], { cwd: dir, input: body })
    expect(trailers.split('\n')).toEqual(['Co-Authored-By: Ada Lovelace <ada@example.com>', 'Co-Authored-By: Release Bot <release-bot@example.com>'])
    expect(await git(['log', '-1', '--format=%an <%ae>|%cn <%ce>|%s', oid], { cwd: dir })).toBe(
      `${BOT.name} <${BOT.email}>|${BOT.name} <${BOT.email}>|chore: pin runtime to 0.2.0`,
    )

    const fsck = await gitRun(['fsck', '--strict', '--no-dangling'], { cwd: dir })
    expect(fsck.code, fsck.stderr).toBe(0)
    expect(fsck.stdout + fsck.stderr).toBe('')
  })
})

it('git verify-commit rejects the signature of an unknown key (the check above can fail)', async () => {
  const stranger = await makeTestKey('ed25519', { name: 'Stranger', email: 'stranger@example.com' })
  const signingKey = await loadSigningKey({ env: signingEnv(stranger, false) })
  const dir = await repoWithOneCommit('stranger')
  const oid = await isogit.commit({
    fs,
    dir,
    message: 'x\n',
    author: BOT,
    ...commitSigningOptions(signingKey.sign),
  })
  const verified = await gitRun(['verify-commit', '--raw', oid], { cwd: dir, env: gnupg.env })
  expect(verified.code).not.toBe(0)
  expect(verified.stderr).toMatch(/NO_PUBKEY|ERRSIG/)
})
