/**
 * Hand-built histories in a forge repo, commit by commit, with the real git CLI: who
 * authored each commit, which files it changed, and whether (and how) it is signed.
 * Commit objects are written byte for byte (`git hash-object -t commit`), so a test can
 * sign a payload and then alter it, exactly like a tampered commit would look.
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import * as openpgp from 'openpgp'
import { loadSigningKey } from '../../src/identity/signing-key.js'
import type { Forge } from './forge.js'
import { git } from './git.js'
import { signingEnv, type TestKey } from './keys.js'

export interface Person {
  name: string
  email: string
}

/** Sign a commit payload: an armored detached OpenPGP signature. */
export type TestSigner = (payload: string) => Promise<string>

export interface CommitSpec {
  /** Files written on top of the parent's tree; `null` deletes the file. */
  files?: Record<string, string | null>
  /** Symbolic links written on top of the parent's tree: path -> target. */
  symlinks?: Record<string, string>
  message?: string
  author?: Person
  committer?: Person
  sign?: TestSigner
  /** Rewrite the message after signing (the signature then covers other content). */
  tamperMessage?: string
  /** A second parent: this commit merges that one (files apply on the first parent's tree). */
  merge?: string
}

export const HUMAN: Person = { name: 'Jane Maintainer', email: 'jane@example.com' }

let clock = 1_700_100_000

function identityLine(kind: 'author' | 'committer', who: Person, when: number): string {
  return `${kind} ${who.name} <${who.email}> ${when} +0000`
}

/** The commit object text with a `gpgsig` header, as git writes it. */
function withSignature(payload: string, signature: string): string {
  const [headers, ...rest] = payload.split('\n\n')
  const folded = signature.trimEnd().split('\n').join('\n ')
  return `${headers}\ngpgsig ${folded}\n\n${rest.join('\n\n')}`
}

/**
 * Append commits to a branch of `repo` (default: the default branch; a new branch starts
 * at the default branch's tip). The repo must have at least one commit. Returns the new
 * commit ids, oldest first.
 */
export async function appendCommits(forge: Forge, repo: string, specs: CommitSpec[], branch?: string): Promise<string[]> {
  const dir = forge.repoPath(repo)
  const head = await git(['symbolic-ref', 'HEAD'], { cwd: dir })
  const ref = branch ? `refs/heads/${branch}` : head
  if ((await git(['for-each-ref', ref], { cwd: dir })) === '') await git(['update-ref', ref, head], { cwd: dir })
  const ids: string[] = []
  for (const spec of specs) {
    const parent = await git(['rev-parse', ref], { cwd: dir })
    const index = path.join(forge.root, `index-${randomBytes(6).toString('hex')}`)
    const env = { GIT_INDEX_FILE: index }
    await git(['read-tree', parent], { cwd: dir, env })
    for (const [file, content] of Object.entries(spec.files ?? {})) {
      if (content === null) {
        await git(['update-index', '--force-remove', file], { cwd: dir, env })
        continue
      }
      const blob = await git(['hash-object', '-w', '--stdin'], { cwd: dir, input: content })
      await git(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { cwd: dir, env })
    }
    for (const [file, target] of Object.entries(spec.symlinks ?? {})) {
      const blob = await git(['hash-object', '-w', '--stdin'], { cwd: dir, input: target })
      await git(['update-index', '--add', '--cacheinfo', `120000,${blob},${file}`], { cwd: dir, env })
    }
    const tree = await git(['write-tree'], { cwd: dir, env })
    await rm(index, { force: true })
    const when = (clock += 3600)
    const author = spec.author ?? HUMAN
    const message = spec.message ?? 'a change\n'
    const payload = [
      `tree ${tree}`,
      `parent ${parent}`,
      ...(spec.merge ? [`parent ${spec.merge}`] : []),
      identityLine('author', author, when),
      identityLine('committer', spec.committer ?? author, when),
      '',
      message,
    ].join('\n')
    let object = spec.sign ? withSignature(payload, await spec.sign(payload)) : payload
    if (spec.tamperMessage !== undefined) object = object.replace(`\n\n${message}`, `\n\n${spec.tamperMessage}`)
    const id = await git(['hash-object', '-t', 'commit', '-w', '--stdin'], { cwd: dir, input: object })
    await git(['update-ref', ref, id, parent], { cwd: dir })
    ids.push(id)
  }
  return ids
}

/** The bot's signer, exactly as pinbot signs: the identity module's, from a test key. */
export async function botSigner(key: TestKey): Promise<TestSigner> {
  return (await loadSigningKey({ env: signingEnv(key, false) })).sign
}

/**
 * A signer whose key was valid when it signed and has expired since: created two days
 * ago, expired a day ago. pinbot refuses to load an expired key, so openpgp directly.
 */
export async function expiredKeySigner(user: Person): Promise<{ publicKeyArmored: string; sign: TestSigner }> {
  const created = new Date(Date.now() - 2 * 86_400_000)
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [user],
    date: created,
    keyExpirationTime: 86_400,
    format: 'object',
  })
  return {
    publicKeyArmored: publicKey.armor(),
    sign: async (payload) =>
      (await openpgp.sign({
        message: await openpgp.createMessage({ binary: Buffer.from(payload, 'utf8') }),
        signingKeys: privateKey,
        detached: true,
        format: 'armored',
        date: new Date(created.getTime() + 60_000),
      })) as string,
  }
}
