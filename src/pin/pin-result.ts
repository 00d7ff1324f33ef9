/**
 * What pinning one repo ends in: the agreed shape of `pinRemote` (src/pin/remote-pin.ts) and of
 * `pin --json`. Every repo ends in exactly one outcome; `failed` carries a typed error.
 */
import { toPinbotError } from '../errors.js'
import { redact } from '../redact.js'

export type PinOutcome = 'updated' | 'unchanged' | 'skipped' | 'failed'

export const PIN_OUTCOMES: readonly PinOutcome[] = ['updated', 'unchanged', 'skipped', 'failed']

export interface PinResult {
  repo: string
  branch: string
  outcome: PinOutcome
  /** Why a repo was skipped or failed, in a few words. */
  reason?: string
  /** Version in the pin file before the run (undefined: no pin file). */
  before?: string
  /** Version in the pin file after the run. */
  after?: string
  /** The commit pushed, when `updated`. */
  commit?: string
  attempts: number
  /** The repo's new base URL when the forge redirected it (a rename or transfer): the manifest should say this. */
  movedTo?: string
  error?: { code: string; message: string; hint?: string }
  durationMs: number
}

/** A failed pin's `error`: the code, message and hint of what was thrown, redacted (reports and JSON show it). */
export function pinFailure(error: unknown): NonNullable<PinResult['error']> {
  const { code, message, hint } = toPinbotError(error).toJSON()
  return { code, message: redact(message), ...(hint && { hint: redact(hint) }) }
}
