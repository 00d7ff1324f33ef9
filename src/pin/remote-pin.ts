/**
 * Pin one remote repository: the unit the cascade repeats.
 *
 * 1. fetch the branch tip (depth 1, in memory); the default branch comes from the same
 *    ref advertisement unless a branch is given;
 * 2. read the pin at the tip and decide: unchanged, skipped (downgrade, missing required
 *    file), or write (repairing a malformed pin);
 * 3. build the commit from objects (new blob, new root tree, parent = tip), signed when a
 *    signer is given, and push it without force;
 * 4. when the push loses a race (the branch moved), wait a jittered, growing delay,
 *    fetch the new tip and decide again from step 2, a bounded number of times. A hook or
 *    protection rejection is final. A push whose answer was lost is never resent blindly:
 *    the tip is read again; if it is our commit, the push landed; else decide again.
 *
 * Never throws for a repo-level problem: every run ends in one PinResult. Logs go to
 * `onLog` (the caller buffers and attributes them), never to the console.
 */
import type { ForgeAuth } from '../git/auth.js'
import { PinbotError, UsageError } from '../errors.js'
import { createHttpClient, scopedHttp, type HttpClient } from '../git/http.js'
import type { BotIdentity } from '../identity/commit-message.js'
import { MemoryRepo } from '../git/memory-repo.js'
import type { Limits } from '../git/limits.js'
import { consumesPin, notConsumedMessage, type PinConsumer } from './pin-consumer.js'
import { currentPinOf, decidePin, refusedPinError } from './pin-decision.js'
import { pinFailure, type PinResult } from './pin-result.js'
import { redact } from '../redact.js'
import { RemoteError, TOKEN_WITHHELD, isOutcomeUnknown, isRace, movedNotice } from '../git/remote-errors.js'
import { resolveRepo, type RepoRef } from '../git/repo-ref.js'
import { checkBranchArg } from '../git/branch-name.js'
import { PIN_FILE, formatVersion, parseVersionArg } from '../contract/runtime-version.js'
import type { Signer } from '../identity/signing.js'

export type { PinResult } from './pin-result.js'

export interface PinRemoteOptions {
  /** The repository: a resolved RepoRef, or a clone URL. */
  repo: RepoRef | string
  version: string
  /** The branch to pin; default: the branch the remote's HEAD points at. */
  branch?: string
  /** Credentials; ignored when `http` is given. */
  auth?: ForgeAuth
  /** A shared HTTP client (the caller destroys it); default: one for this repo. */
  http?: HttpClient
  /** Idle timeout per request, for the client created here. */
  timeoutMs?: number
  /** Size caps on what the server sends (default: DEFAULT_LIMITS). */
  limits?: Partial<Limits>
  identity: BotIdentity
  message: string
  /** Signs the commit payload (armored detached signature); undefined: unsigned commit. */
  signer?: Signer
  pinFile?: string
  /** Skip the repo (reason `missing-required-file`) when this path is absent at the tip. */
  requireFile?: string
  /** Skip the repo (reason `not-consumed`) when this file does not read the pin. */
  consumer?: PinConsumer
  allowDowngrade?: boolean
  /** Re-attempts after a lost race (default 3). */
  retries?: number
  /** Everything except the push. */
  dryRun?: boolean
  /** Awaited before each push; a rejection fails the repo with nothing pushed (the cascade's token check). */
  beforePush?: () => Promise<void>
  /** Milliseconds to wait before re-attempt number `attempt` (2, 3, ...). */
  backoff?: (attempt: number) => number
  onLog?: (line: string) => void
  /** What the pin is doing now, for live views: reading the tip, signing, pushing, waiting to retry. */
  onPhase?: (phase: PinPhase) => void
  /** Called once per HTTP request made, for the client created here. */
  onRequest?: (req: { method: string; url: string }) => void
}

/** A 401 or 403 from the origin a redirect led to, which never saw the token (http.ts): say that, not "check the token". */
function movedAwayError(error: unknown, url: string, movedTo: string | undefined): unknown {
  const code = (error as PinbotError | undefined)?.code
  if (!movedTo || (code !== 'auth' && code !== 'forbidden') || new URL(movedTo).origin === new URL(url).origin) return error
  const said = (error as Error).message.replace(`; ${TOKEN_WITHHELD}`, '')
  return new PinbotError(code, `${said}: the repo moved to ${movedTo}, another origin, where the token is not sent`, {
    hint: 'update the manifest (or --remote) to the new URL; if the token is for that origin, name it in "tokenOrigins"',
  })
}

export type PinPhase = { phase: 'reading' | 'signing' } | { phase: 'pushing'; branch: string; commit: string } | { phase: 'retrying'; delayMs: number }

export const DEFAULT_RETRIES = 3

/** Exponential from 200 ms, capped at 5 s, each delay jittered to 50-150 %. */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(200 * 2 ** (attempt - 2), 5000)
  return Math.round(base * (0.5 + Math.random()))
}

export async function pinRemote(options: PinRemoteOptions): Promise<PinResult> {
  const started = performance.now()
  const repo = typeof options.repo === 'string' ? resolveRepo(options.repo) : options.repo
  const version = parseVersionArg(options.version)
  const pinFile = checkPath(options.pinFile ?? PIN_FILE, 'pin file')
  const requireFile = options.requireFile === undefined ? undefined : checkPath(options.requireFile, '--require-file')
  if (options.branch !== undefined) checkBranchArg(options.branch, 'branch')
  const retries = options.retries ?? DEFAULT_RETRIES
  if (!Number.isInteger(retries) || retries < 0) throw new UsageError('invalid-retries', `retries must be a whole number >= 0, got ${retries}`)
  if (!options.message.trim()) throw new UsageError('invalid-message', 'the commit message is empty')

  const log = (line: string) => options.onLog?.(redact(line))
  const ownHttp = options.http
    ? undefined
    : createHttpClient({ token: options.auth?.token, tokenUser: options.auth?.tokenUser, timeoutMs: options.timeoutMs, onRequest: options.onRequest, retryTooManyRequests: true })
  // Its own client's retries go to this repo's log, as a cascade's do.
  const http = options.http ?? scopedHttp(ownHttp!, { log })
  let branch = options.branch
  let attempts = 0
  const result = (fields: Omit<PinResult, 'repo' | 'branch' | 'attempts' | 'durationMs'>): PinResult => {
    const movedTo = http.movedTo?.(repo.url)
    if (movedTo) log(movedNotice(movedTo))
    return { repo: repo.display, branch: branch ?? '', attempts, ...fields, ...(movedTo && { movedTo }), durationMs: Math.round(performance.now() - started) }
  }
  /** A push whose answer was lost, until the tip is read again. */
  let unconfirmed: { commit: string; error: RemoteError; updated: () => PinResult } | undefined

  try {
    const memory = new MemoryRepo(repo.url, http, options.auth?.tokenEnv, options.limits)
    for (;;) {
      attempts++
      options.onPhase?.({ phase: 'reading' })
      // After a lost answer, a failed re-read leaves the push's outcome unknown: say so.
      const fetched = await memory.fetch(branch).catch((error: unknown) => {
        throw unconfirmed?.error ?? error
      })
      branch = fetched.branch
      const tip = fetched.tip
      log(`attempt ${attempts}: ${branch} is at ${tip.slice(0, 7)}`)
      if (unconfirmed?.commit === tip) {
        log(`the earlier push had landed: ${branch} is at ${tip.slice(0, 7)}`)
        return unconfirmed.updated()
      }
      unconfirmed = undefined

      if (requireFile && !(await memory.lookup(tip, requireFile))) {
        log(`${requireFile} is absent: skipping`)
        return result({ outcome: 'skipped', reason: 'missing-required-file' })
      }
      // Both blobs asked for at once, so that a repo fetched without blobs can get them in one request.
      const [current, consumed] = await Promise.all([
        currentPinOf(await memory.lookup(tip, pinFile), (oid) => memory.readBlob(oid)),
        !options.consumer || consumesPin(memory, tip, options.consumer),
      ])
      const decision = decidePin(current, version, { allowDowngrade: options.allowDowngrade })
      if (options.consumer && !consumed) {
        log(`${notConsumedMessage(options.consumer)}: skipping`)
        const before = 'before' in decision ? decision.before : undefined
        return result({ outcome: 'skipped', reason: 'not-consumed', before, after: before })
      }
      if (decision.action === 'refuse') throw refusedPinError(`${pinFile} at the tip of ${branch}`, decision.found)
      if (decision.action === 'keep') {
        log(decision.outcome === 'unchanged' ? `already at ${version}` : `holds ${decision.before}, higher than ${version}: not lowering it`)
        return decision.outcome === 'unchanged'
          ? result({ outcome: 'unchanged', before: decision.before, after: decision.before })
          : result({ outcome: 'skipped', reason: decision.reason, before: decision.before, after: decision.before })
      }

      const tree = await memory.treeWithFile(tip, pinFile, Buffer.from(formatVersion(version)))
      options.onPhase?.({ phase: 'signing' })
      const commit = await memory.commit({ tree, parent: tip, identity: options.identity, message: options.message, signer: options.signer })
      const change = `${decision.before ?? (decision.reason === 'repaired' ? 'malformed pin' : 'no pin')} -> ${version}`
      const updated = () => result({ outcome: 'updated', ...(decision.reason && { reason: decision.reason }), before: decision.before, after: version, commit })
      if (options.dryRun) {
        log(`dry run: would push ${commit.slice(0, 7)} (${change}) to ${branch}`)
        return updated()
      }
      await options.beforePush?.()
      try {
        options.onPhase?.({ phase: 'pushing', branch, commit })
        await memory.push(branch, tip, commit)
        log(`pushed ${commit.slice(0, 7)} (${change}) to ${branch}`)
        return updated()
      } catch (error) {
        if (isOutcomeUnknown(error) && attempts <= retries) {
          log(`${error.message}: re-reading ${branch} before deciding again`)
          unconfirmed = { commit, error, updated }
          continue
        }
        if (!isRace(error)) throw error
        if (attempts > retries) {
          throw new RemoteError('rejected', `${branch} kept moving: the push lost the race ${attempts} times (${(error as Error).message})`, {
            hint: 'another writer keeps pushing to this branch; run again later or raise --retries',
            race: true,
          })
        }
        const delay = (options.backoff ?? defaultBackoff)(attempts + 1)
        log(`${branch} moved under the push (${(error as Error).message}); re-reading in ${delay} ms`)
        options.onPhase?.({ phase: 'retrying', delayMs: delay })
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  } catch (error) {
    const failure = pinFailure(movedAwayError(error, repo.url, http.movedTo?.(repo.url)))
    log(`failed: ${failure.message}`)
    return result({ outcome: 'failed', reason: failure.code, error: failure })
  } finally {
    ownHttp?.destroy()
  }
}

/** A repository-relative path: no leading slash, no `.`/`..`/`.git` segments. */
function checkPath(path: string, what: string): string {
  const segments = path.split('/')
  if (!path || segments.some((s) => !s || s === '.' || s === '..' || s.toLowerCase() === '.git' || s.includes('\0') || s.includes('\\'))) {
    throw new UsageError('invalid-path', `${what}: "${path}" is not a path inside the repository`, { hint: 'use a relative path such as .github/workflows/publish-image.yml' })
  }
  return path
}
