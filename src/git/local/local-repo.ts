/**
 * A git checkout on disk, read and written through isomorphic-git with node's fs. Linked
 * worktrees keep HEAD and the index in their own git dir but objects and branches in the
 * common dir, which isomorphic-git does not follow; we resolve both dirs here.
 */
import fs from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { UsageError } from '../../errors.js'
import { runGit } from './git-cli.js'
import { isogit } from './isogit.js'

export interface LocalRepo {
  /** The working tree root. */
  dir: string
  /** HEAD and the index live here. */
  gitdir: string
  /** Objects and refs live here (the same as gitdir outside linked worktrees). */
  commonDir: string
}

async function readOptional(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined)
}

export async function openLocalRepo(start: string): Promise<LocalRepo> {
  let dir: string
  try {
    dir = await isogit.findRoot({ fs, filepath: path.resolve(start) })
  } catch {
    throw new UsageError('not-a-repository', `${start} is not inside a git checkout`, { hint: 'Pass --dir with the path of a git working tree.' })
  }
  let gitdir = path.join(dir, '.git')
  if ((await stat(gitdir)).isFile()) {
    const pointer = /^gitdir: (.+)$/m.exec((await readOptional(gitdir)) ?? '')
    if (!pointer) throw new UsageError('not-a-repository', `${gitdir} is not a valid .git file`, { hint: 'Run git status there to see what is wrong.' })
    gitdir = path.resolve(dir, pointer[1].trim())
  }
  const common = await readOptional(path.join(gitdir, 'commondir'))
  return { dir, gitdir, commonDir: common ? path.resolve(gitdir, common.trim()) : gitdir }
}

/** HEAD: the branch it points at (undefined when detached) and its commit (undefined when unborn). */
export async function readHead(repo: LocalRepo): Promise<{ branch?: string; oid?: string }> {
  const head = ((await readOptional(path.join(repo.gitdir, 'HEAD'))) ?? '').trim()
  if (!head.startsWith('ref: ')) return { oid: head }
  const branch = head.slice('ref: '.length)
  const oid = await isogit.resolveRef({ fs, gitdir: repo.commonDir, ref: branch }).catch(() => undefined)
  return { branch, ...(oid ? { oid } : {}) }
}

/** Any revision git takes (`HEAD~1`, `main@{1}`, `v1.2^{commit}`, a short id...) -> the object id it names; git resolves it. */
async function resolveRevision(repo: LocalRepo, rev: string): Promise<string> {
  const resolved = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', rev], repo.dir)
  const oid = resolved.stdout.toString().trim()
  if (resolved.code === 0 && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(oid)) return oid
  if ((rev === 'HEAD' || rev === '@') && !(await readHead(repo)).oid) {
    throw new UsageError('unknown-revision', `HEAD of ${repo.dir} has no commits yet`, { hint: 'Commit something first.' })
  }
  throw new UsageError('unknown-revision', `${JSON.stringify(rev)} is not a revision in ${repo.dir}`, {
    hint: 'Pass anything git rev-parse accepts: a branch, a tag, a commit id, HEAD~1, main@{1}...',
  })
}

/** The raw bytes of the commit a revision names, peeling annotated tags. */
export async function readCommitObject(repo: LocalRepo, rev: string): Promise<{ oid: string; raw: Uint8Array }> {
  let oid = await resolveRevision(repo, rev)
  for (;;) {
    const { type, object } = await isogit.readObject({ fs, gitdir: repo.commonDir, oid, format: 'content' })
    const raw = object as Uint8Array
    if (type === 'commit') return { oid, raw }
    const target = type === 'tag' ? /^object ([0-9a-f]{40})$/m.exec(Buffer.from(raw).toString('utf8')) : null
    if (!target) throw new UsageError('not-a-commit', `${rev} names a ${type}, not a commit`, { hint: 'Pass a commit, a branch or a tag.' })
    oid = target[1]
  }
}
