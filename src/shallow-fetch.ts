/**
 * Read-only, in-memory, shallow fetches of one branch: the tip at a given depth, then
 * deeper on demand. Each fetch is exactly two HTTP requests (ref advertisement + pack),
 * and the ref advertisement also names the default branch, so no request is spent on
 * finding it. Nothing is checked out; objects are read straight from the packs.
 */
import * as isogit from 'isomorphic-git'
import { branchFromSymref, emptyRepoError } from './default-branch.js'
import { PinbotError } from './errors.js'
import type { HttpClient } from './http.js'
import { installIsogitSpeedups } from './isogit-speedups.js'
import { createMemoryFs, type MemoryFs } from './memfs.js'

/** A repository held in memory: the fs, its git directory, and isomorphic-git's object cache. */
export interface MemoryRepo {
  fs: MemoryFs
  /** Unique per repo: isomorphic-git's in-process locks are keyed by path. */
  gitdir: string
  /** Shared by every isomorphic-git call on this repo, so pack indexes are parsed once. */
  cache: object
  url: string
}

export interface BranchTip {
  branch: string
  tip: string
}

const REMOTE = 'origin'
/** All a fetch needs: a refspec for origin. No init, no working tree. */
const CONFIG = `[remote "${REMOTE}"]\n\tfetch = +refs/heads/*:refs/remotes/${REMOTE}/*\n`

let counter = 0

export async function openMemoryRepo(url: string): Promise<MemoryRepo> {
  await installIsogitSpeedups()
  const fs = await createMemoryFs('audit')
  const gitdir = `/audit-${++counter}.git`
  await fs.promises.mkdir(gitdir)
  await fs.promises.writeFile(`${gitdir}/config`, CONFIG, 'utf8')
  return { fs, gitdir, cache: {}, url }
}

/**
 * Fetch `branch` (default: the remote's default branch, from its HEAD symref) at
 * `depth` commits, and record the tip as a local branch so later deepening fetches
 * can tell the server what is already here.
 */
export async function fetchBranchTip(repo: MemoryRepo, http: HttpClient, options: { branch?: string; depth: number }): Promise<BranchTip> {
  const { fs, gitdir, cache, url } = repo
  const remoteRef = options.branch ? `refs/heads/${options.branch}` : 'HEAD'
  let result: Awaited<ReturnType<typeof isogit.fetch>>
  try {
    result = await isogit.fetch({
      fs,
      http,
      gitdir,
      cache,
      url,
      remote: REMOTE,
      // Without a HEAD file, isomorphic-git needs `ref` to not look up a current branch.
      ref: remoteRef,
      remoteRef,
      singleBranch: true,
      tags: false,
      depth: options.depth,
    })
  } catch (error) {
    if ((error as { code?: string }).code === 'NotFoundError' && options.branch) {
      throw new PinbotError('branch-not-found', `branch "${options.branch}" does not exist on the remote`, {
        hint: 'check the branch name in the manifest, or omit it to use the default branch',
        cause: error,
      })
    }
    throw error
  }
  if (!result.fetchHead) throw emptyRepoError()
  const branch = options.branch ?? branchFromSymref(result.defaultBranch ?? undefined)
  if (!branch) {
    throw new PinbotError('no-default-branch', 'the server did not say which branch HEAD points at', {
      hint: 'name the branch in the manifest: { "repo": ..., "branch": ... }',
    })
  }
  await isogit.writeRef({ fs, gitdir, ref: `refs/heads/${branch}`, value: result.fetchHead, force: true })
  return { branch, tip: result.fetchHead }
}

/** Deepen the shallow history of `branch` by `by` more commits (relative to what is here). */
export async function deepenBranch(repo: MemoryRepo, http: HttpClient, options: { branch: string; by: number }): Promise<void> {
  const { fs, gitdir, cache, url } = repo
  await isogit.fetch({
    fs,
    http,
    gitdir,
    cache,
    url,
    remote: REMOTE,
    ref: options.branch,
    remoteRef: `refs/heads/${options.branch}`,
    singleBranch: true,
    tags: false,
    depth: options.by,
    relative: true,
  })
}
