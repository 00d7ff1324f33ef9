/**
 * One remote branch, held in memory: the objects of a shallow, single-branch fetch in a
 * map (pack-file.ts), deepened on demand; commits built from objects (blob, trees,
 * commit); and a push that never forces. Nothing touches the disk; cost does not grow
 * with history. Both the remote pin and the audit work on one of these.
 *
 * Cheapness (issue 8): one fetch = 2 round trips (the refs: remote-refs.ts; the pack:
 * upload-pack.ts), one push = 1 request (no ref discovery: receive-pack.ts); the default
 * branch comes from the same ref listing (HEAD symref), so it costs nothing extra. The objects are
 * parsed once, straight from the pack: no filesystem, no pack index, no ref files.
 */
import type { BotIdentity } from '../identity/commit-message.js'
import { resolveHead } from './default-branch.js'
import { PinbotError } from '../errors.js'
import { parseCommit, serializeCommit, signCommit, type Commit } from './git-objects.js'
import type { HttpClient } from './http.js'
import { SLICE_MS, objectId, readPack, writePack, type GitObject, type ObjectType } from './pack-file.js'
import { parsePushReport, receivePackRequest, refusalOf, type PushReport } from './receive-pack.js'
import { RemoteError, malformedAnswerError, pushRefusedError, type ErrorContext } from './remote-errors.js'
import type { Signer } from '../identity/signing.js'
import { quotedName, serverText } from './server-text.js'
import { parseAnswer, readAnswer, smartHttpExchange, smartHttpStream } from './smart-http.js'
import { BadTreeError, MalformedTreeError, checkTree, parseTree, treeWithEntry, type TreeEntry } from './tree.js'
import { readUploadPackAnswer, uploadPackRequest } from './upload-pack.js'
import { DEFAULT_LIMITS, LimitExceededError, formatSize, type Limits } from './limits.js'
import { PARTIAL_FILTER, objectsRequest, readV2Pack, supportsFilter } from './partial-fetch.js'
import { listRefs } from './remote-refs.js'

export type { TreeEntry }

function branchNotFound(branch: string): PinbotError {
  return new PinbotError('branch-not-found', `the branch "${branch}" does not exist on the remote`, {
    hint: 'check the branch name (--branch, or "branch" in the manifest); without one, the default branch (HEAD) is used',
  })
}

/** An object that is not here, e.g. beyond the fetched depth. */
class MissingObjectError extends PinbotError {
  constructor(oid: string, type: ObjectType) {
    super('missing-object', `the ${type} ${oid} is not among the objects the server sent`, {
      hint: 'a server should send every object a fetch needs: run git fsck on the server repository',
    })
  }
}

/** Whether a read failed because the object is not here (e.g. beyond the fetched depth). */
export function isMissingObject(error: unknown): boolean {
  return error instanceof MissingObjectError
}

/** A tree that does not parse, or that git's fsck counts as an error (`check`: fsck's message id). */
function badTree(oid: string, what: string, check = 'badTree'): PinbotError {
  return new PinbotError('bad-tree', `the tree ${oid} ${what} (git fsck: ${check}); pinbot does not commit on top of it`, {
    hint: "repair the repository's tree with git (git fsck --strict lists the problem), then pin again",
  })
}

export class MemoryRepo {
  private objects = new Map<string, GitObject>()
  /** Trees parsed so far, by oid: a pin reads the root tree four or five times. */
  private parsedTrees = new Map<string, TreeEntry[]>()
  /** Objects written since the last fetch: what a push sends. */
  private readonly written = new Set<string>()
  /** What the last fetch was: the tip, how deep, and its shallow boundary, so that `deepen` asks for only what is new. */
  private fetched?: { tip: string; depth: number; capabilities: ReadonlySet<string>; shallow: Set<string>; filter?: string }
  private readonly read: ErrorContext
  private readonly limits: Limits

  private readonly url: string

  constructor(
    url: string,
    private readonly http: HttpClient,
    tokenEnv?: string,
    limits: Partial<Limits> = {},
  ) {
    this.read = { phase: 'read', tokenEnv }
    // git keeps a repo's base without trailing slashes (`x.git//info/refs` fails on some servers).
    this.url = url.replace(/\/+$/, '')
    this.limits = { ...DEFAULT_LIMITS, ...limits }
  }

  /**
   * Fetch the tip of `branch`, or of whatever HEAD points at when no branch is given,
   * `depth` commits deep (default 1), and return it with the branch's short name.
   * What an earlier fetch brought is dropped.
   */
  async fetch(branch?: string, options: { depth?: number } = {}): Promise<{ tip: string; branch: string }> {
    const advertised = await listRefs(this.http, this.url, this.read, this.limits.advertisement, branch)
    const { refs, capabilities } = advertised
    const { branch: resolved, tip } = branch ? { branch, tip: refs.get(`refs/heads/${branch}`) } : resolveHead(advertised)
    if (!tip) throw branchNotFound(branch!)
    this.objects = new Map()
    this.parsedTrees = new Map()
    this.written.clear()
    const filter = supportsFilter(capabilities) ? PARTIAL_FILTER : undefined
    this.fetched = { tip, depth: options.depth ?? 1, capabilities, shallow: new Set(), ...(filter && { filter }) }
    try {
      await this.fetchPack()
    } catch (error) {
      // Capabilities another repo of the server showed (remote-refs.ts): this one may not allow
      // filter (git's upload-pack then ends the answer empty; others refuse it in words).
      const refused = error instanceof PinbotError && (error.code === 'malformed-answer' || error.code === 'http')
      if (!filter || !advertised.hinted || !refused) throw error
      delete this.fetched.filter
      await this.fetchPack()
    }
    return { tip, branch: resolved }
  }

  /**
   * Deepen the fetched history by `by` more commits. The request names the shallow
   * boundary and the tip held, so the server sends only the newly reached commits and
   * the objects they add.
   */
  async deepen(by: number): Promise<void> {
    if (!this.fetched) throw new Error('deepen before fetch')
    this.fetched.depth += by
    await this.fetchPack({ shallow: this.fetched.shallow, haves: [this.fetched.tip] })
  }

  /** The pack of the fetched tip, `depth` deep (one request, no ref discovery: the tip is known). */
  private async fetchPack(held?: { shallow: Iterable<string>; haves: string[] }): Promise<void> {
    const fetched = this.fetched!
    const body = await smartHttpStream(
      this.http,
      {
        url: `${this.url}/git-upload-pack`,
        method: 'POST',
        headers: { 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result' },
        body: [parseAnswer(() => uploadPackRequest(fetched.tip, fetched.depth, fetched.capabilities, { ...held, filter: fetched.filter }))],
      },
      'application/x-git-upload-pack-result',
      this.read,
    )
    const limits = { object: this.limits.object, total: this.limits.pack }
    const { pack: objects, shallow, unshallow } = await readAnswer(() => readUploadPackAnswer(body, this.limits.pack, (pack) => readPack(pack, (base) => this.objects.get(base), limits)))
    for (const [oid, object] of objects) this.objects.set(oid, object)
    for (const oid of unshallow) fetched.shallow.delete(oid)
    for (const oid of shallow) fetched.shallow.add(oid)
  }

  private object(oid: string, type: ObjectType): Buffer {
    const object = this.objects.get(oid)
    if (!object) throw new MissingObjectError(oid, type)
    if (object.type !== type) throw new PinbotError('bad-object', `${oid} is a ${object.type}, not a ${type}`, { hint: 'run git fsck on the server repository' })
    return object.content
  }

  /** A tree's bytes, within the tree limit. */
  private treeObject(oid: string): Buffer {
    const content = this.object(oid, 'tree')
    if (content.length > this.limits.tree) throw new LimitExceededError('tree', this.limits.tree, ` (${oid}: ${formatSize(content.length)})`)
    return content
  }

  private tree(oid: string): TreeEntry[] {
    const parsed = this.parsedTrees.get(oid)
    if (parsed) return parsed
    try {
      const entries = parseTree(this.treeObject(oid))
      this.parsedTrees.set(oid, entries)
      return entries
    } catch (error) {
      if (!(error instanceof MalformedTreeError)) throw error
      throw badTree(oid, `is malformed: ${error.message}`)
    }
  }

  /** The entry at `path` (UTF-8 names, `/` between them) in a commit's tree, or undefined when absent. */
  async lookup(commit: string, path: string): Promise<TreeEntry | undefined> {
    let tree = this.parsedCommit(commit).tree
    const segments = path.split('/').map((segment) => Buffer.from(segment))
    for (const [i, name] of segments.entries()) {
      const entry = this.tree(tree).find((e) => e.name.equals(name))
      if (!entry || i === segments.length - 1) return entry
      if (entry.type !== 'tree') return undefined
      tree = entry.oid
    }
    return undefined
  }

  /** A blob's content; one a partial fetch left out is fetched alone (one request). */
  async readBlob(oid: string): Promise<Uint8Array> {
    if (!this.objects.has(oid) && this.fetched?.filter) await this.fetchObjects([oid])
    return this.object(oid, 'blob')
  }

  /** Objects by id, with a protocol-v2 fetch (partial-fetch.ts). */
  private async fetchObjects(oids: string[]): Promise<void> {
    const body = await smartHttpStream(
      this.http,
      {
        url: `${this.url}/git-upload-pack`,
        method: 'POST',
        headers: { 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result', 'git-protocol': 'version=2' },
        body: [objectsRequest(oids)],
      },
      'application/x-git-upload-pack-result',
      this.read,
    )
    const limits = { object: this.limits.object, total: this.limits.pack }
    const objects = await readAnswer(() => readV2Pack(body, this.limits.pack, (pack) => readPack(pack, (base) => this.objects.get(base), limits)))
    for (const [oid, object] of objects) this.objects.set(oid, object)
  }

  /** A commit, parsed. */
  async readCommit(oid: string): Promise<Commit> {
    return this.parsedCommit(oid)
  }

  private parsedCommit(oid: string): Commit {
    try {
      return parseCommit(this.object(oid, 'commit'))
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error
      throw new PinbotError('bad-object', `the commit ${oid} is malformed: ${serverText(error.message, 120)}`, {
        hint: 'run git fsck on the server repository',
      })
    }
  }

  /** A commit's exact bytes (what a signature covers), without git's header. */
  async readCommitBytes(oid: string): Promise<Uint8Array> {
    return this.object(oid, 'commit')
  }

  private write(type: ObjectType, content: Buffer): string {
    const oid = objectId(type, content)
    this.objects.set(oid, { type, content })
    this.written.add(oid)
    return oid
  }

  /**
   * The root tree of `commit` with the file at `path` set to `content` (a regular file, executable if it was).
   * Only the trees on the path are rewritten, each by splicing in its one changed entry:
   * every other entry (name, mode, order) keeps its exact bytes. Refuses (`bad-tree`)
   * when any tree of the commit is one git's fsck counts as an error: the bot's signed
   * commit would publish it again.
   */
  async treeWithFile(commit: string, path: string, content: Uint8Array): Promise<string> {
    const root = this.parsedCommit(commit).tree
    await this.checkTrees(root)
    const blob = this.write('blob', Buffer.from(content))
    const rewrite = (tree: string | undefined, [name, ...rest]: Buffer[]): string => {
      const existing = tree ? this.tree(tree).find((e) => e.name.equals(name)) : undefined
      if (rest.length > 0 && existing && existing.type !== 'tree') {
        throw new PinbotError('path-conflict', `cannot write ${path}: ${quotedName(name)} is a file, not a directory`, { hint: 'check the pin file path' })
      }
      // git writes a tree's mode as 40000; an executable file stays executable, as git keeps it on an edit.
      const entry = rest.length === 0 ? { mode: existing?.mode === '100755' ? '100755' : '100644', oid: blob, type: 'blob' as const } : { mode: '40000', oid: rewrite(existing?.oid, rest), type: 'tree' as const }
      return this.write('tree', treeWithEntry(tree ? this.object(tree, 'tree') : Buffer.alloc(0), name, entry))
    }
    return rewrite(root, path.split('/').map((segment) => Buffer.from(segment)))
  }

  /** Every tree under `root` checked as git's fsck checks trees (each tree once). */
  private async checkTrees(root: string): Promise<void> {
    const pending = [root]
    const seen = new Set(pending)
    // Each tree's parse is let go once checked, and the event loop gets a turn between
    // trees: a repo of many large trees (within the caps) neither holds them all parsed nor
    // starves the other repos' requests.
    let slice = performance.now()
    for (let oid = pending.pop(); oid !== undefined; oid = pending.pop()) {
      let subtrees: string[]
      try {
        subtrees = checkTree(this.treeObject(oid), quotedName)
      } catch (error) {
        if (!(error instanceof BadTreeError)) throw error
        throw badTree(oid, error.message, error.check)
      }
      for (const subtree of subtrees) {
        if (!seen.has(subtree)) {
          seen.add(subtree)
          pending.push(subtree)
        }
      }
      if (performance.now() - slice >= SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve))
        slice = performance.now()
      }
    }
  }

  /** A commit of `tree` on top of `parent`, signed when a signer is given. */
  async commit(options: { tree: string; parent: string; identity: BotIdentity; message: string; signer?: Signer }): Promise<string> {
    const timestamp = Math.floor(Date.now() / 1000)
    const person = { ...options.identity, timestamp, timezoneOffset: new Date(timestamp * 1000).getTimezoneOffset() }
    const commit = { tree: options.tree, parent: [options.parent], author: person, committer: person, message: options.message }
    return this.write('commit', options.signer ? await signCommit(commit, options.signer) : serializeCommit(commit))
  }

  /**
   * Move the remote `branch` from `expectedTip` (the tip we fetched) to `commit`, if it is
   * still there. Sends only the objects written since that fetch, with no ref discovery
   * first (receive-pack.ts). Never forces.
   */
  async push(branch: string, expectedTip: string, commit: string): Promise<void> {
    const ref = `refs/heads/${branch}`
    const pack = writePack([...this.written].map((oid) => this.objects.get(oid)!))
    const context: ErrorContext = { phase: 'push', tokenEnv: this.read.tokenEnv }
    let body: Buffer
    try {
      body = await smartHttpExchange(
        this.http,
        {
          url: `${this.url}/git-receive-pack`,
          method: 'POST',
          headers: { 'content-type': 'application/x-git-receive-pack-request', accept: 'application/x-git-receive-pack-result' },
          body: [receivePackRequest({ ref, old: expectedTip, new: commit }, pack)],
        },
        'application/x-git-receive-pack-result',
        context,
        // A push report is a few lines; the advertisement's limit bounds it generously.
        { name: 'advertisement', max: this.limits.advertisement },
      )
    } catch (error) {
      const cause = error as PinbotError
      // A gateway's 502, 503 or 504 may come after the push landed behind it, as a lost answer may.
      const gateway = cause instanceof RemoteError && (cause.status === 502 || cause.status === 503 || cause.status === 504)
      if (cause.code !== 'network' && cause.code !== 'timeout' && !gateway) throw cause
      throw new RemoteError(cause.code as 'network' | 'timeout' | 'http', `${cause.message}; the push was sent and may or may not have landed`, {
        hint: 'run again: a repo that got the pin reports unchanged',
        outcomeUnknown: true,
        cause,
      })
    }
    let report: PushReport
    try {
      report = parsePushReport(body)
    } catch (error) {
      throw malformedAnswerError((error as Error).message, error)
    }
    const refused = refusalOf(report, ref)
    if (refused !== undefined) throw pushRefusedError(refused, report.messages)
  }
}
