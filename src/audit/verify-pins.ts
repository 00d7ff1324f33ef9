/**
 * `verify-pins` as a library call: audit every repo concurrently over one HTTP client,
 * then judge the fleet. openpgp is only loaded when public keys are given.
 */
import type { VerificationKeys } from '../identity/signing.js'
import { auditRepo, failedAudit, type RepoAudit, type RepoTarget, type VerifySignature } from './audit.js'
import { summarizeFleet, type FleetAudit } from './audit-fleet.js'
import type { ForgeAuth } from '../git/auth.js'
import { DEFAULT_CONCURRENCY } from '../fleet/cascade.js'
import { createHttpClient, scopedHttp } from '../git/http.js'
import { DEFAULT_REPO_TIMEOUT_MS, interruptedError, withinRepoDeadline } from '../fleet/repo-deadline.js'
import type { Limits } from '../git/limits.js'
import { runPool } from '../fleet/pool.js'
import { pacedHttpClient, type OriginWait } from '../fleet/pacing.js'
import type { PinConsumer } from '../pin/pin-consumer.js'

/**
 * Repos audited at once when neither the flag nor the manifest says. Twice the cascade's:
 * an audit only reads (2 small requests per repo), and with a forge a round trip away the
 * wall time is ceil(N / concurrency) round trips. (200 repos on the loopback forge: 32 ->
 * 64 took 3.0 -> 2.7 s.)
 */
export const DEFAULT_AUDIT_CONCURRENCY = 2 * DEFAULT_CONCURRENCY

export interface VerifyPinsOptions {
  repos: readonly RepoTarget[]
  pinFile: string
  /** Repos without this file are skipped, as cascade skips them. */
  requireFile?: string
  /** Check that each template's build reads the pin. */
  consumer?: PinConsumer
  /** The version every repo should be on; default: the highest found. */
  expect?: string
  /** The bot's public keys (OpenPGP, SSH, allowed_signers); when given, the last pin change of every repo is verified. */
  keys?: VerificationKeys
  maxDepth: number
  concurrency: number
  auth: ForgeAuth
  timeoutMs?: number
  /** Origins the token is sent to (default: every repo's); elsewhere reads are anonymous. */
  tokenOrigins?: readonly string[]
  /** Per-repo deadline: past it the repo fails `timeout`, whatever its server does (default DEFAULT_REPO_TIMEOUT_MS). */
  repoTimeoutMs?: number
  /** When it aborts, repos not yet started are reported interrupted, unread. */
  stop?: AbortSignal
  /** When it aborts, repos in flight end too, interrupted. */
  abort?: AbortSignal
  /** Size caps on what servers send (default: DEFAULT_LIMITS). */
  limits?: Partial<Limits>
  /** Called each time the forge asks to slow down and its origin waits (fleet/pacing.ts). */
  onWait?: (wait: OriginWait) => void
  /** Called as each repo finishes, in completion order. */
  onAudit?: (audit: RepoAudit, index: number) => void
  /** Called as each repo's audit starts. */
  onStart?: (repo: RepoTarget, index: number) => void
}

async function signatureVerifier(keys: VerificationKeys | undefined): Promise<VerifySignature | undefined> {
  if (!keys || keys.openpgp.length + keys.ssh.length === 0) return undefined
  const { verifyCommitSignature } = await import('../identity/signing.js')
  return (signed) => verifyCommitSignature({ ...signed, keys })
}

export async function verifyPins(options: VerifyPinsOptions): Promise<FleetAudit> {
  const verify = await signatureVerifier(options.keys)
  const { auth, tokenOrigins, timeoutMs } = options
  const http = pacedHttpClient(createHttpClient({ token: auth.token, tokenUser: auth.tokenUser, timeoutMs, tokenOrigins }), { onWait: options.onWait })
  const repoTimeoutMs = options.repoTimeoutMs ?? DEFAULT_REPO_TIMEOUT_MS
  try {
    const outcomes = await runPool(options.repos, options.concurrency, async (repo, index) => {
      if (options.stop?.aborted) return failedAudit(repo, interruptedError(false))
      options.onStart?.(repo, index)
      const settings = { pinFile: options.pinFile, requireFile: options.requireFile, consumer: options.consumer, verify, maxDepth: options.maxDepth, tokenEnv: auth.tokenEnv, limits: options.limits }
      // Every request of the repo carries its deadline; the race ends it even mid-parse.
      const audit = await withinRepoDeadline(repoTimeoutMs, options.abort, (signal) => auditRepo(repo, { ...settings, http: scopedHttp(http, { signal }) })).catch((error: unknown) =>
        failedAudit(repo, error),
      )
      const movedTo = http.movedTo?.(repo.url)
      if (movedTo) audit.movedTo = movedTo
      options.onAudit?.(audit, index)
      return audit
    })
    // auditRepo never throws; a pool failure here would be a bug, so surface it.
    const audits = outcomes.map((outcome) => {
      if (!outcome.ok) throw outcome.error
      return outcome.value
    })
    return summarizeFleet(audits, { expect: options.expect, signaturesChecked: Boolean(verify) })
  } finally {
    http.destroy()
  }
}
