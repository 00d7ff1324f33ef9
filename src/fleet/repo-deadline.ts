/**
 * One repo's deadline, for every fleet command: past it the repo fails `timeout`, whatever
 * its server does (an idle timeout alone lets a server that drips a byte a second hold a run
 * forever). The work gets a signal to pass to its requests; the race ends the repo at its
 * deadline even where the signal cannot reach (a long parse).
 */
import { PinbotError } from '../errors.js'

/**
 * The per-repo deadline when neither flag nor caller says: far above what an honest large
 * template needs (a pin is 3 requests; the bench's 300-commit, 60-file template takes
 * 0.25 s), short enough that a server dripping bytes cannot hold a run for hours.
 */
export const DEFAULT_REPO_TIMEOUT_MS = 300_000

export function repoDeadlineError(ms: number): PinbotError {
  return new PinbotError('timeout', `not done within the repo deadline (${ms / 1000} s)`, {
    hint: 'the server is too slow or sends data too slowly; raise --repo-timeout or retry later',
  })
}

/** Why a repo did not finish: the run was interrupted (SIGINT, SIGTERM) before or while it ran. */
export function interruptedError(started: boolean): PinbotError {
  return new PinbotError('interrupted', started ? 'interrupted while in flight' : 'not started: the run was interrupted', {
    hint: 're-run the command shown below: repos already pinned report unchanged',
  })
}

/** A promise that rejects with the signal's reason when it aborts. */
export function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

/** `work(signal)`, rejected with the deadline's error (or `interrupt`'s reason) when either comes first. */
export async function withinRepoDeadline<T>(ms: number, interrupt: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  // One controller that the deadline and the interrupt both abort (AbortSignal.any would keep
  // weak references and a finalizer per repo: measurable GC in a 200-repo run).
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(repoDeadlineError(ms)), ms)
  const onInterrupt = () => deadline.abort(interrupt!.reason)
  if (interrupt?.aborted) onInterrupt()
  else interrupt?.addEventListener('abort', onInterrupt, { once: true })
  const signal = deadline.signal
  try {
    const done = work(signal)
    const aborted = whenAborted(signal)
    // Whichever loses the race settles later, unobserved.
    done.catch(() => {})
    aborted.catch(() => {})
    return await Promise.race([done, aborted])
  } finally {
    clearTimeout(timer)
    interrupt?.removeEventListener('abort', onInterrupt)
  }
}
