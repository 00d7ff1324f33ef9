import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as isogit from 'isomorphic-git'
import { describe, expect, it } from 'vitest'
import { parseCommit, serializeCommit, signCommit, type Commit } from '../../../src/git/git-objects.js'
import { git, gitRun, GIT_ENV } from '../../support/git.js'
import { tempDir } from '../../support/tmp.js'

/** git's stdout as bytes (trees are binary), for the cases the string helper cannot carry. */
function gitBytes(cwd: string, args: string[], input?: Buffer): Buffer {
  const env = { ...process.env, ...GIT_ENV, HOME: process.env.PINBOT_TEST_HOME ?? process.env.HOME }
  const result = spawnSync('git', args, { cwd, env, input })
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.toString()}`)
  return result.stdout
}

const objectId = (type: string, content: Buffer) => createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex')

/** git fsck, strict, of the repo with `ref` pointing at `oid`: no complaint but notices (such as an unborn HEAD). */
async function expectFsckClean(cwd: string, ref: string, oid: string): Promise<void> {
  await git(['update-ref', ref, oid], { cwd })
  const result = await gitRun(['fsck', '--strict', '--full', '--no-dangling'], { cwd })
  const complaints = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line && !line.startsWith('notice:'))
  expect({ code: result.code, complaints }).toEqual({ code: 0, complaints: [] })
}

async function withRepo<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const tmp = await tempDir()
  try {
    await git(['init', '-q', tmp.dir])
    return await body(tmp.dir)
  } finally {
    await tmp.cleanup()
  }
}

const SIGNATURE = '-----BEGIN PGP SIGNATURE-----\n\nwsBcBAABCAAQBQJlVfakeFAKEfake\n=AbCd\n-----END PGP SIGNATURE-----\n'

describe('serializeCommit / signCommit', () => {
  const TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
  const cases: Record<string, Omit<Commit, 'gpgsig'>> = {
    'two parents, offsets east and west, a CRLF message with extra newlines': {
      tree: TREE,
      parent: ['1111111111111111111111111111111111111111', '2222222222222222222222222222222222222222'],
      author: { name: 'Ünïcødé Author', email: 'author@example.com', timestamp: 1700000000, timezoneOffset: -330 },
      committer: { name: 'pin bot', email: 'bot@example.com', timestamp: 1700000123, timezoneOffset: 300 },
      message: '\r\n\nchore: pin runtime\r\n\r\nbody line\r\n\n\n',
    },
    'no parent, offsets 0 and -0, a message with no newline': {
      tree: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      parent: [],
      author: { name: 'A', email: 'a@example.com', timestamp: 0, timezoneOffset: 0 },
      committer: { name: 'C', email: '', timestamp: 1, timezoneOffset: -0 },
      message: 'one line',
    },
  }

  /** What isomorphic-git's commit() writes for the same commit, and the payload it signed. */
  async function isogitCommit(gitdir: string, commit: Omit<Commit, 'gpgsig'>, signature?: string): Promise<{ bytes: Buffer; payloads: string[] }> {
    const payloads: string[] = []
    const signing = signature
      ? { signingKey: 'k', onSign: async ({ payload }: { payload: string }) => (payloads.push(payload), { signature }) }
      : {}
    const oid = await isogit.commit({ fs, gitdir, ...commit, noUpdateBranch: true, ...signing })
    const { object } = await isogit.readObject({ fs, gitdir, oid, format: 'content' })
    return { bytes: Buffer.from(object as Uint8Array), payloads }
  }

  for (const [name, commit] of Object.entries(cases)) {
    it(`writes isomorphic-git's bytes, unsigned and signed: ${name}`, async () => {
      const tmp = await tempDir()
      try {
        const gitdir = path.join(tmp.dir, '.git')
        await isogit.init({ fs, dir: tmp.dir })

        const unsigned = await isogitCommit(gitdir, commit)
        expect(serializeCommit(commit).toString('utf8')).toBe(unsigned.bytes.toString('utf8'))
        expect(serializeCommit(commit).equals(unsigned.bytes)).toBe(true)

        // CRs and extra newlines around the signature: both sides renormalize them.
        const armored = '\r\n' + SIGNATURE.replace(/\n/g, '\r\n') + '\r\n\r\n'
        const signed = await isogitCommit(gitdir, commit, armored)
        const payloads: string[] = []
        const ours = await signCommit(commit, async (payload) => (payloads.push(payload), armored))
        expect(ours.toString('utf8')).toBe(signed.bytes.toString('utf8'))
        expect(ours.equals(signed.bytes)).toBe(true)
        expect(payloads).toEqual(signed.payloads)
        expect(payloads).toEqual([unsigned.bytes.toString('utf8')])
        // The same bytes again from serializeCommit with the signature as parseCommit reads it.
        const parsed = parseCommit(ours)
        expect(parsed.gpgsig).toBe(SIGNATURE.trimEnd())
        expect(serializeCommit(parsed).equals(ours)).toBe(true)
      } finally {
        await tmp.cleanup()
      }
    })
  }
})

describe('parseCommit', () => {
  it('reads a commit git wrote with two parents, an encoding header and a multi-line gpgsig header', async () => {
    await withRepo(async (dir) => {
      // A stand-in for gpg: git signs through it and writes its fixed signature as gpgsig.
      const fakeGpg = path.join(dir, 'fake-gpg.sh')
      await writeFile(fakeGpg, `#!/bin/sh\ncat >/dev/null\nprintf '\\n[GNUPG:] SIG_CREATED D 1 8 00 1700000000 FAKE\\n' >&2\ncat <<'EOF'\n${SIGNATURE}EOF\n`)
      await chmod(fakeGpg, 0o755)
      const tree = await git(['mktree'], { cwd: dir, input: '' })
      const first = await git(['commit-tree', tree, '-m', 'first'], { cwd: dir })
      const second = await git(['commit-tree', tree, '-m', 'second'], { cwd: dir })
      const env = { GIT_AUTHOR_DATE: '1700000000 +0530', GIT_COMMITTER_DATE: '1700000100 -0700' }
      const config = ['-c', `gpg.program=${fakeGpg}`, '-c', 'i18n.commitEncoding=ISO-8859-1']
      const oid = await git([...config, 'commit-tree', tree, '-p', first, '-p', second, '-SFAKE'], { cwd: dir, env, input: 'subject\r\n\nbody\n\n\n' })

      const raw = gitBytes(dir, ['cat-file', 'commit', oid])
      expect(raw.toString()).toContain('\nencoding ISO-8859-1\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n wsBc')
      const person = { name: GIT_ENV.GIT_AUTHOR_NAME, email: GIT_ENV.GIT_AUTHOR_EMAIL }
      const expected: Commit = {
        tree,
        parent: [first, second],
        author: { ...person, timestamp: 1700000000, timezoneOffset: -330 },
        committer: { ...person, timestamp: 1700000100, timezoneOffset: 420 },
        gpgsig: SIGNATURE.trimEnd(),
        message: 'subject\n\nbody\n',
      }
      expect(parseCommit(new Uint8Array(raw))).toEqual(expected)

      // isomorphic-git's reading agrees, apart from the headers we skip.
      await isogit.writeObject({ fs, gitdir: path.join(dir, '.git'), type: 'commit', object: raw, format: 'content' })
      const { encoding, ...theirs } = (await isogit.readCommit({ fs, gitdir: path.join(dir, '.git'), oid })).commit as isogit.CommitObject & { encoding?: string }
      expect(encoding).toBe('ISO-8859-1')
      expect(parseCommit(raw)).toEqual(theirs)
    })
  })

  it('reads names that git fsck accepts though a regex dot would not: carriage return, line and paragraph separators', () => {
    const name = 'Jane\r::error::x\u2028Doe\u2029'
    const text = `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor ${name} <j\u2028@example.com> 1700000000 +0000\ncommitter ${name} <j@example.com> 1700000000 +0000\n\nm\n`
    const commit = parseCommit(Buffer.from(text))
    expect(commit.author).toMatchObject({ name, email: 'j\u2028@example.com', timestamp: 1700000000 })
    expect(commit.committer.name).toBe(name)
  })

  it('takes the first of a repeated header and only the parents right after the tree, as git does', () => {
    const text =
      'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 1111111111111111111111111111111111111111\n' +
      'author A <a@x> 5 -0000\ncommitter C <c@x> 6 +0100\nparent 2222222222222222222222222222222222222222\n' +
      'mergetag object 3333\n type commit\ncommitter Z <z@x> 7 +0000\n\nmsg\n'
    const commit = parseCommit(Buffer.from(text))
    expect(commit.parent).toEqual(['1111111111111111111111111111111111111111'])
    expect(commit.committer).toEqual({ name: 'C', email: 'c@x', timestamp: 6, timezoneOffset: -60 })
    expect(Object.is(commit.author.timezoneOffset, -0)).toBe(true)
    expect(commit).not.toHaveProperty('mergetag')
    expect(() => parseCommit(Buffer.from('author A <a@x> 5 +0000\n\nmsg\n'))).toThrow(SyntaxError)
  })
})

describe('a commit written by serializeCommit', () => {
  it('is accepted by git fsck and read back by git with the same fields', async () => {
    await withRepo(async (dir) => {
      const tree = await git(['mktree'], { cwd: dir, input: '' })
      const parent = await git(['commit-tree', tree, '-m', 'parent'], { cwd: dir })
      const commit: Commit = {
        tree,
        parent: [parent],
        author: { name: 'Zoë Bot', email: 'zoe@example.com', timestamp: 1700000000, timezoneOffset: -330 },
        committer: { name: 'Pin Bot', email: 'bot@example.com', timestamp: 1700000001, timezoneOffset: -0 },
        gpgsig: SIGNATURE,
        message: 'chore: pin\r\n\r\nbody\n\n',
      }
      const content = serializeCommit(commit)
      const oid = await git(['hash-object', '-t', 'commit', '-w', '--stdin'], { cwd: dir, input: content })
      expect(oid).toBe(objectId('commit', content))
      expect(content.toString()).toContain(' 1700000001 -0000\n') // git shows it as +0000 below
      await expectFsckClean(dir, 'refs/heads/master', oid)
      const shown = await git(['log', '-1', '--format=%P%n%an <%ae> %ad%n%cn <%ce> %cd%n%B', '--date=raw', oid], { cwd: dir })
      expect(shown).toBe(`${parent}\nZoë Bot <zoe@example.com> 1700000000 +0530\nPin Bot <bot@example.com> 1700000001 +0000\nchore: pin\n\nbody`)
      expect(parseCommit(content)).toEqual({ ...commit, gpgsig: SIGNATURE.trimEnd(), message: 'chore: pin\n\nbody\n' })
      expect(Object.is(parseCommit(content).committer.timezoneOffset, -0)).toBe(true)
    })
  })
})
