/**
 * How a fleet audit looks to people and to CI: the table, one line of counts, what is
 * wrong with each repo that is not ok (with the fix), the Markdown step summary and the
 * Actions annotations. Pure functions of the audit.
 */
import { annotationTitle, commitMarkdown, markdownCell, markdownTable, type Annotation, type MarkdownText, type Outputs } from '../report/actions.js'
import type { AuditResult, FleetAudit } from './audit-fleet.js'
import { formatProblem } from '../contract/runtime-version.js'
import { notConsumedMessage } from '../pin/pin-consumer.js'
import { renderTable } from '../report/table.js'
import { formatShard, isSharded, type Shard } from '../fleet/shard.js'
import { movedNotice } from '../git/remote-errors.js'

export const TABLE_HEADERS = ['repo', 'branch', 'version', 'status', 'signature', 'last pin commit', 'age']

/** `45m`, `7h`, `12d`: how long ago `iso` was, at the resolution a person cares about. */
export function formatAge(iso: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000))
  if (minutes < 60) return `${minutes}m`
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h`
  return `${Math.floor(minutes / 1440)}d`
}

export function tableRow(result: AuditResult, now: number): string[] {
  const commit = result.commit
  return [
    result.repo,
    result.branch ?? '-',
    result.version ?? '-',
    result.status,
    result.signature ?? '-',
    commit ? `${commit.oid.slice(0, 10)} ${commit.author?.name ?? '?'}` : '-',
    commit?.committer ? formatAge(commit.committer.date, now) : '-',
  ]
}

function renderAuditTable(audit: FleetAudit, now: number): string {
  return renderTable(TABLE_HEADERS, audit.results.map((r) => tableRow(r, now)))
}

/** `6 repos, expected 1.2.0 (--expect): 4 ok, 1 behind, 1 failed; signatures: 5 signed-by-bot, 1 unsigned` */
export function formatAuditCounts(audit: FleetAudit): string {
  const { counts } = audit
  const reference = audit.expected === null ? 'no valid pin to compare with' : `expected ${audit.expected} (${audit.expectedFrom === 'expect' ? '--expect' : 'highest in the fleet'})`
  const statuses = (['ok', 'behind', 'ahead', 'missing', 'invalid', 'not-consumed', 'skipped', 'failed'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`)
  const signatures = counts.signatures ? Object.entries(counts.signatures).map(([s, n]) => `${n} ${s}`) : []
  const repos = `${counts.total} ${counts.total === 1 ? 'repo' : 'repos'}`
  return `${repos}, ${reference}: ${statuses.join(', ') || 'none'}${counts.signatures ? `; signatures: ${signatures.join(', ') || 'none'}` : ''}`
}

function who(person: { name: string; email: string } | null | undefined): string {
  return person ? `${person.name} <${person.email}>` : 'an unknown author'
}

const SIGNATURE_WORDS: Record<string, string> = {
  unsigned: 'is not signed',
  'signed-by-other-key': 'is signed by a key that is not the bot key',
  'bad-signature': 'has a signature that does not match its content (altered after signing?)',
  'expired-key': 'is signed by the bot key, which has expired',
  'revoked-key': 'is signed by the bot key, which is revoked',
}

/** Why a repo is not ok, as lines (empty for a repo that passed). */
export function describeFindings(result: AuditResult, audit: FleetAudit, pinFile: string, signaturesChecked: boolean): string[] {
  const lines: string[] = []
  if (result.movedTo) lines.push(movedNotice(result.movedTo))
  if (result.error) {
    lines.push(`${result.error.code}: ${result.error.message}`)
    if (result.error.hint) lines.push(`hint: ${result.error.hint}`)
  }
  if (result.status === 'skipped') return lines
  if (result.consumer && !result.consumer.reads) {
    lines.push(notConsumedMessage(result.consumer), `hint: make ${result.consumer.file} read ${pinFile} (e.g. \`pinbot verify --print\`), or correct "consumer" in the manifest; cascade skips this template meanwhile`)
  }
  if (result.status === 'behind' || result.status === 'ahead') lines.push(`pinned ${result.version}, expected ${audit.expected}`)
  for (const problem of result.problems) lines.push(formatProblem(pinFile, problem))
  if (signaturesChecked && result.signature === 'beyond-max-depth') {
    lines.push(`the last change to ${pinFile} is more than the searched depth back; raise --max-depth`)
  } else if (signaturesChecked && result.commit && result.signature !== 'signed-by-bot') {
    const commit = result.commit
    const detail = result.signature ? SIGNATURE_WORDS[result.signature] : ''
    lines.push(`the last change to ${pinFile}, ${commit.oid.slice(0, 10)} by ${who(commit.author)}, ${detail}`)
    if (commit.fingerprint && result.signature === 'signed-by-other-key') lines.push(`signing key: ${commit.fingerprint}`)
    const replaced = result.replacedBotPin
    if (replaced) {
      lines.push(`a hand edit after the bot's signed pin ${replaced.oid.slice(0, 10)}${replaced.version ? ` (${replaced.version})` : ''}`)
      lines.push('hint: re-pin with `pinbot cascade` (or `pinbot pin`) so the pin is the bot\'s again, or revert the edit')
    } else if (result.signature === 'unsigned' || result.signature === 'signed-by-other-key') {
      lines.push(`hint: if this was a hand edit, re-pin with \`pinbot cascade\` (or \`pinbot pin\`) so the bot signs it`)
    }
  }
  return lines
}

/** The table, the counts, then every repo that needs attention with what to do. */
export function renderAuditReport(audit: FleetAudit, options: AuditView): string {
  const sections = [renderAuditTable(audit, options.now), '', formatAuditCounts(audit)]
  if (!options.signaturesChecked) sections.push('signatures not checked: pass --key BOT.pub to check who signed each pin')
  const findings = audit.results.flatMap((r) => {
    const lines = describeFindings(r, audit, options.pinFile, options.signaturesChecked)
    return lines.length ? [`${r.repo}:`, ...lines.map((l) => `  ${l}`)] : []
  })
  if (findings.length) sections.push('', ...findings)
  return sections.join('\n')
}

/** The `verify-pins --json` document: a stable key order, the issue's keys first. */
export function toJsonReport(audit: FleetAudit) {
  return {
    expected: audit.expected,
    expectedFrom: audit.expectedFrom,
    passed: audit.passed,
    results: audit.results.map((r) => ({
      repo: r.repo,
      branch: r.branch,
      version: r.version,
      status: r.status,
      signature: r.signature,
      commit: r.commit,
      problems: r.problems,
      replacedBotPin: r.replacedBotPin,
      pin: r.pin,
      tip: r.tip,
      skipped: r.skipped,
      consumer: r.consumer,
      error: r.error,
      ...(r.movedTo && { movedTo: r.movedTo }),
    })),
    counts: audit.counts,
  }
}

export interface AuditView {
  now: number
  pinFile: string
  signaturesChecked: boolean
  /** The manifest's `commitUrl` template and forge, to link commit ids in the step summary. */
  commitUrl?: string
  forge?: string
  shard?: Shard
}

function markdownRow(result: AuditResult, options: AuditView): (string | MarkdownText)[] {
  const cells: (string | MarkdownText)[] = tableRow(result, options.now)
  const commit = result.commit
  if (commit) {
    const link = commitMarkdown(commit.oid, { template: options.commitUrl, forge: options.forge ?? '', repo: result.repo })
    cells[5] = { markdown: `${link.markdown} ${markdownCell(commit.author?.name ?? '?')}` }
  }
  return cells
}

/** Markdown appended to `$GITHUB_STEP_SUMMARY` (GitHub and Gitea Actions). */
export function renderAuditStepSummary(audit: FleetAudit, options: AuditView): string {
  const shard = options.shard && isSharded(options.shard) ? ` (shard ${formatShard(options.shard)})` : ''
  const lines = [
    `## pinbot verify-pins${shard}: ${audit.passed ? 'all pins ok' : 'pins need attention'}`,
    '',
    markdownCell(formatAuditCounts(audit)),
    '',
    ...markdownTable(TABLE_HEADERS, audit.results.map((r) => markdownRow(r, options))),
  ]
  const findings = audit.results.map((r) => [r, describeFindings(r, audit, options.pinFile, options.signaturesChecked)] as const).filter(([, l]) => l.length)
  if (findings.length) {
    lines.push('', '### Needs attention', '')
    for (const [r, found] of findings) lines.push(`- **${markdownCell(r.repo)}**: ${found.map(markdownCell).join('; ')}`)
  }
  return `${lines.join('\n')}\n`
}

/** One annotation per repo that is not ok, for the Actions run page. */
export function renderAuditAnnotations(audit: FleetAudit, options: { pinFile: string; signaturesChecked: boolean }): Annotation[] {
  return audit.results.flatMap((r) => {
    const found = describeFindings(r, audit, options.pinFile, options.signaturesChecked)
    return found.length ? [{ title: annotationTitle('verify-pins', r.repo), message: found.join('\n') }] : []
  })
}

/** The step outputs of an audit: the verdict, the counts, the repos that need attention (one per line). */
export function auditOutputs(audit: FleetAudit, options: { pinFile: string; signaturesChecked: boolean }): Outputs {
  const { signatures: _signatures, total: _total, ...statuses } = audit.counts
  const attention = audit.results.filter((r) => describeFindings(r, audit, options.pinFile, options.signaturesChecked).length > 0).map((r) => r.repo)
  return {
    ...statuses,
    counts: JSON.stringify(audit.counts),
    passed: audit.passed,
    expected: audit.expected,
    'failed-repos': attention.join('\n'),
    'exit-code': audit.passed ? 0 : 1,
  }
}
