/**
 * Reporting to GitHub and Gitea Actions, shared by the commands that report on many
 * repos: `::error` annotations (workflow commands, escaped as the runner parses them)
 * and Markdown for the job's step summary ($GITHUB_STEP_SUMMARY).
 */
import { appendFile } from 'node:fs/promises'
import { redact } from '../redact.js'

/** True in GitHub Actions and Gitea Actions, which read `::error` workflow commands. */
export function inActions(env: Record<string, string | undefined>): boolean {
  return env.GITHUB_ACTIONS === 'true' || env.GITEA_ACTIONS === 'true'
}

/** Workflow-command escaping of a message. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** Workflow-command escaping of a property value (also `:` and `,`, the delimiters). */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/** One `::error` annotation line; the message may span lines. */
export function errorAnnotation(title: string, message: string): string {
  return `::error title=${escapeProperty(title)}::${escapeData(message)}`
}

/** Text safe inside a GitHub-flavoured Markdown table cell. */
export function markdownCell(text: string): string {
  return text.replace(/[\\`*_[\]|<>#&]/g, (char) => (char === '&' ? '&amp;' : `\\${char}`)).replace(/\r?\n|\r/g, '<br>')
}

/** A Markdown table's lines: the headers (our own words, not escaped), the rule, then each row with every cell escaped. */
export function markdownTable(headers: readonly string[], rows: readonly string[][]): string[] {
  return [`| ${headers.join(' | ')} |`, `|${' --- |'.repeat(headers.length)}`, ...rows.map((cells) => `| ${cells.map(markdownCell).join(' | ')} |`)]
}

/** Append `markdown` (redacted) to the step summary, when the runner provides one. */
export async function appendStepSummary(markdown: string, env: Record<string, string | undefined> = process.env): Promise<void> {
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, redact(markdown))
}
