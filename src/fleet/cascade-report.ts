/**
 * How a cascade looks to people and to CI, as pure functions of results: what is printed
 * when a repo finishes (a block for logs, a line for the live view), the final table, the
 * Markdown step summary, the Actions annotations and step outputs. No I/O here
 * (src/fleet/cascade-progress.ts does the drawing).
 */
import { annotationTitle, commitMarkdown, markdownCell, markdownTable, type Annotation, type MarkdownText, type Outputs } from '../report/actions.js'
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

const TABLE_HEADERS = ['repo', 'branch', 'before -> after', 'outcome', 'reason', 'attempts', 'time']
const MARKDOWN_HEADERS = ['Repo', 'Branch', 'Before → After', 'Commit', 'Outcome', 'Reason', 'Attempts', 'Time']

function tableRow(result: PinResult, arrow: string): string[] {
  return [result.repo, result.branch || '-', formatChange(result, arrow), result.outcome, reasonOf(result), String(result.attempts), formatDuration(result.durationMs)]
}

/** How step summaries link a commit: the manifest's `commitUrl` template and forge. */
export interface CommitLinks {
  commitUrl?: string
  forge: string
}

function markdownRow(result: PinResult, links: CommitLinks): (string | MarkdownText)[] {
  const [repo, branch, change, ...rest] = tableRow(result, '→')
  const commit = result.commit ? commitMarkdown(result.commit, { template: links.commitUrl, forge: links.forge, repo: result.repo }) : '-'
  return [repo, branch, change, commit, ...rest]
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

/** Markdown appended to `$GITHUB_STEP_SUMMARY` (GitHub and Gitea Actions): each repo with its commit, linked when the manifest says how. */
export function renderStepSummary(report: CascadeReport, options: { rerun?: string; links?: CommitLinks; shard?: Shard } = {}): string {
  const { rerun, links = { forge: '' }, shard = WHOLE_FLEET } = options
  const lines = [
    `## pinbot cascade ${markdownCell(report.version)}${isSharded(shard) ? `, shard ${formatShard(shard)}` : ''}${report.dryRun ? ' (dry run)' : ''}`,
    '',
    markdownCell(formatCounts(report.counts)),
    '',
    ...markdownTable(MARKDOWN_HEADERS, report.results.map((result) => markdownRow(result, links))),
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

/** One annotation per failed repo (`command` names who pinned it: cascade, or pin for `pin --remote`). */
export function renderAnnotations(results: readonly PinResult[], command = 'cascade'): Annotation[] {
  return results
    .filter((result) => result.outcome === 'failed')
    .map((result) => {
      const what = failureOf(result) || 'failed'
      return { title: annotationTitle(command, title(result)), message: result.error?.hint ? `${what}\nHint: ${result.error.hint}` : what }
    })
}

/** The step outputs of a cascade: the counts, the failed repos (one per line), the JSON report's path. */
export function cascadeOutputs(report: CascadeReport, reportFile?: string): Outputs {
  const failed = report.results.filter((result) => result.outcome === 'failed').map((result) => result.repo)
  return {
    ...report.counts,
    counts: JSON.stringify(report.counts),
    'failed-repos': failed.join('\n'),
    'exit-code': failed.length ? 1 : 0,
    report: reportFile,
  }
}
