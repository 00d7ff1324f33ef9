/**
 * The cascade: pin every repo of a manifest with bounded concurrency, and account for
 * each one. The pinning itself is injected (`pinOne`), so this module owns only the
 * orchestration: order, concurrency, events for the progress views, each repo's log
 * lines buffered and handed over whole when it finishes (never interleaved), and the
 * guarantee that a repo whose pin throws still ends as a `failed` result.
 */
import { PinbotError } from '../errors.js'
import type { ManifestRepo } from './manifest.js'
import { PIN_OUTCOMES, pinFailure, type PinOutcome, type PinResult } from '../pin/pin-result.js'
import { runPool } from './pool.js'
import type { PinPhase } from '../pin/remote-pin.js'
import { redact } from '../redact.js'
import { DEFAULT_REPO_TIMEOUT_MS, interruptedError, whenAborted, withinRepoDeadline } from './repo-deadline.js'

/**
 * Pin one repo; `log` collects that repo's progress lines (e.g. pinRemote's `onLog`);
 * `signal` aborts when the repo's deadline passes or the run is aborted (its reason is the
 * typed error the repo fails with); `onPhase` tells the progress views what it is doing.
 */
export type PinOne = (repo: ManifestRepo, log: (line: string) => void, signal: AbortSignal, onPhase: (phase: PinPhase) => void) => Promise<PinResult>

export type CascadeEvent =
  | { type: 'start'; repo: ManifestRepo; index: number; total: number }
  | { type: 'phase'; repo: ManifestRepo; index: number; phase: PinPhase }
  | { type: 'done'; repo: ManifestRepo; index: number; total: number; result: PinResult; log: string[] }

export interface CascadeOptions {
  repos: readonly ManifestRepo[]
  version: string
  concurrency: number
  dryRun?: boolean
  pinOne: PinOne
  onEvent?: (event: CascadeEvent) => void
  /**
   * A check that runs alongside the first pins (the cascade's token check): no repo is
   * reported before it passed, and if it fails the cascade fails with its error and reports
   * no repo at all.
   */
  preflight?: Promise<unknown>
  /** Each repo's deadline: past it the repo fails `timeout`, whatever the server does. */
  repoTimeoutMs?: number
  /** Once aborted, no more repos start; the ones not started end `failed` (`interrupted`). */
  stop?: AbortSignal
  /** Once aborted, the repos in flight fail with its reason too. */
  abort?: AbortSignal
}

/**
 * Repos pinned at once when neither the flag nor the manifest says. A pin is three small
 * requests (a depth-1 fetch, a push of three objects) and a few milliseconds of our CPU,
 * so the wall time is mostly round trips: about ceil(N / concurrency) x 3 of them. 32 keeps
 * a forge busy without crowding it (200 repos on the loopback forge, medians of 4: 16 ->
 * 32 took 5.78 -> 5.07 s). Lower it for a small self-hosted forge.
 */
export const DEFAULT_CONCURRENCY = 32

export type CascadeCounts = Record<PinOutcome, number>

/** The `cascade --json` document. */
export interface CascadeReport {
  version: string
  dryRun: boolean
  results: PinResult[]
  counts: CascadeCounts
}

/**
 * A pin that threw instead of returning a result (its deadline, an interrupt): still one
 * `failed` outcome. `pushing`: the push it had sent and not heard back from.
 */
function thrownResult(repo: ManifestRepo, error: unknown, durationMs: number, pushing?: { branch: string; commit: string }): PinResult {
  const failure = pinFailure(error)
  if (!pushing) return { repo: repo.name, branch: repo.branch ?? '', outcome: 'failed', reason: failure.code, attempts: 1, error: failure, durationMs }
  const unknown = new PinbotError(failure.code, `${failure.message}, after the push of ${pushing.commit.slice(0, 7)} to ${pushing.branch} was sent: it may or may not have landed`, {
    hint: 're-run the command: a repo that got the pin reports unchanged',
  })
  return { repo: repo.name, branch: pushing.branch, outcome: 'failed', reason: failure.code, attempts: 1, commit: pushing.commit, error: pinFailure(unknown), durationMs }
}

export function countOutcomes(results: readonly PinResult[]): CascadeCounts {
  const counts = Object.fromEntries(PIN_OUTCOMES.map((outcome) => [outcome, 0])) as CascadeCounts
  for (const result of results) counts[result.outcome]++
  return counts
}

export async function runCascade(options: CascadeOptions): Promise<CascadeReport> {
  const { repos, version, concurrency, dryRun = false, pinOne, onEvent } = options
  const repoTimeoutMs = options.repoTimeoutMs ?? DEFAULT_REPO_TIMEOUT_MS
  const total = repos.length
  const startedAt = new Array<number>(total)
  const results = new Array<PinResult>(total)
  const preflight = options.preflight ?? Promise.resolve()
  // After a failed preflight no pin reports: the run ends with the preflight's error. An
  // aborted run does not wait for it (its repos did not push: pushes wait for it too).
  const abandoned = options.abort ? whenAborted(options.abort).catch(() => {}) : new Promise<void>(() => {})
  const preflightPassed = () => Promise.race([preflight.catch(() => new Promise<never>(() => {})), abandoned])

  const pins = runPool(repos, concurrency, async (repo, index) => {
    startedAt[index] = Date.now()
    if (options.stop?.aborted) {
      results[index] = thrownResult(repo, interruptedError(false), 0)
      return
    }
    onEvent?.({ type: 'start', repo, index, total })
    const log: string[] = []
    let result: PinResult
    // A push on its way when the deadline or an interrupt ends the repo may have landed: say so.
    let pushing: { branch: string; commit: string } | undefined
    try {
      // Reports and --only use the manifest's name for the repo, whatever pinOne calls it.
      const onPhase = (phase: PinPhase) => {
        // Kept through the re-read after a lost answer; a new commit or a lost race ends it.
        if (phase.phase === 'pushing') pushing = { branch: phase.branch, commit: phase.commit }
        else if (phase.phase !== 'reading') pushing = undefined
        onEvent?.({ type: 'phase', repo, index, phase })
      }
      const pinned = await withinRepoDeadline(repoTimeoutMs, options.abort, (signal) => pinOne(repo, (line) => log.push(redact(line)), signal, onPhase))
      result = { ...pinned, repo: repo.name }
    } catch (error) {
      result = thrownResult(repo, error, Date.now() - startedAt[index], pushing)
    }
    await preflightPassed()
    results[index] = result
    onEvent?.({ type: 'done', repo, index, total, result, log })
  })
  await Promise.all([pins, Promise.race([preflight, abandoned])])

  return { version, dryRun, results, counts: countOutcomes(results) }
}

export function failedRepos(report: CascadeReport): string[] {
  return report.results.filter((result) => result.outcome === 'failed').map((result) => result.repo)
}

/** Quote one argument for a POSIX shell; plain words stay as they are. */
export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

/** Flags a re-run drops, with how many values each takes: `--only` is replaced, and the failed repos may sit in any shard. */
const RERUN_DROPS: Record<string, number> = { '--only': Infinity, '--shard': 1 }

/**
 * The command line that re-runs only `repos`: the original arguments (`argv`, as the
 * command received them, without the command name) with any earlier `--only` values
 * replaced and `--shard` dropped. Flags name environment variables rather than carry
 * secrets, and anything registered as a secret is masked all the same.
 */
export function rerunCommand(argv: readonly string[], repos: readonly string[], command = 'pinbot cascade'): string {
  const kept: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [flag, inline] = arg.split(/=(.*)/s, 2)
    if (Object.hasOwn(RERUN_DROPS, flag)) {
      // Drop the bare words that follow it (--only takes several values).
      for (let values = inline === undefined ? RERUN_DROPS[flag] : 0; values > 0 && i + 1 < argv.length && !argv[i + 1].startsWith('-'); values--) i++
      continue
    }
    kept.push(arg)
  }
  const only = repos.flatMap((repo) => ['--only', repo])
  return [command, ...[...kept, ...only].map((arg) => shellQuote(redact(arg)))].join(' ')
}
