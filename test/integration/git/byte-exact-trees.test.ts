/**
 * Byte-exact trees against the real git http-backend: whatever names (Latin-1, NFD, beside
 * the pin file in sort order) and modes (100755, 120000, 160000, zero-padded 040000,
 * legacy 100664) a template holds, its pin commit changes the pin file's entry and
 * nothing else, and git's fsck finds nothing new. A tree fsck counts as an error fails
 * the repo and is never pushed.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveAuth } from '../../../src/git/auth.js'
import { pinRemote, type PinResult } from '../../../src/pin/remote-pin.js'
import { useForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { git, gitRun } from '../../support/git.js'
import { BOT } from '../../support/keys.js'
import type { TempDir } from '../../support/tmp.js'

let forge: Forge
let work: TempDir
let n = 0
useForge((fixture) => ({ forge, work } = fixture))

const row = (mode: string, name: string | Buffer, oid: string) => Buffer.concat([Buffer.from(`${mode} `), Buffer.from(name), Buffer.from([0]), Buffer.from(oid, 'hex')])

function pin(name: string): Promise<PinResult> {
  return pinRemote({
    repo: forge.repoUrl(name),
    version: '0.2.0',
    auth: resolveAuth({ env: { PINBOT_TOKEN: forge.tokens.readWrite } }),
    identity: BOT,
    message: 'chore: pin runtime to 0.2.0',
  })
}

/** fsck --strict's complaints about a repo, object ids left out: the kinds of problem it has. */
async function fsckKinds(dir: string): Promise<string[]> {
  const result = await gitRun(['fsck', '--strict', '--no-dangling', '--no-progress'], { cwd: dir })
  const lines = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line && !line.startsWith('notice:'))
  return [...new Set(lines.map((line) => line.replace(/[0-9a-f]{40}/g, 'OID')))].sort()
}

/** A template's root tree: the pin file among names that sort around it, and every mode git knows. */
async function craftTemplate(name: string, legacy: boolean): Promise<{ tip: string; tree: Buffer }> {
  await forge.createRepo(name, { empty: true })
  const blob = (text: string) => forge.writeObject(name, 'blob', Buffer.from(text))
  const [pinBlob, text, script] = await Promise.all([blob('0.1.0\n'), blob('hello\n'), blob('#!/bin/sh\n')])
  const inner = await forge.writeObject(name, 'tree', row(legacy ? '100664' : '100644', 'old.txt', text))
  const entries: [string, string | Buffer, string][] = [
    ['100644', '.runtime', text],
    // An executable pin file stays executable, as git keeps the mode of a file it edits.
    [legacy ? '100755' : '100644', '.runtime-version', pinBlob],
    ['100644', '.runtime-version-notes', text],
    ['40000', '.runtime-version.d', inner],
    ['100644', Buffer.from('caf\xe9.txt', 'latin1'), text],
    ['100644', Buffer.from('e\u0301t\u0301e\u0301.md'), text],
    [legacy ? '040000' : '40000', 'legacy', inner],
    ['120000', 'link', text],
    ['100755', 'run.sh', script],
    ['160000', 'vendor', 'c0ffee'.padEnd(40, '0')],
  ]
  const tree = Buffer.concat(entries.map(([mode, entryName, oid]) => row(mode, entryName, oid)))
  const root = await forge.writeObject(name, 'tree', tree)
  const tip = await forge.git(name, ['commit-tree', root, '-m', 'crafted template'])
  await forge.git(name, ['update-ref', 'refs/heads/main', tip])
  return { tip, tree }
}

describe('byte-exact trees', () => {
  for (const legacy of [false, true]) {
    it(`pins a template of odd names and modes${legacy ? ' (zero-padded 040000, legacy 100664, an executable pin file)' : ''}: only the pin file changes, fsck finds nothing new`, async () => {
      const name = `acme/bytes-${++n}`
      const { tip, tree } = await craftTemplate(name, legacy)
      const before = await fsckKinds(forge.repoPath(name))
      expect(await pin(name)).toMatchObject({ outcome: 'updated', before: '0.1.0', after: '0.2.0' })

      const dir = path.join(work.dir, `clone-${n}`)
      await git(['clone', '--quiet', '--bare', forge.authedUrl(name), dir])
      expect(await git(['rev-parse', 'main^'], { cwd: dir })).toBe(tip)
      expect(await git(['diff-tree', '-r', '--no-commit-id', '--name-status', tip, 'main'], { cwd: dir })).toBe('M\t.runtime-version')
      // The new root tree is the old one with the pin's 20 oid bytes changed, nothing else.
      const written = spawnSync('git', ['cat-file', 'tree', 'main^{tree}'], { cwd: dir }).stdout
      expect(written.length).toBe(tree.length)
      const differing = [...written.keys()].filter((i) => written[i] !== tree[i])
      const pinAt = tree.indexOf(Buffer.from('.runtime-version\0')) + '.runtime-version\0'.length
      expect(differing.every((i) => i >= pinAt && i < pinAt + 20)).toBe(true)
      // Nothing new for fsck --strict: a clean template stays clean; a legacy one keeps only its own warnings.
      expect(await fsckKinds(dir)).toEqual(before)
      if (!legacy) expect(before).toEqual([])
    })
  }

  it('fails a repo whose tree is over the tree limit with tree-too-large, and pushes nothing', async () => {
    const name = `acme/bytes-${++n}`
    const { tip, tree } = await craftTemplate(name, false)
    const result = await pinRemote({ repo: forge.repoUrl(name), version: '0.2.0', auth: resolveAuth({ env: { PINBOT_TOKEN: forge.tokens.readWrite } }), identity: BOT, message: 'pin', limits: { tree: tree.length - 1 } })
    expect(result).toMatchObject({ outcome: 'failed', reason: 'tree-too-large', error: { message: expect.stringContaining('exceeds the tree limit') } })
    expect(await forge.git(name, ['rev-parse', 'main'])).toBe(tip)
  })

  const broken: [string, (oid: string) => Buffer][] = [
    ['.git', (oid) => Buffer.concat([row('40000', '.GIT', oid), row('100644', '.runtime-version', oid)])],
    ['..', (oid) => Buffer.concat([row('100644', '..', oid), row('100644', '.runtime-version', oid)])],
    ['a duplicate', (oid) => Buffer.concat([row('100644', '.runtime-version', oid), row('100644', '.runtime-version', oid)])],
    ['entries out of order', (oid) => Buffer.concat([row('100644', 'b', oid), row('100644', '.runtime-version', oid)])],
    ['a name with "/"', (oid) => Buffer.concat([row('100644', '.runtime-version', oid), row('100644', 'a/b', oid)])],
    ['an empty name', (oid) => Buffer.concat([row('100644', '', oid), row('100644', '.runtime-version', oid)])],
    ['a name macOS reads as .git', (oid) => Buffer.concat([row('100644', '.g\u200cit', oid), row('100644', '.runtime-version', oid)])],
    ['a symbolic link named .gitmodules', (oid) => Buffer.concat([row('120000', '.gitmodules', oid), row('100644', '.runtime-version', oid)])],
    ['a name Windows reads as .git', (oid) => Buffer.concat([row('100644', '.runtime-version', oid), row('100644', 'GIT~1', oid)])],
  ]
  for (const [what, tree] of broken) {
    it(`fails a repo whose tree has ${what} with bad-tree, and pushes nothing`, async () => {
      const name = `acme/broken-${++n}`
      await forge.createRepo(name, { empty: true })
      const pinBlob = await forge.writeObject(name, 'blob', Buffer.from('0.1.0\n'))
      const sub = await forge.writeObject(name, 'tree', row('100644', 'x', pinBlob))
      const root = tree(what === '.git' ? sub : pinBlob)
      const rootOid = await forge.writeObject(name, 'tree', root)
      const tip = await forge.git(name, ['commit-tree', rootOid, '-m', 'broken'])
      await forge.git(name, ['update-ref', 'refs/heads/main', tip])
      const result = await pin(name)
      // git's own upload-pack refuses to pack some of these (test/support/hostile-server.ts serves them all).
      const code = what === '.git' || what === 'an empty name' ? expect.any(String) : 'bad-tree'
      expect(result, JSON.stringify(result.error)).toMatchObject({ outcome: 'failed', error: { code } })
      if (code === 'bad-tree') expect(result.error?.message).toMatch(/git fsck: \w+/)
      expect(forge.requestsFor(name, 'git-receive-pack')).toEqual([])
      expect(await forge.git(name, ['rev-parse', 'main'])).toBe(tip)
    })
  }
})
