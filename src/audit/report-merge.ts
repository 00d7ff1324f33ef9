/**
 * `report merge`: the `--json` reports of a CI matrix's shards (cascade or verify-pins)
 * put back together into the report one run over the whole fleet would have given. It
 * lives in audit/, the top layer, because it reads both the cascade's reports (fleet/) and
 * the audit's.
 *
 * Reports that cannot be the shards of one run are refused (exit 2), naming the files:
 * different commands, manifests, versions or settings, a shard missing or given twice, a
 * repo in two reports, or a file that is not a report at all (e.g. a shard that stopped
 * on bad input and printed `{ "error": ... }`).
 */
import { readFile } from 'node:fs/promises'
import { UsageError } from '../errors.js'
import { countOutcomes, type CascadeReport } from '../fleet/cascade.js'
import { formatShard, WHOLE_FLEET, type FleetRunInfo, type Shard } from '../fleet/shard.js'
import type { OriginWait } from '../fleet/pacing.js'
import { PIN_OUTCOMES, type PinResult } from '../pin/pin-result.js'
import type { RepoAudit } from './audit.js'
import { summarizeFleet, type FleetAudit } from './audit-fleet.js'

export interface ReportFile {
  file: string
  data: unknown
}

export type MergedReport = { waits: OriginWait[] } & (
  | { command: 'cascade'; run: FleetRunInfo<'cascade'>; report: CascadeReport }
  | { command: 'verify-pins'; run: FleetRunInfo<'verify-pins'>; audit: FleetAudit; signaturesChecked: boolean }
)

type Json = Record<string, any>

function refuse(code: string, message: string, hint: string): never {
  throw new UsageError(code, message, { hint })
}

const SAME_RUN_HINT = 'merge the reports of one matrix run: every shard of the same command, manifest and settings'

/** Read and parse each file (exit 2 when one cannot be read or is not JSON). */
export async function readReportFiles(files: readonly string[]): Promise<ReportFile[]> {
  return Promise.all(
    files.map(async (file) => {
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (error) {
        return refuse('report-unreadable', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'pass the files the shards wrote with --json')
      }
      try {
        return { file, data: JSON.parse(text) as unknown }
      } catch {
        return refuse('not-a-report', `${file} is not JSON`, 'pass the files the shards wrote with --json (stdout of `pinbot cascade --json` or `pinbot verify-pins --json`)')
      }
    }),
  )
}

const isInteger = (value: unknown): value is number => Number.isInteger(value)
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The parts of a report the merge relies on, checked; anything else refuses the file. */
function checkShape({ file, data }: ReportFile): Json & FleetRunInfo {
  const notReport = (what: string): never =>
    refuse('not-a-report', `${file} is not a cascade or verify-pins --json report (${what})`, 'pass the files the shards wrote with --json, from a pinbot that adds shard and manifest to its reports')
  if (!isObject(data)) return notReport('not a JSON object')
  if (isObject(data.error)) {
    return refuse('shard-failed', `${file} is the report of a run that stopped: ${String(data.error.code)}: ${String(data.error.message)}`, 'fix that shard and run it again; a merge needs every shard\'s report')
  }
  if (data.command !== 'cascade' && data.command !== 'verify-pins') return notReport('no "command"')
  const shard = data.shard
  if (!isObject(shard) || !isInteger(shard.index) || !isInteger(shard.count) || shard.index < 1 || shard.index > shard.count) return notReport('no valid "shard"')
  const manifest = data.manifest
  if (!isObject(manifest) || typeof manifest.digest !== 'string' || typeof manifest.pinFile !== 'string' || !Array.isArray(manifest.positions)) return notReport('no valid "manifest"')
  if (!Array.isArray(data.argv) || !data.argv.every((arg: unknown) => typeof arg === 'string')) return notReport('no valid "argv"')
  if (!Array.isArray(data.results) || data.results.length !== manifest.positions.length || !manifest.positions.every(isInteger)) return notReport('"results" and "manifest.positions" disagree')
  if (!data.results.every((r: unknown) => isObject(r) && typeof r.repo === 'string')) return notReport('a result without "repo"')
  if (data.command === 'cascade') {
    if (typeof data.version !== 'string' || typeof data.dryRun !== 'boolean') return notReport('no "version" or "dryRun"')
    if (!data.results.every((r: Json) => PIN_OUTCOMES.includes(r.outcome) && isInteger(r.attempts))) return notReport('a result without a valid "outcome"')
  } else if (!['expect', 'fleet'].includes(data.expectedFrom) || !isObject(data.counts)) {
    return notReport('no "expectedFrom" or "counts"')
  }
  return data as Json & FleetRunInfo
}

/** What must be equal in every report of one run, with the words that say what differs. */
function settingsOf(report: Json & FleetRunInfo): Array<[code: string, what: string, value: string]> {
  const settings: Array<[string, string, string]> = [['mixed-manifests', 'manifest', `${report.manifest.digest} (pin file ${report.manifest.pinFile})`]]
  if (report.command === 'cascade') {
    settings.push(['mixed-versions', 'version', report.version], ['mixed-settings', 'dry run', String(report.dryRun)])
  } else {
    const expected = report.expectedFrom === 'expect' ? `--expect ${report.expected}` : 'the highest in the fleet'
    settings.push(['mixed-versions', 'expected version', expected], ['mixed-settings', 'signature check', String(isObject(report.counts.signatures))])
  }
  return settings
}

/** Every report is a shard of the same run, each shard once, each repo once; throws exit 2 naming what is wrong. */
function checkOneRun(files: readonly string[], reports: ReadonlyArray<Json & FleetRunInfo>): void {
  const [first] = reports
  reports.forEach((report, i) => {
    if (report.command !== first.command) {
      refuse('mixed-commands', `${files[i]} is a ${report.command} report, ${files[0]} a ${first.command} report`, SAME_RUN_HINT)
    }
    const expected = settingsOf(first)
    for (const [j, [code, what, value]] of settingsOf(report).entries()) {
      if (value !== expected[j][2]) refuse(code, `${files[i]} and ${files[0]} differ in their ${what}: ${value} vs ${expected[j][2]}`, SAME_RUN_HINT)
    }
    if (report.shard.count !== first.shard.count) {
      refuse('mixed-shards', `${files[i]} is shard ${formatShard(report.shard)}, ${files[0]} is shard ${formatShard(first.shard)}: not the same matrix`, SAME_RUN_HINT)
    }
  })
  const byIndex = new Map<number, string>()
  reports.forEach((report, i) => {
    const other = byIndex.get(report.shard.index)
    if (other !== undefined) refuse('duplicate-shard', `shard ${formatShard(report.shard)} is given twice: ${other} and ${files[i]}`, 'pass each shard\'s report once')
    byIndex.set(report.shard.index, files[i])
  })
  const missing = Array.from({ length: first.shard.count }, (_, i) => i + 1).filter((index) => !byIndex.has(index))
  if (missing.length) {
    const shards = missing.map((index) => formatShard({ index, count: first.shard.count })).join(', ')
    refuse('missing-shard', `${missing.length === 1 ? 'shard' : 'shards'} ${shards} ${missing.length === 1 ? 'is' : 'are'} missing: ${reports.length} of ${first.shard.count} reports given`, 'pass the report of every job of the matrix (a job that did not finish has to be run again)')
  }
  const seen = new Map<string, string>()
  reports.forEach((report, i) => {
    for (const result of report.results as Json[]) {
      const key = (result.repo as string).toLowerCase()
      const other = seen.get(key)
      if (other !== undefined) refuse('duplicate-repo', `${result.repo} is in two reports: ${other} and ${files[i]}`, 'each repo belongs to one shard: were the shards run with different manifests or --only?')
      seen.set(key, files[i])
    }
  })
}

/** The results of every report, in manifest order, with their manifest positions. */
function inManifestOrder(reports: ReadonlyArray<Json & FleetRunInfo>): Array<{ position: number; result: Json }> {
  return reports
    .flatMap((report) => (report.results as Json[]).map((result, i) => ({ position: report.manifest.positions[i], result })))
    .sort((a, b) => a.position - b.position)
}

/** A `cascade --json` result back into the cascade's own shape. */
function pinResultOf(json: Json): PinResult {
  const optional = (key: 'reason' | 'before' | 'after' | 'commit') => (typeof json[key] === 'string' ? { [key]: json[key] as string } : {})
  return {
    repo: json.repo,
    branch: json.branch ?? '',
    outcome: json.outcome,
    ...optional('reason'),
    ...optional('before'),
    ...optional('after'),
    ...optional('commit'),
    attempts: json.attempts,
    ...(isObject(json.error) && { error: json.error as PinResult['error'] }),
    durationMs: isInteger(json.durationMs) ? json.durationMs : 0,
  }
}

/** A `verify-pins --json` result back into the audit of one repo (its status is judged again, over the whole fleet). */
function repoAuditOf(json: Json): RepoAudit {
  return {
    repo: json.repo,
    branch: json.branch ?? null,
    tip: json.tip ?? null,
    pin: json.pin ?? null,
    version: json.version ?? null,
    problems: json.problems ?? [],
    signature: json.signature ?? null,
    commit: json.commit ?? null,
    replacedBotPin: json.replacedBotPin ?? null,
    skipped: json.skipped ?? null,
    consumer: json.consumer ?? null,
    error: json.error ?? null,
  }
}

/** The arguments of the run the merged report stands for: the shards' own, without --shard. */
function wholeFleetArgv(argv: readonly string[]): string[] {
  const kept: string[] = []
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--shard') i++
    else if (!argv[i].startsWith('--shard=')) kept.push(argv[i])
  }
  return kept
}

/** Merge shard reports into the report of one run over the whole fleet (throws exit 2 when they are not one run's shards). */
export function mergeReports(files: readonly ReportFile[]): MergedReport {
  if (files.length === 0) refuse('no-reports', 'no report to merge', 'pass the --json report of every shard')
  const reports = files.map(checkShape)
  checkOneRun(
    files.map((f) => f.file),
    reports,
  )
  const first = reports.find((report) => report.shard.index === 1)!
  const ordered = inManifestOrder(reports)
  const whole: Shard = WHOLE_FLEET
  const run = {
    shard: whole,
    manifest: { digest: first.manifest.digest, pinFile: first.manifest.pinFile, positions: ordered.map((entry) => entry.position) },
    argv: wholeFleetArgv(first.argv),
  }
  // Every shard's waits: the forge slowed down the run, whichever job it told.
  const waits = reports.flatMap((report) => (Array.isArray(report.waits) ? (report.waits as OriginWait[]) : []))
  if (first.command === 'cascade') {
    const results = ordered.map((entry) => pinResultOf(entry.result))
    return { command: 'cascade', waits, run: { command: 'cascade', ...run }, report: { version: first.version, dryRun: first.dryRun, results, counts: countOutcomes(results) } }
  }
  const signaturesChecked = isObject(first.counts.signatures)
  const audit = summarizeFleet(
    ordered.map((entry) => repoAuditOf(entry.result)),
    { expect: first.expectedFrom === 'expect' ? first.expected : undefined, signaturesChecked },
  )
  return { command: 'verify-pins', waits, run: { command: 'verify-pins', ...run }, audit, signaturesChecked }
}
