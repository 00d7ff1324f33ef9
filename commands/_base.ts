/**
 * The base of every pinbot command: the one place where a PinbotError becomes oclif
 * output (a redacted message and hint on stderr, or `{ "error": ... }` with --json) and
 * an exit code (1 or 2, design.md). Every line a command prints goes through `out`/`err`,
 * which redact registered secrets.
 */
import { Command } from '@oclif/core/command'
import { isPinbotError } from '../src/errors.js'
import { redact, redactDeep } from '../src/redact.js'

export abstract class BaseCommand extends Command {
  protected out(text: string): void {
    process.stdout.write(`${redact(text)}\n`)
  }

  protected err(text: string): void {
    process.stderr.write(`${redact(text)}\n`)
  }

  protected warnUser(text: string): void {
    this.err(`Warning: ${text}`)
  }

  protected override toSuccessJson(result: unknown): unknown {
    return redactDeep(result)
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (isPinbotError(error)) {
      if (this.jsonEnabled()) {
        this.logJson({ error: redactDeep(error.toJSON()) })
      } else {
        this.err(`Error: ${error.message}`)
        if (error.hint) this.err(`Hint: ${error.hint}`)
      }
      this.exit(error.exit)
    }
    // oclif's flag and argument errors carry their exit code (2) in `oclif.exit`; with
    // --json, oclif would print the whole parser state and exit 1.
    const parseExit = error.oclif?.exit
    if (this.jsonEnabled() && parseExit !== undefined && (error as { code?: string }).code !== 'EEXIT') {
      this.logJson({ error: { code: 'usage', message: redact(error.message) } })
      this.exit(parseExit)
    }
    error.message = redact(error.message)
    return super.catch(error)
  }
}
