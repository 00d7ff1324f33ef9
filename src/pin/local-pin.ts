/**
 * Pinning a local checkout: write `.runtime-version` (canonical bytes) at the repository
 * root and, when asked, commit exactly that change as the bot. The commit is built from
 * HEAD's tree with only the pin blob replaced, and only the pin's index entry is updated,
 * so whatever else the user has staged or changed stays staged or changed, uncommitted.
 * Idempotent (same version: nothing written) and monotonic (no downgrade unless allowed).
 */
import fs from 'node:fs'
import { appendFile, lstat, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { BotCommit } from '../identity/bot-commit.js'
import { formatIdentity, type BotIdentity } from '../identity/commit-message.js'
import { commitSigningOptions } from '../identity/commit-signature.js'
import { PinbotError, UsageError } from '../errors.js'
import { isogit } from '../git/local/isogit.js'
import { openLocalRepo, readHead, type LocalRepo } from '../git/local/local-repo.js'
import { currentPinOf, decidePin, refusedPinError, type CurrentPin } from './pin-decision.js'
import { formatProblem, formatVersion, PIN_FILE } from '../contract/runtime-version.js'

export interface LocalPinOptions {
  dir: string
  /** Already validated (parseVersionArg). */
  version: string
  /**
   * Commit the pin as the bot. Called only when there is a commit to make (not for
   * `unchanged` or a refused downgrade), before anything is written; it may throw a
   * UsageError, e.g. when there is no commit identity.
   */
  commit?: () => BotCommit
  allowDowngrade?: boolean
}

export interface LocalPinResult {
  /** The repository's root directory. */
  root: string
  /** The pin file written (or that would have been). */
  file: string
  outcome: 'updated' | 'unchanged' | 'skipped'
  /** `downgrade`: refused, `repaired`: the pin found before was not a valid version. */
  reason?: 'downgrade' | 'repaired'
  /** The valid version found before (in HEAD with a commit, else in the working tree). */
  before?: string
  /** Why the pin found before was not valid (it gets replaced). */
  beforeProblem?: string
  /** The version the pin holds after the run: for a refused downgrade, the current (higher) one. */
  after: string
  commit?: string
  branch?: string
  signed?: boolean
}

type Head = Awaited<ReturnType<typeof readHead>>

export async function pinLocal(options: LocalPinOptions): Promise<LocalPinResult> {
  return options.commit ? pinAndCommit(options, options.commit) : pinWorkingTree(options)
}

async function pinWorkingTree(options: LocalPinOptions): Promise<LocalPinResult> {
  if (!(await stat(options.dir).then((s) => s.isDirectory(), () => false))) {
    throw new UsageError('dir-missing', `${options.dir} is not a directory`, { hint: 'Pass --dir with the path of the checkout to pin.' })
  }
  // The pin goes at a repository's root: outside one there is no root to put it at.
  const root = await isogit.findRoot({ fs, filepath: path.resolve(options.dir) }).catch(() => undefined)
  if (root === undefined) {
    throw new UsageError('not-a-repository', `${options.dir} is not inside a git checkout; nothing was written`, {
      hint: 'Run pin inside the template checkout, pass --dir with its path, or pin a remote repo with --remote.',
    })
  }
  const file = path.join(root, PIN_FILE)
  const result = decide(options, root, file, file, await readWorkingPin(file))
  if (result.outcome === 'updated') await writeWorkingPin(file, options.version)
  return result
}

async function pinAndCommit(options: LocalPinOptions, prepareCommit: () => BotCommit): Promise<LocalPinResult> {
  const repo = await openLocalRepo(options.dir)
  const file = path.join(repo.dir, PIN_FILE)
  const head = await readHead(repo)
  const entries = head.oid ? (await isogit.readTree({ fs, gitdir: repo.commonDir, oid: head.oid })).tree : []
  const entry = entries.find((e) => e.path === PIN_FILE)
  const committed = await currentPinOf(entry, async (oid) => (await isogit.readBlob({ fs, gitdir: repo.commonDir, oid })).blob)
  const result = { ...decide(options, repo.dir, file, `${PIN_FILE} in HEAD`, committed), ...(head.branch ? { branch: head.branch } : {}) }
  if (result.outcome !== 'updated') return result
  const commit = prepareCommit()
  // The working tree gets the new pin too: refuse a symlink or directory there before anything is written.
  const working = await readWorkingPin(file)
  if (working.kind !== 'absent' && working.kind !== 'file') throw refusedPinError(file, working.kind)

  const gitdir = repo.commonDir
  const blob = await isogit.writeBlob({ fs, gitdir, blob: new TextEncoder().encode(formatVersion(options.version)) })
  const pinEntry = { mode: entry?.mode ?? '100644', path: PIN_FILE, oid: blob, type: 'blob' as const }
  const tree = await isogit.writeTree({ fs, gitdir, tree: [...entries.filter((e) => e !== entry), pinEntry] })
  const oid = await isogit.commit({
    fs,
    gitdir,
    message: commit.message,
    author: commit.identity,
    committer: commit.identity,
    tree,
    parent: head.oid ? [head.oid] : [],
    noUpdateBranch: true,
    ...(commit.signer ? commitSigningOptions(commit.signer) : {}),
  })
  await moveHead(repo, head, oid, commit)
  await writeWorkingPin(file, options.version)
  await stagePin(repo, blob)
  return { ...result, commit: oid, signed: Boolean(commit.signer) }
}

/** The result for the pin found at `where` (shown in a refusal), written to `file`. */
function decide(options: LocalPinOptions, root: string, file: string, where: string, current: CurrentPin): LocalPinResult {
  const decision = decidePin(current, options.version, { allowDowngrade: options.allowDowngrade })
  if (decision.action === 'refuse') throw refusedPinError(where, decision.found)
  if (decision.action === 'keep') {
    return { root, file, outcome: decision.outcome, ...(decision.outcome === 'skipped' && { reason: decision.reason }), before: decision.before, after: decision.before }
  }
  return {
    root,
    file,
    outcome: 'updated',
    ...(decision.reason && { reason: decision.reason }),
    ...(decision.before ? { before: decision.before } : {}),
    ...(decision.problem ? { beforeProblem: formatProblem(PIN_FILE, decision.problem) } : {}),
    after: options.version,
  }
}

/** The pin file in the working tree, never following a link. */
async function readWorkingPin(file: string): Promise<CurrentPin> {
  const info = await lstat(file).catch(() => undefined)
  if (!info) return { kind: 'absent' }
  if (info.isSymbolicLink()) return { kind: 'symlink' }
  if (!info.isFile()) return { kind: 'directory' }
  return { kind: 'file', bytes: await readFile(file) }
}

/** Replace the file whole (temp + rename), keeping its mode. */
async function writeWorkingPin(file: string, version: string): Promise<void> {
  const temp = `${file}.pinbot-${process.pid}`
  const mode = await stat(file).then((s) => s.mode & 0o777, () => 0o644)
  await writeFile(temp, formatVersion(version), { mode })
  await rename(temp, file)
}

/**
 * Update the pin's index entry only. `add` records the file's real stat data, so plumbing
 * such as `git diff-index --quiet HEAD` sees a clean file; but it writes the blob into the
 * gitdir it is given, which in a linked worktree is not where objects live, so there we
 * insert the (already written) blob by id, with empty stat data that git refreshes later.
 */
async function stagePin(repo: LocalRepo, blob: string): Promise<void> {
  if (repo.gitdir === repo.commonDir) await isogit.add({ fs, dir: repo.dir, gitdir: repo.gitdir, filepath: PIN_FILE })
  else await isogit.updateIndex({ fs, dir: repo.dir, gitdir: repo.gitdir, filepath: PIN_FILE, oid: blob, add: true })
}

/** Point the branch (or a detached HEAD) at the new commit, unless HEAD moved meanwhile. */
async function moveHead(repo: LocalRepo, head: Head, oid: string, commit: BotCommit): Promise<void> {
  const now = await readHead(repo)
  if (now.oid !== head.oid || now.branch !== head.branch) {
    throw new PinbotError('head-moved', `HEAD of ${repo.dir} moved while pinning; the pin was not committed`, { hint: 'Run the pin again.' })
  }
  if (head.branch) await isogit.writeRef({ fs, gitdir: repo.commonDir, ref: head.branch, value: oid, force: true })
  else await writeFile(path.join(repo.gitdir, 'HEAD'), `${oid}\n`)
  const action = head.oid ? 'commit' : 'commit (initial)'
  const line = reflogLine(head.oid, oid, commit.identity, `${action}: ${commit.message.split('\n')[0]}`)
  const logs = [path.join(repo.gitdir, 'logs', 'HEAD'), ...(head.branch ? [path.join(repo.commonDir, 'logs', head.branch)] : [])]
  for (const log of logs) {
    await mkdir(path.dirname(log), { recursive: true })
    await appendFile(log, line)
  }
}

/** A reflog entry, as git writes it, so `git reflog` can find the pin commit. */
function reflogLine(before: string | undefined, after: string, who: BotIdentity, message: string): string {
  const offset = -new Date().getTimezoneOffset()
  const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}${String(Math.abs(offset) % 60).padStart(2, '0')}`
  return `${before ?? '0'.repeat(40)} ${after} ${formatIdentity(who)} ${Math.floor(Date.now() / 1000)} ${zone}\t${message}\n`
}
