/**
 * SIGINT / SIGTERM during a fleet run (cascade, verify-pins): the first stops new repos and
 * lets those in flight finish, for at most INTERRUPT_GRACE_MS; a second aborts them. Either
 * way the run ends normally (summary, JSON, step summary) and exits 130 (SIGINT) or 143
 * (SIGTERM).
 */
import { interruptedError } from '../src/fleet/repo-deadline.js'

/** How long repos in flight may finish after the first interrupt. */
const INTERRUPT_GRACE_MS = 30_000

export interface Interrupt {
  /** Aborts at the first signal: start no more repos. */
  stop: AbortSignal
  /** Aborts at the second signal, or when the grace ends: stop the repos in flight. */
  abort: AbortSignal
  /** 130 or 143 once a signal came, else undefined. */
  exitCode(): number | undefined
  dispose(): void
}

export function interruptible(write: (text: string) => void): Interrupt {
  const stop = new AbortController()
  const abort = new AbortController()
  let received: NodeJS.Signals | undefined
  let grace: NodeJS.Timeout | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) return abort.abort(interruptedError(true))
    received = signal
    write(`\n${signal}: no more repos start; those in flight finish (at most ${INTERRUPT_GRACE_MS / 1000} s, or ${signal} again to stop them now)\n`)
    stop.abort()
    grace = setTimeout(() => abort.abort(interruptedError(true)), INTERRUPT_GRACE_MS)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    stop: stop.signal,
    abort: abort.signal,
    exitCode: () => (received ? 128 + (received === 'SIGINT' ? 2 : 15) : undefined),
    dispose() {
      clearTimeout(grace)
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
