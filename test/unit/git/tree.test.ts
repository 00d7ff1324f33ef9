import { spawnSync } from 'node:child_process'
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { BadTreeError, checkTree, parseTree, treeWithEntry, type TreeEntry } from '../../../src/git/tree.js'
import { quotedName } from '../../../src/git/server-text.js'
import { git, gitRun, GIT_ENV } from '../../support/git.js'
import { tempDir } from '../../support/tmp.js'

/** git's stdout as bytes (trees are binary). */
function gitBytes(cwd: string, args: string[], input?: Buffer): Buffer {
  const env = { ...process.env, ...GIT_ENV, HOME: process.env.PINBOT_TEST_HOME ?? process.env.HOME }
  const result = spawnSync('git', args, { cwd, env, input })
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.toString()}`)
  return result.stdout
}

/** `git ls-tree -z` of a tree, names as bytes. */
function lsTree(cwd: string, tree: string): TreeEntry[] {
  const out = gitBytes(cwd, ['ls-tree', '-z', tree])
  const entries: TreeEntry[] = []
  for (let at = 0; at < out.length; ) {
    const tab = out.indexOf(9, at)
    const nul = out.indexOf(0, tab)
    const [mode, type, oid] = out.toString('latin1', at, tab).split(' ') as [string, TreeEntry['type'], string]
    entries.push({ mode, name: out.subarray(tab + 1, nul), oid, type })
    at = nul + 1
  }
  return entries
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

const OID = 'ce013625030ba8dba906f756967f9e9ca394464a'
const row = (mode: string, name: string | Buffer, oid = OID) => Buffer.concat([Buffer.from(`${mode} `), Buffer.from(name), Buffer.from([0]), Buffer.from(oid, 'hex')])
const check = (content: Buffer) => checkTree(content, quotedName)

describe('treeWithEntry / parseTree', () => {
  it("adds entries where git sorts them (not plain string order), as git mktree writes the tree, fsck --strict clean", async () => {
    await withRepo(async (dir) => {
      const blob = (text: string) => gitBytes(dir, ['hash-object', '-w', '--stdin'], Buffer.from(text)).toString().trim()
      const hello = blob('hello\n')
      const sub = gitBytes(dir, ['mktree'], Buffer.from(`100644 blob ${hello}\tinner.txt\n`)).toString().trim()
      const gitlink = await git(['commit-tree', sub, '-m', 'x'], { cwd: dir })
      // 'foo.txt' < 'foo/' and 'a-b' < 'a/' in git, the other way round as plain strings;
      // '～' (U+FF5E) < '😀' in UTF-8, the other way round in UTF-16; Latin-1 and NFD bytes as they are.
      const entries = [
        { mode: '100644', name: Buffer.from('z😀'), oid: hello, type: 'blob' },
        { mode: '100644', name: Buffer.from('z～'), oid: hello, type: 'blob' },
        { mode: '40000', name: Buffer.from('foo'), oid: sub, type: 'tree' },
        { mode: '100644', name: Buffer.from('foo.txt'), oid: hello, type: 'blob' },
        { mode: '40000', name: Buffer.from('a'), oid: sub, type: 'tree' },
        { mode: '100644', name: Buffer.from('a-b'), oid: hello, type: 'blob' },
        { mode: '160000', name: Buffer.from('vendor'), oid: gitlink, type: 'commit' },
        { mode: '120000', name: Buffer.from('link'), oid: hello, type: 'blob' },
        { mode: '100755', name: Buffer.from('run.sh'), oid: hello, type: 'blob' },
        { mode: '100644', name: Buffer.from('caf\xe9.txt', 'latin1'), oid: hello, type: 'blob' },
        { mode: '100644', name: Buffer.from('e\u0301.md'), oid: hello, type: 'blob' },
      ] as const
      let content = Buffer.alloc(0)
      for (const entry of entries) content = treeWithEntry(content, entry.name, entry)
      const ours = gitBytes(dir, ['hash-object', '-t', 'tree', '-w', '--stdin'], content).toString().trim()
      const mktree = Buffer.concat(entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.type} ${e.oid}\t`), e.name, Buffer.from([0])])))
      expect(gitBytes(dir, ['mktree', '-z'], mktree).toString().trim()).toBe(ours)
      await git(['update-ref', 'refs/tags/t', ours], { cwd: dir })
      expect((await gitRun(['fsck', '--strict', '--no-dangling'], { cwd: dir })).code).toBe(0)
      expect(parseTree(content)).toEqual(lsTree(dir, ours))
      expect(parseTree(content).map((e) => e.name.toString('latin1'))).toEqual(['a-b', 'a', 'caf\xe9.txt', 'e\xcc\x81.md', 'foo.txt', 'foo', 'link', 'run.sh', 'vendor', 'z\xef\xbd\x9e', 'z\xf0\x9f\x98\x80'])
      expect(() => check(content)).not.toThrow()
    })
  })

  it('replaces one entry and keeps every other byte: Latin-1 names, zero-padded and legacy modes', () => {
    const tree = Buffer.concat([row('040000', 'a'), row('100664', 'b'), row('100644', Buffer.from('caf\xe9', 'latin1')), row('100644', 'pin')])
    const other = 'ab'.repeat(20)
    const changed = treeWithEntry(tree, Buffer.from('pin'), { mode: '100644', oid: other, type: 'blob' })
    expect(changed.subarray(0, tree.length - 20).equals(tree.subarray(0, tree.length - 20))).toBe(true)
    expect(changed.subarray(-20).toString('hex')).toBe(other)
    expect(parseTree(tree).map((e) => [e.mode, e.type])).toEqual([
      ['040000', 'tree'],
      ['100664', 'blob'],
      ['100644', 'blob'],
      ['100644', 'blob'],
    ])
    // An entry that sorts between the others goes between them; the rest stays byte for byte.
    const added = treeWithEntry(tree, Buffer.from('b0'), { mode: '100644', oid: other, type: 'blob' })
    expect(added.equals(Buffer.concat([row('040000', 'a'), row('100664', 'b'), row('100644', 'b0', other), tree.subarray(row('040000', 'a').length + row('100664', 'b').length)]))).toBe(true)
  })

  it('reads a tree git wrote (subdirectory, executable, symlink) as git ls-tree lists it', async () => {
    await withRepo(async (dir) => {
      await mkdir(path.join(dir, 'src'))
      await writeFile(path.join(dir, 'src', 'main.ts'), 'export {}\n')
      await writeFile(path.join(dir, 'run.sh'), '#!/bin/sh\n')
      await chmod(path.join(dir, 'run.sh'), 0o755)
      await symlink('src/main.ts', path.join(dir, 'main-link'))
      await git(['add', '-A'], { cwd: dir })
      await git(['-c', 'core.fileMode=true', 'commit', '-q', '--no-gpg-sign', '-m', 'files'], { cwd: dir })
      const raw = gitBytes(dir, ['cat-file', 'tree', 'HEAD^{tree}'])
      expect(parseTree(new Uint8Array(raw))).toEqual(lsTree(dir, 'HEAD^{tree}'))
    })
  })
})

describe('checkTree: what git fsck counts as an error', () => {
  const cases: [string, Buffer][] = [
    ['hasDot', row('100644', '.')],
    ['hasDotdot', row('40000', '..')],
    ['hasDotgit', row('40000', '.GiT')],
    ['emptyName', row('100644', '')],
    ['fullPathname', row('100644', 'a/b')],
    ['duplicateEntries', Buffer.concat([row('100644', 'a'), row('100644', 'a')])],
    ['duplicateEntries', Buffer.concat([row('100644', 'a'), row('100644', 'a-b'), row('40000', 'a')])],
    ['treeNotSorted', Buffer.concat([row('100644', 'b'), row('100644', 'a')])],
    ['badTree', row('100644', 'a').subarray(0, 10)],
    ['badTree', row('10x644', 'a')],
  ]
  for (const [id, content] of cases) {
    it(`refuses ${id}: ${JSON.stringify(content.toString('latin1').slice(0, 20))}`, async () => {
      let error: unknown
      try {
        check(content)
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(BadTreeError)
      expect((error as BadTreeError).check).toBe(id)
      // git agrees that each of these trees is broken.
      await withRepo(async (dir) => {
        const oid = gitBytes(dir, ['hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], content).toString().trim()
        await git(['update-ref', 'refs/tags/t', oid], { cwd: dir })
        expect((await gitRun(['fsck', '--strict', '--no-dangling'], { cwd: dir })).code).not.toBe(0)
      })
    })
  }

  it('accepts zero-padded and legacy modes (fsck warnings, not errors, kept as they are)', () => {
    expect(() => check(Buffer.concat([row('040000', 'a'), row('100664', 'b')]))).not.toThrow()
  })
})

describe('checkTree: names macOS (HFS+) and Windows (NTFS) read as .git, judged as git fsck judges them', () => {
  const dotgit: [string, string | Buffer][] = [
    ['HFS+ ignores a zero-width non-joiner', '.g\u200cit'],
    ['HFS+ ignores direction marks and a BOM, and case', '\u200e.GI\u202et\ufeff'],
    ['HFS+ ends the name at bytes that are not UTF-8', Buffer.from('.git\xff', 'latin1')],
    ['NTFS short name', 'git~1'],
    ['NTFS short name, any case, trailing spaces and dots', 'GiT~1 .'],
    ['NTFS drops a trailing dot', '.git.'],
    ['NTFS drops trailing spaces', '.Git  '],
    ['NTFS alternate data stream', '.git::$INDEX_ALLOCATION'],
    ['a backslash is a separator on Windows', '.git\\hooks'],
  ]
  const fsck = async (tree: Buffer) =>
    withRepo(async (dir) => {
      gitBytes(dir, ['hash-object', '-w', '--stdin'], Buffer.from('hello\n'))
      const oid = gitBytes(dir, ['hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], tree).toString().trim()
      await git(['update-ref', 'refs/tags/t', oid], { cwd: dir })
      return gitRun(['fsck', '--strict', '--no-dangling'], { cwd: dir })
    })

  for (const [why, name] of dotgit) {
    it(`refuses ${JSON.stringify(Buffer.from(name).toString('latin1'))} (${why}) as hasDotgit, and so does git fsck`, async () => {
      const tree = row('100644', name)
      expect(() => check(tree)).toThrow(expect.objectContaining({ check: 'hasDotgit', message: expect.stringMatching(/reads as "\.git"$/) }))
      const verdict = await fsck(tree)
      expect(verdict.code).not.toBe(0)
      expect(verdict.stderr + verdict.stdout).toContain('hasDotgit')
    })
  }

  const gitmodules: [string, string][] = [
    ['the name itself, any case', '.GitModules'],
    ['HFS+ ignores a zero-width joiner', '.gitmod\u200dules'],
    ['NTFS short name', 'GITMOD~1'],
    ['NTFS fall-back short name', 'gi7eba~9'],
    ['NTFS drops trailing dots and spaces', '.gitmodules .'],
  ]
  for (const [why, name] of gitmodules) {
    it(`refuses a symbolic link named ${JSON.stringify(name)} (${why}) as gitmodulesSymlink, and so does git fsck`, async () => {
      const tree = row('120000', name)
      expect(() => check(tree)).toThrow(expect.objectContaining({ check: 'gitmodulesSymlink', message: expect.stringContaining('reads as .gitmodules') }))
      const verdict = await fsck(tree)
      expect(verdict.code).not.toBe(0)
      expect(verdict.stderr + verdict.stdout).toContain('gitmodulesSymlink')
    })
  }

  it('accepts a .gitmodules file and symbolic links with near-miss names, as git fsck does', async () => {
    const tree = Buffer.concat([row('100644', '.gitmodules'), row('120000', '.gitmodules-x'), row('120000', 'gitmodules'), row('120000', 'gitmod~5')])
    expect(() => check(tree)).not.toThrow()
    expect(await fsck(tree)).toMatchObject({ code: 0 })
  })

  it('accepts the near misses, as git fsck does', async () => {
    const names = ['.\u0147it', '.\u200bgit', '.g it', '.git-hooks', '.git.x', '.gitignore', 'git~1x', 'git~2', Buffer.from('.g\xffit', 'latin1')]
    const tree = Buffer.concat(names.map((name) => Buffer.from(name)).sort(Buffer.compare).map((name) => row('100644', name)))
    expect(() => check(tree)).not.toThrow()
    expect(await fsck(tree)).toMatchObject({ code: 0 })
  })
})
