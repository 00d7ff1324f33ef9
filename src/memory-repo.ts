/**
 * One remote branch, held in memory: a shallow, single-branch, no-checkout fetch into a
 * fresh in-memory filesystem, deepened on demand; objects read straight from the packs;
 * commits built from objects (blob, trees, commit); and a push that never forces.
 * Nothing touches the disk; cost does not grow with history. Both the remote pin and the
 * audit work on one of these.
 *
 * Cheapness: one isomorphic-git `cache` per repo (parsed pack indexes are reused by every
 * read and commit), one fetch = 2 requests (ref advertisement + pack), one push =
 * 1 request (no ref discovery: receive-pack.ts); the default branch comes from the fetch's
 * own advertisement (HEAD symref), so it costs nothing extra.
 */
import type { CommitObject, FetchResult, TreeEntry } from 'isomorphic-git'
import { watchBodyErrors } from './body-errors.js'
import type { BotIdentity } from './commit-message.js'
import { commitSigningOptions } from './commit-signature.js'
import { branchFromSymref, emptyRepoError, noDefaultBranchError } from './default-branch.js'
import { PinbotError } from './errors.js'
import { collectBytes, type HttpClient } from './http.js'
import { isogit } from './isogit.js'
import { installIsogitSpeedups } from './isogit-speedups.js'
import { createMemoryFs, type MemoryFs } from './memfs.js'
import { MalformedReportError, parsePushReport, receivePackRequest, refusalOf, type PushReport } from './receive-pack.js'
import { RemoteError, classifyRemoteError, httpStatusError, notSmartHttpError, pushRefusedError } from './remote-errors.js'
import type { Signer } from './signing.js'

export type { TreeEntry }

const FETCH_REFSPEC = '[remote "origin"]\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n'

let repoCounter = 0

function branchNotFound(branch: string, cause: unknown): PinbotError {
  return new PinbotError('branch-not-found', `the branch "${branch}" does not exist on the remote`, {
    hint: 'check the branch name (--branch, or "branch" in the manifest); without one, the default branch (HEAD) is used',
    cause,
  })
}

/** Whether a read failed because the object is not here (e.g. beyond the fetched depth). */
export function isMissingObject(error: unknown): boolean {
  return (error as { code?: string }).code === 'NotFoundError'
}

export class MemoryRepo {
  private readonly cache = {}
  /** Objects written since the last fetch: what a push sends. */
  private readonly written = new Set<string>()

  private constructor(
    private readonly fs: MemoryFs,
    /** Unique per repo: isomorphic-git's in-process locks are keyed by path. */
    private readonly gitdir: string,
    private readonly url: string,
    private readonly http: HttpClient,
    private readonly tokenEnv?: string,
  ) {}

  static async open(url: string, http: HttpClient, tokenEnv?: string): Promise<MemoryRepo> {
    await installIsogitSpeedups()
    const fs = await createMemoryFs()
    const gitdir = `/repo-${++repoCounter}.git`
    // All a fetch needs: a refspec for origin. No init, no working tree, no checkout.
    await fs.promises.mkdir(gitdir)
    await fs.promises.writeFile(`${gitdir}/config`, FETCH_REFSPEC, 'utf8')
    return new MemoryRepo(fs, gitdir, url, http, tokenEnv)
  }

  /**
   * Fetch the tip of `branch`, or of whatever HEAD points at when no branch is given,
   * `depth` commits deep (default 1), and return it with the branch's short name.
   */
  async fetch(branch?: string, options: { depth?: number } = {}): Promise<{ tip: string; branch: string }> {
    const remoteRef = branch ? `refs/heads/${branch}` : 'HEAD'
    // Without a HEAD file, isomorphic-git needs `ref` so as not to look up a current branch.
    const result = await this.fetchPack({ ref: remoteRef, remoteRef, depth: options.depth ?? 1 }, branch ? (cause) => branchNotFound(branch, cause) : undefined)
    this.written.clear()
    if (!result.fetchHead) throw emptyRepoError()
    const resolved = branch ?? branchFromSymref(result.defaultBranch ?? undefined)
    if (!resolved) throw noDefaultBranchError()
    return { tip: result.fetchHead, branch: resolved }
  }

  /** Deepen the fetched history of `branch` by `by` more commits (relative to what is here). */
  async deepen(branch: string, by: number): Promise<void> {
    // `ref` names the tip we hold, so the server sends only what lies beyond it.
    await this.fetchPack({ ref: `refs/remotes/origin/${branch}`, remoteRef: `refs/heads/${branch}`, depth: by, relative: true })
  }

  /**
   * One fetch (2 requests). A response body cut short fails the fetch (body-errors.ts),
   * and every failure is classified; `notFound` names a missing ref its own way.
   */
  private async fetchPack(
    options: { ref: string; remoteRef: string; depth: number; relative?: boolean },
    notFound?: (cause: unknown) => PinbotError,
  ): Promise<FetchResult> {
    const watched = watchBodyErrors(this.http)
    let result: FetchResult
    try {
      result = await isogit.fetch({
        fs: this.fs,
        http: watched.http,
        cache: this.cache,
        gitdir: this.gitdir,
        url: this.url,
        singleBranch: true,
        tags: false,
        headers: {},
        ...options,
      })
    } catch (error) {
      const cause = watched.bodyError() ?? error
      if (cause === error && notFound && isMissingObject(error)) throw notFound(error)
      throw classifyRemoteError(cause, { phase: 'read', tokenEnv: this.tokenEnv })
    }
    if (watched.bodyError()) throw classifyRemoteError(watched.bodyError(), { phase: 'read', tokenEnv: this.tokenEnv })
    return result
  }

  /** The entry at `path` in a commit's tree, or undefined when absent. */
  async lookup(commit: string, path: string): Promise<TreeEntry | undefined> {
    let tree = commit
    const segments = path.split('/')
    for (const [i, name] of segments.entries()) {
      const entry = (await isogit.readTree({ fs: this.fs, gitdir: this.gitdir, cache: this.cache, oid: tree })).tree.find((e) => e.path === name)
      if (!entry || i === segments.length - 1) return entry
      if (entry.type !== 'tree') return undefined
      tree = entry.oid
    }
    return undefined
  }

  async readBlob(oid: string): Promise<Uint8Array> {
    return (await isogit.readBlob({ fs: this.fs, gitdir: this.gitdir, cache: this.cache, oid })).blob
  }

  /** A commit, parsed. */
  async readCommit(oid: string): Promise<CommitObject> {
    return (await isogit.readCommit({ fs: this.fs, gitdir: this.gitdir, cache: this.cache, oid })).commit
  }

  /** An object's exact bytes (what a signature covers), without git's header. */
  async readObject(oid: string): Promise<Uint8Array> {
    return (await isogit.readObject({ fs: this.fs, gitdir: this.gitdir, cache: this.cache, oid, format: 'content' })).object as Uint8Array
  }

  /**
   * The root tree of `commit` with the file at `path` set to `content` (a regular file);
   * every other entry is kept as it is, and only the trees on the path are rewritten.
   */
  async treeWithFile(commit: string, path: string, content: Uint8Array): Promise<string> {
    const blob = await this.remember(isogit.writeBlob({ fs: this.fs, gitdir: this.gitdir, blob: content }))
    const rewrite = async (tree: string | undefined, [name, ...rest]: string[]): Promise<string> => {
      const entries = tree ? (await isogit.readTree({ fs: this.fs, gitdir: this.gitdir, cache: this.cache, oid: tree })).tree : []
      const existing = entries.find((e) => e.path === name)
      let entry: TreeEntry
      if (rest.length === 0) {
        entry = { mode: '100644', path: name, oid: blob, type: 'blob' }
      } else {
        if (existing && existing.type !== 'tree') {
          throw new PinbotError('path-conflict', `cannot write ${path}: "${name}" is a file, not a directory`, { hint: 'check the pin file path' })
        }
        entry = { mode: '040000', path: name, oid: await rewrite(existing?.oid, rest), type: 'tree' }
      }
      return this.remember(isogit.writeTree({ fs: this.fs, gitdir: this.gitdir, tree: [...entries.filter((e) => e.path !== name), entry] }))
    }
    return rewrite(commit, path.split('/'))
  }

  /** A commit of `tree` on top of `parent`, recorded as the local `branch`. */
  async commit(options: { tree: string; parent: string; branch: string; identity: BotIdentity; message: string; signer?: Signer }): Promise<string> {
    const commit = isogit.commit({
      fs: this.fs,
      gitdir: this.gitdir,
      cache: this.cache,
      tree: options.tree,
      parent: [options.parent],
      ref: `refs/heads/${options.branch}`,
      author: options.identity,
      committer: options.identity,
      message: options.message,
      ...(options.signer && commitSigningOptions(options.signer)),
    })
    return this.remember(commit)
  }

  private async remember(written: Promise<string>): Promise<string> {
    const oid = await written
    this.written.add(oid)
    return oid
  }

  /**
   * Push the local `branch` to the remote branch of the same name, if the remote branch is
   * still at `expectedTip` (the tip we fetched). Sends only the objects written since that
   * fetch, with no ref discovery first (receive-pack.ts). Never forces.
   */
  async push(branch: string, expectedTip: string): Promise<void> {
    const ref = `refs/heads/${branch}`
    const commit = await isogit.resolveRef({ fs: this.fs, gitdir: this.gitdir, ref })
    const { packfile } = await isogit.packObjects({ fs: this.fs, gitdir: this.gitdir, cache: this.cache, oids: [...this.written] })
    const context = { phase: 'push' as const, tokenEnv: this.tokenEnv }
    let answer: { status: number; statusMessage: string; contentType: string; body: Buffer }
    try {
      const res = await this.http.request({
        url: `${this.url}/git-receive-pack`,
        method: 'POST',
        headers: { 'content-type': 'application/x-git-receive-pack-request', accept: 'application/x-git-receive-pack-result' },
        body: [receivePackRequest({ ref, old: expectedTip, new: commit }, packfile!)],
      })
      answer = { status: res.statusCode, statusMessage: res.statusMessage, contentType: res.headers['content-type'] ?? '', body: await collectBytes(res.body) }
    } catch (error) {
      const cause = classifyRemoteError(error, context)
      if (cause.code !== 'network' && cause.code !== 'timeout') throw cause
      throw new RemoteError(cause.code, `${cause.message}; the push was sent and may or may not have landed`, {
        hint: 'run again: a repo that got the pin reports unchanged',
        cause,
      })
    }
    if (answer.status !== 200) throw httpStatusError(answer.status, answer.statusMessage, answer.body.toString(), context)
    let report: PushReport
    try {
      if (!answer.contentType.startsWith('application/x-git-receive-pack-result')) throw new MalformedReportError(answer.contentType)
      report = parsePushReport(answer.body)
    } catch (error) {
      throw notSmartHttpError(error)
    }
    const refused = refusalOf(report, ref)
    if (refused !== undefined) throw pushRefusedError(refused, report.messages)
  }
}
