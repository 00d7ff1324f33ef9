/**
 * Reporting to GitHub and Gitea Actions (act_runner reads the same workflow commands and
 * files), the one module every command goes through: `::error` annotations (all on
 * stderr, all titled `pinbot COMMAND: SUBJECT`), `::group::` blocks, step outputs
 * ($GITHUB_OUTPUT) and Markdown for the step summary ($GITHUB_STEP_SUMMARY). Everything
 * is escaped as the runner parses it and redacted before it is written.
 */
import { appendFileSync } from 'node:fs'
import { printableLine, printableText } from './printable.js'
import { redact } from '../redact.js'

type Env = Record<string, string | undefined>

/** True in GitHub Actions and Gitea Actions, which read `::error` workflow commands. */
export function inActions(env: Env = process.env): boolean {
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

/** The one title style of every annotation: `pinbot verify: .runtime-version`, `pinbot cascade: acme/api`. */
export function annotationTitle(command: string, subject: string): string {
  return `pinbot ${command}: ${subject}`
}

export interface Annotation {
  title: string
  message: string
  /** Where in the repository, when the failure is in a file (`verify`). */
  file?: string
  line?: number
  col?: number
}

/** One `::error` annotation line (redacted); the message may span lines. */
export function errorAnnotation(annotation: Annotation): string {
  const { file, line, col } = annotation
  const properties = [
    ...(file === undefined ? [] : [`file=${escapeProperty(file)}`]),
    ...(line === undefined ? [] : [`line=${line}`]),
    ...(col === undefined ? [] : [`col=${col}`]),
    `title=${printableLine(escapeProperty(redact(annotation.title)))}`,
  ]
  return `::error ${properties.join(',')}::${printableLine(escapeData(redact(annotation.message)))}`
}

/** `text` folded into a collapsible `::group::` of the Actions log (first line as its title). */
export function actionsGroup(title: string, body: string): string {
  return `::group::${printableLine(escapeData(title))}\n${printableText(body)}${body.endsWith('\n') || body === '' ? '' : '\n'}::endgroup::\n`
}

export type Outputs = Record<string, string | number | boolean | null | undefined>

/**
 * Append step outputs to $GITHUB_OUTPUT, each in the multi-line form (`name<<DELIM`), so a
 * value with newlines cannot inject another output. Undefined values are left out.
 */
export function setOutputs(outputs: Outputs, env: Env = process.env): void {
  if (!env.GITHUB_OUTPUT) return
  let text = ''
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue
    const data = redact(value === null ? '' : String(value))
    let delimiter = 'PINBOT_EOF'
    while (data.includes(delimiter)) delimiter += '_'
    text += `${name}<<${delimiter}\n${data}\n${delimiter}\n`
  }
  appendFileSync(env.GITHUB_OUTPUT, text)
}

/** Append `markdown` (redacted) to the step summary, when the runner provides one. */
export function appendStepSummary(markdown: string, env: Env = process.env): void {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, redact(printableText(markdown)))
}

/** What a command tells the Actions runner at the end of a run (also one that ended early). */
export interface ActionsReport {
  annotations: Annotation[]
  outputs: Outputs
  /** Markdown for the step summary; undefined: nothing to add. */
  summary?: string
}

/**
 * Hand a command's report to the runner: annotations on stderr (only inside Actions,
 * where they are commands rather than noise), outputs and summary to the runner's files.
 */
export function publishToActions(report: ActionsReport, env: Env = process.env, writeErr: (text: string) => void = (text) => process.stderr.write(text)): void {
  if (inActions(env)) for (const annotation of report.annotations) writeErr(`${errorAnnotation(annotation)}\n`)
  setOutputs(report.outputs, env)
  if (report.summary !== undefined) appendStepSummary(report.summary, env)
}

/** The Actions report of a run stopped by an error before (or instead of) its work. */
export function errorReport(command: string, error: { code: string; message: string; hint?: string }, exit: number): ActionsReport {
  const message = error.hint ? `${error.message}\nHint: ${error.hint}` : error.message
  const summary = [
    `## pinbot ${command}: stopped (exit ${exit})`,
    '',
    `**${markdownCell(error.code)}**: ${markdownCell(error.message)}`,
    ...(error.hint ? ['', `Hint: ${markdownCell(error.hint)}`] : []),
    '',
  ].join('\n')
  return { annotations: [{ title: annotationTitle(command, error.code), message }], outputs: { 'exit-code': exit, error: error.code }, summary }
}

/** Text safe inside a GitHub-flavoured Markdown table cell. */
export function markdownCell(text: string): string {
  return printableLine(text.replace(/[\\`*_[\]|<>#&]/g, (char) => (char === '&' ? '&amp;' : `\\${char}`)).replace(/\r?\n|\r/g, '<br>'))
}

/** A Markdown table's lines: the headers (our own words, not escaped), the rule, then each row's cells (escaped unless marked as Markdown). */
export function markdownTable(headers: readonly string[], rows: readonly (string | MarkdownText)[][]): string[] {
  const cell = (value: string | MarkdownText) => (typeof value === 'string' ? markdownCell(value) : value.markdown)
  return [`| ${headers.join(' | ')} |`, `|${' --- |'.repeat(headers.length)}`, ...rows.map((cells) => `| ${cells.map(cell).join(' | ')} |`)]
}

/** Markdown built here from escaped parts, to be placed as it is. */
export interface MarkdownText {
  markdown: string
}

/**
 * A commit id for the step summary: the short id, linked when the manifest's `commitUrl`
 * template says how (`{forge}`, `{repo}` and `{commit}` are replaced).
 */
export function commitMarkdown(commit: string, where: { template?: string; forge: string; repo: string }): MarkdownText {
  const short = `\`${commit.slice(0, 10).replace(/[^0-9a-f]/gi, '')}\``
  if (!where.template) return { markdown: short }
  const url = where.template.replace(/\{(forge|repo|commit)\}/g, (_, key: 'forge' | 'repo' | 'commit') => ({ forge: where.forge, repo: where.repo, commit })[key])
  // Characters that would end or break a Markdown link target are percent-encoded.
  const target = url.replace(/[\s()<>\\]/g, (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`)
  return { markdown: `[${short}](${target})` }
}
