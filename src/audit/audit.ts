/**
 * The audit of one repository, read-only and in memory: the branch tip, the pin file
 * there (missing, invalid with the contract's problems, or a version), and, when a
 * signature check is asked for, the commit that last changed the pin and who signed it.
 * A hand edit after the bot's pin shows up here: the last change is then not the bot's,
 * and the one before it is.
 */
import type { HttpClient } from '../git/http.js'
import type { Limits } from '../git/limits.js'
import { MemoryRepo, type TreeEntry } from '../git/memory-repo.js'
import { pinHistory, type PinHistory } from './pin-history.js'
import { verifyPinCommit, type PinCommit, type SignatureStatus, type VerifySignature } from './pin-signature.js'
import { readPinState, type PinState } from '../pin/pin-state.js'
import { consumesPin, type PinConsumer } from '../pin/pin-consumer.js'
import { classifyRemoteError } from '../git/remote-errors.js'
import type { VersionProblem } from '../contract/runtime-version.js'

export type { PinCommit, SignatureStatus, VerifySignature } from './pin-signature.js'

export const DEFAULT_MAX_DEPTH = 50

export interface RepoTarget {
  /** How the repo is named in reports (OWNER/NAME or the URL). */
  name: string
  url: string
  /** Audit this branch instead of the default branch. */
  branch?: string
}

export interface RepoAudit {
  repo: string
  branch: string | null
  tip: string | null
  pin: PinState | null
  version: string | null
  problems: VersionProblem[]
  /** Null when signatures were not checked (no --key) or the pin is missing. */
  signature: SignatureStatus | null
  commit: PinCommit | null
  /**
   * When the last pin change is not the bot's: the bot's signed pin it replaced, if the
   * change before it was one (a hand edit after the bot's pin).
   */
  replacedBotPin: { oid: string; distance: number; version: string | null } | null
  /** Set when the repo is not expected to be pinned, as cascade would skip it. */
  skipped: 'missing-required-file' | null
  /** The new URL a redirect of the repo's first request led to: the manifest should say it. */
  movedTo?: string
  /** With a manifest `consumer`: whether the template's build reads the pin (cascade skips it as not-consumed otherwise). */
  consumer: (PinConsumer & { reads: boolean }) | null
  error: { code: string; message: string; hint?: string } | null
}

export interface AuditOptions {
  http: HttpClient
  pinFile: string
  /** A repo without this file at the tip is skipped, as cascade skips it (manifest `requireFile`). */
  requireFile?: string
  /** Check that this file reads the pin (manifest `consumer`). */
  consumer?: PinConsumer
  /** Without it, only the tip is fetched (depth 1) and no signature is checked. */
  verify?: VerifySignature
  maxDepth: number
  /** Where the token came from, named in the hint of an auth failure. */
  tokenEnv?: string
  limits?: Partial<Limits>
}

/** The change before a non-bot pin change, when that one is the bot's signed pin. */
async function replacedBotPin(
  repo: MemoryRepo,
  history: PinHistory,
  before: { oid: string; entry: TreeEntry | undefined },
  distance: number,
  verify: VerifySignature,
): Promise<RepoAudit['replacedBotPin']> {
  const earlier = await history.lastChange(before.oid, distance)
  if (!earlier.found) return null
  const { signature } = await verifyPinCommit(repo, earlier.oid, earlier.distance, verify)
  if (signature !== 'signed-by-bot') return null
  const { version } = await readPinState(repo, before.entry)
  return { oid: earlier.oid, distance: earlier.distance, version }
}

function blankAudit(target: RepoTarget): RepoAudit {
  return {
    repo: target.name,
    branch: null,
    tip: null,
    pin: null,
    version: null,
    problems: [],
    signature: null,
    commit: null,
    replacedBotPin: null,
    skipped: null,
    consumer: null,
    error: null,
  }
}

/** A repo whose audit ended before it learnt anything (its deadline passed): the error alone. */
export function failedAudit(target: RepoTarget, error: unknown): RepoAudit {
  return { ...blankAudit(target), error: classifyRemoteError(error).toJSON() }
}

/**
 * Audit one repo. Never throws: a remote or git failure becomes `error`, with whatever
 * was learnt before it (branch, version) kept.
 */
export async function auditRepo(target: RepoTarget, options: AuditOptions): Promise<RepoAudit> {
  const result = blankAudit(target)
  try {
    const repo = new MemoryRepo(target.url, options.http, options.tokenEnv, options.limits)
    // A signature check needs the tip's parent to see whether the tip changed the pin.
    const depth = options.verify ? 2 : 1
    const { branch, tip } = await repo.fetch(target.branch, { depth })
    Object.assign(result, { branch, tip })
    const entry = await repo.lookup(tip, options.pinFile)
    const required = !options.requireFile || Boolean(await repo.lookup(tip, options.requireFile))
    // Both blobs asked for at once, so that a repo fetched without blobs can get them in one request.
    const consumer = required ? options.consumer : undefined
    const [state, reads] = await Promise.all([readPinState(repo, entry), consumer && consumesPin(repo, tip, consumer)])
    Object.assign(result, state)
    if (!required) {
      result.skipped = 'missing-required-file'
      return result
    }
    if (consumer) result.consumer = { ...consumer, reads: reads! }
    if (!options.verify || !entry) return result

    const history = pinHistory(repo, {
      pinFile: options.pinFile,
      maxDepth: options.maxDepth,
      fetchedDepth: depth,
      deepen: (by) => repo.deepen(by),
    })
    const change = await history.lastChange(tip, 1)
    if (!change.found) {
      result.signature = 'beyond-max-depth'
      return result
    }
    Object.assign(result, await verifyPinCommit(repo, change.oid, change.distance, options.verify))
    if (result.signature !== 'signed-by-bot' && change.before?.entry) {
      result.replacedBotPin = await replacedBotPin(repo, history, change.before, change.distance + 1, options.verify)
    }
  } catch (error) {
    result.error = classifyRemoteError(error).toJSON()
  }
  return result
}
