/**
 * The start-up fast path of `pinbot verify`, which runs in every pre-commit: bin/run.js
 * sends a plain verify invocation here instead of booting oclif (which costs several
 * times node's own start-up). It understands only the documented flags, and runs the
 * same check and rendering as commands/verify.ts. Anything else (help, unknown or
 * repeated flags, `--`, errors) returns undefined, and oclif handles it, so error
 * messages and usage text come from one place.
 */
import { emitVerify, renderVerify, verifyPin } from './verify.js'
import { inActions } from '../report/actions.js'

const FLAGS = { '--staged': 'staged', '--allow-missing': 'allowMissing', '--print': 'print', '--json': 'json' } as const

export interface VerifyArgv {
  file?: string
  staged?: boolean
  allowMissing?: boolean
  print?: boolean
  json?: boolean
}

/** The options of `verify [FILE] [flags]` (argv after "verify"), or undefined for oclif. */
export function parseVerifyArgv(argv: string[]): VerifyArgv | undefined {
  const options: VerifyArgv = {}
  for (const arg of argv) {
    if (Object.hasOwn(FLAGS, arg)) {
      const name = FLAGS[arg as keyof typeof FLAGS]
      if (options[name]) return undefined
      options[name] = true
    } else if (arg.startsWith('-') || arg === '' || options.file !== undefined) {
      return undefined
    } else {
      options.file = arg
    }
  }
  return options.print && options.json ? undefined : options
}

/** Run `pinbot verify` without oclif; false (nothing printed) when oclif must handle it. */
export async function runVerifyFastPath(argv: string[], env = process.env): Promise<boolean> {
  // oclif reads PINBOT_CONTENT_TYPE=json as --json; leave that to oclif.
  const options = env.PINBOT_CONTENT_TYPE === undefined ? parseVerifyArgv(argv) : undefined
  if (!options) return false
  const result = await verifyPin(options).catch(() => undefined)
  if (!result) return false
  emitVerify(renderVerify(result, { ...options, annotations: inActions(env) }))
  return true
}
