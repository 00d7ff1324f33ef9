/**
 * How a cascade looks to people and to CI, as pure functions of results: the block
 * printed when a repo finishes, the live TTY view, the final table, the Markdown step
 * summary and the Actions annotations. No I/O here (src/live-view.ts does the drawing).
 */
import type { CascadeCounts, CascadeReport } from './cascade.js'
import { PIN_OUTCOMES, type PinOutcome, type PinResult } from './pin-result.js'
import { renderTable } from './table.js'

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
}

/** `0.1.7 -> 0.1.8`; `-` for a side that is unknown or absent. */
export function formatChange(result: PinResult, arrow = '->'): string {
  if (result.before === undefined && result.after === undefined) return '-'
  return `${result.before ?? '-'} ${arrow} ${result.after ?? '-'}`
}

function formatAttempts(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`
}

/** The short reason a table shows: the stated reason, else the error code. */
function reasonOf(result: PinResult): string {
  return result.reason ?? result.error?.code ?? ''
}

function title(result: PinResult): string {
  return result.branch ? `${result.repo} (${result.branch})` : result.repo
}

export function formatCounts(counts: CascadeCounts): string {
  const total = PIN_OUTCOMES.reduce((sum, outcome) => sum + counts[outcome], 0)
  return `${total} ${total === 1 ? 'repo' : 'repos'}: ${PIN_OUTCOMES.map((outcome) => `${counts[outcome]} ${outcome}`).join(', ')}`
}

/**
 * Everything about one finished repo, printed whole so parallel repos never interleave:
 * its outcome, then its own log lines, then the details.
 */
export function renderRepoBlock(result: PinResult, options: { done?: number; total?: number; log?: readonly string[] } = {}): string {
  const prefix = options.done !== undefined ? `[${options.done}/${options.total}] ` : ''
  const reason = reasonOf(result)
  const lines = [`${prefix}${title(result)}: ${result.outcome}${reason ? ` (${reason})` : ''}`]
  for (const line of options.log ?? []) lines.push(`  | ${line}`)
  lines.push(`  version: ${formatChange(result)}`)
  if (result.commit) lines.push(`  commit: ${result.commit}`)
  if (result.error) lines.push(`  error: ${result.error.code}: ${result.error.message}`)
  if (result.error?.hint) lines.push(`  hint: ${result.error.hint}`)
  lines.push(`  ${formatAttempts(result.attempts)}, ${formatDuration(result.durationMs)}`)
  return lines.join('\n')
}

const MARK: Record<PinOutcome, string> = { updated: '✓', unchanged: '=', skipped: '-', failed: '✗' }

/** One line per finished repo above the live region. */
export function renderDoneLine(result: PinResult): string {
  const detail = result.error ? `${result.error.code}: ${result.error.message}` : reasonOf(result)
  return `${MARK[result.outcome]} ${title(result)}  ${formatChange(result)}  ${result.outcome}${detail ? ` (${detail})` : ''}  ${formatDuration(result.durationMs)}`
}

export interface LiveState {
  total: number
  counts: CascadeCounts
  /** Repos in flight, in start order, with their start time (ms). */
  inFlight: Array<{ name: string; startedAt: number }>
}

function clip(line: string, columns: number): string {
  return line.length <= columns ? line : `${line.slice(0, Math.max(0, columns - 1))}…`
}

/**
 * The region redrawn in place: progress and the repos in flight, at most `rows` lines,
 * none wider than `columns` (a wrapped line would break the cursor arithmetic).
 */
export function renderLiveRegion(state: LiveState, now: number, columns: number, rows: number): string[] {
  const done = PIN_OUTCOMES.reduce((sum, outcome) => sum + state.counts[outcome], 0)
  // Most important first: a narrow terminal clips the tail.
  const header = `${done}/${state.total} done, ${state.inFlight.length} in flight: ${PIN_OUTCOMES.map((o) => `${state.counts[o]} ${o}`).join(', ')}`
  const room = Math.max(1, rows - 1)
  const shown = state.inFlight.length > room ? state.inFlight.slice(0, room - 1) : state.inFlight
  const lines = [header, ...shown.map(({ name, startedAt }) => `  … ${name}  ${formatDuration(now - startedAt)}`)]
  if (shown.length < state.inFlight.length) lines.push(`  … and ${state.inFlight.length - shown.length} more`)
  return lines.map((line) => clip(line, Math.max(1, columns - 1)))
}

/**
 * ANSI to replace a region of `previousLines` lines (the cursor sits just below it) with
 * `lines` printed above the new region (permanent) and the new region itself.
 */
export function redrawRegion(previousLines: number, permanent: string[], region: string[]): string {
  const erase = previousLines > 0 ? `\x1b[${previousLines}F\x1b[J` : ''
  return erase + [...permanent, ...region].map((line) => `${line}\n`).join('')
}

const TABLE_HEADERS = ['repo', 'branch', 'before -> after', 'outcome', 'reason', 'attempts', 'time']

function tableRow(result: PinResult, arrow: string): string[] {
  return [result.repo, result.branch || '-', formatChange(result, arrow), result.outcome, reasonOf(result), String(result.attempts), formatDuration(result.durationMs)]
}

export function renderSummaryTable(results: readonly PinResult[]): string {
  return renderTable(TABLE_HEADERS, results.map((result) => tableRow(result, '->')))
}

/** The failures, each with its message and hint, then the command that re-runs them. */
export function renderFailures(results: readonly PinResult[], rerun: string): string {
  const failed = results.filter((result) => result.outcome === 'failed')
  if (failed.length === 0) return ''
  const lines = [`${failed.length} ${failed.length === 1 ? 'repo' : 'repos'} failed:`]
  for (const result of failed) {
    lines.push(`  ${result.repo}: ${result.error ? `${result.error.code}: ${result.error.message}` : reasonOf(result)}`)
    if (result.error?.hint) lines.push(`    hint: ${result.error.hint}`)
  }
  lines.push('Re-run only the failed repos with:', `  ${rerun}`)
  return lines.join('\n')
}

/** Text safe inside a GitHub-flavoured Markdown table cell. */
export function markdownCell(text: string): string {
  return text.replace(/[\\`*_[\]|<>#&]/g, (char) => (char === '&' ? '&amp;' : `\\${char}`)).replace(/\r?\n|\r/g, '<br>')
}

/** A code fence longer than any run of backticks in `text`. */
function fence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  return '`'.repeat(Math.max(3, longest + 1))
}

/** Markdown appended to `$GITHUB_STEP_SUMMARY` (GitHub and Gitea Actions). */
export function renderStepSummary(report: CascadeReport, rerun?: string): string {
  const header = `| ${['Repo', 'Branch', 'Before → After', 'Outcome', 'Reason', 'Attempts', 'Time'].join(' | ')} |`
  const rows = report.results.map((result) => `| ${tableRow(result, '→').map(markdownCell).join(' | ')} |`)
  const lines = [
    `## pinbot cascade ${markdownCell(report.version)}${report.dryRun ? ' (dry run)' : ''}`,
    '',
    markdownCell(formatCounts(report.counts)),
    '',
    header,
    `|${' --- |'.repeat(7)}`,
    ...rows,
  ]
  const failed = report.results.filter((result) => result.outcome === 'failed')
  if (failed.length) {
    lines.push('', '### Failed', '')
    for (const result of failed) {
      const what = result.error ? `${result.error.code}: ${result.error.message}` : reasonOf(result)
      lines.push(`- **${markdownCell(result.repo)}**: ${markdownCell(what)}${result.error?.hint ? ` (hint: ${markdownCell(result.error.hint)})` : ''}`)
    }
    if (rerun) lines.push('', 'Re-run only the failed repos:', '', `${fence(rerun)}sh`, rerun, fence(rerun))
  }
  return `${lines.join('\n')}\n`
}

/** True in GitHub Actions and Gitea Actions, which read `::error` workflow commands. */
export function inActions(env: Record<string, string | undefined>): boolean {
  return env.GITHUB_ACTIONS === 'true' || env.GITEA_ACTIONS === 'true'
}

/** Workflow-command escaping of a message. */
export function escapeActionsData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** Workflow-command escaping of a property value (also `:` and `,`, the delimiters). */
export function escapeActionsProperty(text: string): string {
  return escapeActionsData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/** One `::error` annotation line per failed repo. */
export function renderAnnotations(results: readonly PinResult[]): string[] {
  return results
    .filter((result) => result.outcome === 'failed')
    .map((result) => {
      const what = result.error ? `${result.error.code}: ${result.error.message}` : reasonOf(result) || 'failed'
      const message = result.error?.hint ? `${what}\nHint: ${result.error.hint}` : what
      return `::error title=${escapeActionsProperty(`pinbot cascade: ${title(result)} failed`)}::${escapeActionsData(message)}`
    })
}
