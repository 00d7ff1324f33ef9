/**
 * The base of every pinbot command: the one place where a PinbotError becomes oclif
 * output (a redacted message and hint on stderr, or `{ "error": ... }` with --json) and
 * an exit code (1 or 2, design.md), and where a run's report reaches CI (annotations,
 * step outputs and summary: src/report/actions.ts), also for a run that ends early.
 * Every line a command prints goes through `out`/`err`, which redact registered secrets.
 */
import { writeFileSync } from 'node:fs'
import { Command } from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'
import { isPinbotError, toPinbotError } from '../src/errors.js'
import { printableJson, printableText } from '../src/report/printable.js'
import { errorReport, publishToActions, type ActionsReport } from '../src/report/actions.js'
import { redact, redactDeep } from '../src/redact.js'

/** `--report FILE`, for the commands whose --json document CI keeps (the Action's `report` output). */
export const reportFlags = {
  report: Flags.string({ helpValue: 'FILE', description: 'also write the --json document to FILE (in Actions, its path is the step output "report")' }),
}

export abstract class BaseCommand extends Command {
  /** Where `--report` writes the JSON document (a run that ends early writes its error there). */
  protected reportFile?: string

  /** The command as a user types it: `cascade`, `hook install`. */
  protected get commandName(): string {
    return (this.id ?? 'pinbot').replace(/:/g, ' ')
  }

  /** Write the --report document (when asked) and hand the run's report to the Actions runner. */
  protected publish(report: ActionsReport, document?: unknown): void {
    if (this.reportFile && document !== undefined) writeFileSync(this.reportFile, `${printableJson(redactDeep(document))}\n`)
    publishToActions({ ...report, outputs: { ...report.outputs, ...(this.reportFile && { report: this.reportFile }) } }, process.env, (text) => process.stderr.write(redact(text)))
  }

  /** A run that ends with an error still reports to CI: one annotation, the outputs, a summary. */
  private publishError(error: { code: string; message: string; hint?: string }, exit: number): void {
    try {
      this.publish(errorReport(this.commandName, error, exit), { error })
    } catch {
      // Reporting must never hide the error itself.
    }
  }

  protected out(text: string): void {
    process.stdout.write(`${redact(printableText(text))}\n`)
  }

  protected err(text: string): void {
    process.stderr.write(`${redact(printableText(text))}\n`)
  }

  protected warnUser(text: string): void {
    this.err(`Warning: ${text}`)
  }

  /** JSON on stdout: C1 controls and bidi characters, which JSON.stringify leaves raw, escaped as \uXXXX (the same value). */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${printableJson(json)}\n`)
  }

  protected override toSuccessJson(result: unknown): unknown {
    return redactDeep(result)
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (isPinbotError(error)) {
      this.publishError(redactDeep(error.toJSON()), error.exit)
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
    const exiting = (error as { code?: string }).code === 'EEXIT'
    if (!exiting) {
      const failure = parseExit === undefined ? toPinbotError(error).toJSON() : { code: 'usage', message: error.message }
      this.publishError({ ...failure, message: redact(failure.message) }, parseExit ?? 1)
    }
    if (this.jsonEnabled() && parseExit !== undefined && !exiting) {
      this.logJson({ error: { code: 'usage', message: redact(error.message) } })
      this.exit(parseExit)
    }
    error.message = redact(error.message)
    return super.catch(error)
  }
}
