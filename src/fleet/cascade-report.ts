/**
 * How a cascade looks to people and to CI, as pure functions of results: the block
 * printed when a repo finishes, the live TTY view, the final table, the Markdown step
 * summary and the Actions annotations. No I/O here (src/fleet/cascade-progress.ts does the drawing).
 */
import { errorAnnotation, markdownCell, markdownTable } from '../report/actions.js'
import type { CascadeCounts, CascadeReport } from './cascade.js'
import { PIN_OUTCOMES, type PinOutcome, type PinResult } from '../pin/pin-result.js'
import { renderTable } from '../report/table.js'
import { formatShard, isSharded, WHOLE_FLEET, type Shard } from './shard.js'

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
}

/** `0.1.7 -> 0.1.8`; `-` for a side that is unknown or absent. */
function formatChange(result: PinResult, arrow = '->'): string {
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

/** What went wrong, in one line: the error's code and message, else the stated reason. */
function failureOf(result: PinResult): string {
  return result.error ? `${result.error.code}: ${result.error.message}` : reasonOf(result)
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
  const detail = failureOf(result)
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
const MARKDOWN_HEADERS = ['Repo', 'Branch', 'Before → After', 'Outcome', 'Reason', 'Attempts', 'Time']

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
    lines.push(`  ${result.repo}: ${failureOf(result)}`)
    if (result.error?.hint) lines.push(`    hint: ${result.error.hint}`)
  }
  lines.push('Re-run only the failed repos with:', `  ${rerun}`)
  return lines.join('\n')
}

/** A code fence longer than any run of backticks in `text`. */
function fence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  return '`'.repeat(Math.max(3, longest + 1))
}

/** Markdown appended to `$GITHUB_STEP_SUMMARY` (GitHub and Gitea Actions). */
export function renderStepSummary(report: CascadeReport, rerun?: string, shard: Shard = WHOLE_FLEET): string {
  const lines = [
    `## pinbot cascade ${markdownCell(report.version)}${isSharded(shard) ? `, shard ${formatShard(shard)}` : ''}${report.dryRun ? ' (dry run)' : ''}`,
    '',
    markdownCell(formatCounts(report.counts)),
    '',
    ...markdownTable(MARKDOWN_HEADERS, report.results.map((result) => tableRow(result, '→'))),
  ]
  const failed = report.results.filter((result) => result.outcome === 'failed')
  if (failed.length) {
    lines.push('', '### Failed', '')
    for (const result of failed) {
      lines.push(`- **${markdownCell(result.repo)}**: ${markdownCell(failureOf(result))}${result.error?.hint ? ` (hint: ${markdownCell(result.error.hint)})` : ''}`)
    }
    if (rerun) lines.push('', 'Re-run only the failed repos:', '', `${fence(rerun)}sh`, rerun, fence(rerun))
  }
  return `${lines.join('\n')}\n`
}

/** One `::error` annotation line per failed repo. */
export function renderAnnotations(results: readonly PinResult[]): string[] {
  return results
    .filter((result) => result.outcome === 'failed')
    .map((result) => {
      const what = failureOf(result) || 'failed'
      const message = result.error?.hint ? `${what}\nHint: ${result.error.hint}` : what
      return errorAnnotation(`pinbot cascade: ${title(result)} failed`, message)
    })
}
