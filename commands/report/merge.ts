import * as Args from '@oclif/core/args'
import { failedRepos, rerunCommand } from '../../src/fleet/cascade.js'
import { cascadeOutputs, formatCounts, renderFailures, renderStepSummary, renderSummaryTable } from '../../src/fleet/cascade-report.js'
import { auditOutputs, renderAuditReport, renderAuditStepSummary, toJsonReport } from '../../src/audit/audit-report.js'
import { mergeReports, readReportFiles } from '../../src/audit/report-merge.js'
import { formatWaits, renderWaitsMarkdown } from '../../src/fleet/pacing.js'
import { BaseCommand } from '../_base.js'
import { remotePinJson } from '../_pin-remote.js'

export default class ReportMerge extends BaseCommand {
  static override summary = "Merge the --json reports of a CI matrix's shards into the report of one run"
  static override description = `Takes the --json reports of every shard of one matrix run (\`cascade --shard K/N --json\` or \`verify-pins --shard K/N --json\`) and prints the report a single run over the whole fleet would have given: the table and counts, the command that re-runs only the failed repos (--only), the Markdown step summary (appended to $GITHUB_STEP_SUMMARY when set), the JSON with --json, and the exit code (0, or 1 when a repo failed or, for verify-pins, the audit did not pass). verify-pins statuses are judged again over the whole fleet.
Refused with exit 2, naming the files: reports of different commands, manifests (by digest), versions or settings, a shard missing or given twice, a repo in two reports, or a file that is not a report (e.g. the error of a shard that stopped).`
  static override examples = [
    '<%= config.bin %> report merge shard-1.json shard-2.json shard-3.json shard-4.json',
    '<%= config.bin %> report merge reports/*.json --json > cascade.json',
  ]
  static override strict = false
  static override enableJsonFlag = true
  static override args = {
    file: Args.string({ required: true, description: "a shard's --json report (one per shard of the matrix)" }),
  }

  async run() {
    const { argv } = await this.parse(ReportMerge)
    const merged = mergeReports(await readReportFiles(argv as string[]))
    const { waits } = merged
    const json = this.jsonEnabled()
    const waited = formatWaits(waits)
    const pinFile = merged.run.manifest.pinFile
    if (merged.command === 'cascade') {
      const { report, run } = merged
      const failed = failedRepos(report)
      const rerun = failed.length ? rerunCommand(run.argv, failed, `${this.config.bin} cascade`) : undefined
      if (!json) this.out(`${renderSummaryTable(report.results)}\n\n${formatCounts(report.counts)}${report.dryRun ? ' (dry run: nothing was pushed)' : ''}`)
      if (waited) (json ? this.err(waited) : this.out(waited))
      if (rerun) this.err(renderFailures(report.results, rerun))
      process.exitCode = failed.length ? 1 : 0
      const { command, ...rest } = run
      const results = report.results.map((result) => ({ ...remotePinJson(result), durationMs: result.durationMs }))
      // The shards' jobs annotated each failure already: the merge adds outputs and the summary only.
      this.publish({ annotations: [], outputs: cascadeOutputs(report), summary: renderStepSummary(report, { rerun }) + renderWaitsMarkdown(waits) })
      return { command, version: report.version, dryRun: report.dryRun, results, counts: report.counts, waits, ...rest }
    }
    const { audit, run, signaturesChecked } = merged
    const view = { now: Date.now(), pinFile, signaturesChecked }
    const failed = audit.results.filter((result) => result.status === 'failed').map((result) => result.repo)
    if (!json) this.out(renderAuditReport(audit, view))
    if (waited) this.err(waited)
    if (failed.length) this.err(`Re-run only the failed repos with:\n  ${rerunCommand(run.argv, failed, `${this.config.bin} verify-pins`)}`)
    process.exitCode = audit.passed ? 0 : 1
    this.publish({ annotations: [], outputs: auditOutputs(audit, view), summary: renderAuditStepSummary(audit, view) + renderWaitsMarkdown(waits) })
    const { command, ...rest } = run
    return { command, ...toJsonReport(audit), waits, ...rest }
  }
}
