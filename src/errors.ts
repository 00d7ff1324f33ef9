/**
 * Typed errors. Every error pinbot raises on purpose carries a stable string `code`
 * (for --json and for scripts), the process exit code it maps to, and an optional hint
 * that tells the user what to do next.
 *
 * Exit codes (design.md): 1 = the work ran and something is wrong; 2 = bad input before
 * any work, nothing was touched.
 */
export type ExitCode = 1 | 2

export class PinbotError extends Error {
  readonly code: string
  readonly exit: ExitCode
  readonly hint?: string

  constructor(code: string, message: string, options: { exit?: ExitCode; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'PinbotError'
    this.code = code
    this.exit = options.exit ?? 1
    this.hint = options.hint
  }

  toJSON(): { code: string; message: string; hint?: string } {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) }
  }
}

/** Bad input (flags, manifest, key, version): exit 2, raised before any work. */
export class UsageError extends PinbotError {
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { ...options, exit: 2 })
    this.name = 'UsageError'
  }
}

export function isPinbotError(error: unknown): error is PinbotError {
  return error instanceof PinbotError
}

/** Wrap anything thrown into a PinbotError, keeping typed ones as they are. */
export function toPinbotError(error: unknown): PinbotError {
  if (isPinbotError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  return new PinbotError('internal', message, { cause: error })
}
