import * as Flags from '@oclif/core/flags'
import { DEFAULT_MAX_DEPTH } from '../src/audit/audit.js'
import { auditOutputs, renderAuditAnnotations, renderAuditReport, renderAuditStepSummary, toJsonReport } from '../src/audit/audit-report.js'
import { loadManifest, manifestTokenScope, selectRepos, MAX_CONCURRENCY, MIN_CONCURRENCY } from '../src/fleet/manifest.js'
import { rerunCommand } from '../src/fleet/cascade.js'
import { formatWait, formatWaits, renderWaitsMarkdown, type OriginWait } from '../src/fleet/pacing.js'
import { fleetRunInfo, formatShard, isSharded, selectShard } from '../src/fleet/shard.js'
import { parseVersionArg } from '../src/contract/runtime-version.js'
import { DEFAULT_AUDIT_CONCURRENCY, verifyPins } from '../src/audit/verify-pins.js'
import { createProgressView } from '../src/fleet/cascade-progress.js'
import { inActions } from '../src/report/actions.js'
import { redact } from '../src/redact.js'
import { BaseCommand, reportFlags } from './_base.js'
import { remoteFlags, remoteSettings, repoTimeoutFlag, repoTimeoutMs } from './_remote-flags.js'
import { DEFAULT_REPO_TIMEOUT_MS } from '../src/fleet/repo-deadline.js'
import { shardFlags, shardSetting } from './_shard-flag.js'
import { interruptible } from './_interrupt.js'

export default class VerifyPins extends BaseCommand {
  static override summary = 'Audit the pin of every repo in a manifest: version, validity, and who signed it'
  static override description = `For every repo of the manifest, concurrently and in memory (no clone on disk): the default branch (or the manifest's branch), the .runtime-version there (missing, invalid with the contract's problems, or its version), and its status against --expect (ok, behind, ahead). Without --expect the highest version in the fleet is the reference.
With --key, the commit that last changed the pin file is found (the shallow history is deepened step by step, at most --max-depth commits) and its signature (OpenPGP, or SSH as git's gpg.format=ssh makes it) checked against the bot's public key(s) or allowed_signers file: signed-by-bot, unsigned, signed-by-other-key, bad-signature, expired-key or revoked-key, with its author and committer. A pin hand-edited after the bot's commit shows as unsigned (or signed by another key), and is reported as a hand edit of the bot's signed pin it replaced.
Without --key one repo costs 2 HTTP requests. Remote failures are reported per repo (auth, forbidden, not-found, network, timeout, http); a repo not done within --repo-timeout fails timeout, whatever its server does, and the audit still reports every repo. The token is read from PINBOT_TOKEN (or the variable named by --token-env) and sent only to the manifest's forge and the origins it names in tokenOrigins; other repos are read anonymously.
With --shard K/N (one job of a CI matrix), only the repos of shard K (a hash of each repo's name, the same on every runner); \`report merge\` makes one report of the shards' --json reports. Without --expect, each shard compares with its own highest version: give --expect to shards.
In GitHub or Gitea Actions, each repo that is not ok gets an ::error annotation (on stderr), a Markdown summary with the pin commits (linked by the manifest's commitUrl) is appended to $GITHUB_STEP_SUMMARY, and the verdict, the counts, the repos that need attention and the --report path are step outputs ($GITHUB_OUTPUT).
A repo that could not be read (failed) is listed with the command that re-runs only those (--only).
The first SIGINT or SIGTERM starts no more repos and lets those in flight finish (at most 30 s; a second signal stops them): the report, JSON and step summary are still written, the rest listed as failed (interrupted), and the exit code is 130 or 143.
An answer asking to slow down (429, or 403 with Retry-After or an exhausted rate limit) pauses every request to that forge for the time asked (at most 2 minutes) instead of failing the repo; each wait is logged and listed in --json (waits).
Exits 0 when every repo is ok (and signed by the bot with --key), 1 otherwise, 2 for bad input (nothing fetched).`
  static override examples = [
    'PINBOT_TOKEN=... <%= config.bin %> verify-pins --manifest templates.json',
    'PINBOT_TOKEN=... <%= config.bin %> verify-pins --manifest templates.json --expect 0.1.8 --key pinbot.asc.pub',
    '<%= config.bin %> verify-pins --manifest templates.json --key pinbot.asc.pub --max-depth 200 --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    manifest: Flags.string({ required: true, helpValue: 'FILE', description: 'the manifest listing the repos (the same file cascade uses)' }),
    expect: Flags.string({ helpValue: 'VERSION', description: 'the version every repo should be on (default: the highest found)' }),
    key: Flags.string({ multiple: true, helpValue: 'PUBFILE', description: "the bot's public key (OpenPGP, SSH .pub, or a git allowed_signers file); check who signed each pin (repeatable)" }),
    'max-depth': Flags.integer({ min: 1, max: 100_000, default: DEFAULT_MAX_DEPTH, helpValue: 'N', description: 'with --key: how many commits back to look for the last pin change' }),
    concurrency: Flags.integer({ min: MIN_CONCURRENCY, max: MAX_CONCURRENCY, helpValue: 'N', description: `repos audited at once (default: the manifest's, else ${DEFAULT_AUDIT_CONCURRENCY})` }),
    only: Flags.string({ multiple: true, helpValue: 'REPO', description: 'audit only these repos of the manifest (repeatable)' }),
    ...shardFlags,
    ...remoteFlags,
    ...repoTimeoutFlag(DEFAULT_REPO_TIMEOUT_MS),
    ...reportFlags,
  }

  async run() {
    const { flags } = await this.parse(VerifyPins)
    this.reportFile = flags.report
    // Every input is checked before any request: bad input exits 2 with nothing fetched.
    const expect = flags.expect === undefined ? undefined : parseVersionArg(flags.expect)
    const remote = remoteSettings(flags)
    const repoDeadlineMs = repoTimeoutMs(flags, DEFAULT_REPO_TIMEOUT_MS)
    const shard = shardSetting(flags)
    const manifest = await loadManifest(flags.manifest)
    const tokenOrigins = manifestTokenScope(manifest, { token: remote.auth.token, allowHttpFlag: flags['allow-token-over-http'] })
    const selected = selectRepos(manifest.repos, flags.only ?? [])
    const repos = selectShard(selected, shard)
    // Key libraries are loaded only when there are keys to read: an audit without --key never needs them.
    const keys = flags.key?.length ? await (await import('../src/identity/verification-keys.js')).readVerificationKeys(flags.key) : undefined

    const concurrency = flags.concurrency ?? manifest.concurrency ?? DEFAULT_AUDIT_CONCURRENCY
    // Progress goes where it cannot corrupt --json; the first line at once, then the live view (terminal) or heartbeats (log).
    const stream = this.jsonEnabled() ? process.stderr : process.stdout
    const inShard = isSharded(shard) ? `shard ${formatShard(shard)}, ${repos.length} of ${selected.length}` : `${repos.length}`
    stream.write(`verify-pins: ${inShard} ${selected.length === 1 ? 'repo' : 'repos'}, ${concurrency} at a time${keys ? ', checking signatures' : ''}\n`)
    const progress = await createProgressView(stream, { total: repos.length, groups: inActions(), filter: redact })
    const waits: OriginWait[] = []
    const interrupt = interruptible((text) => stream.write(text))
    const audit = await verifyPins({
      stop: interrupt.stop,
      abort: interrupt.abort,
      onWait: (wait) => {
        waits.push(wait)
        // A live view owns the terminal's last lines: its waits are listed after it.
        if (!stream.isTTY) this.err(formatWait(wait))
      },
      repos,
      pinFile: manifest.pinFile,
      requireFile: manifest.requireFile,
      consumer: manifest.consumer,
      expect,
      keys,
      maxDepth: flags['max-depth'],
      concurrency,
      ...remote,
      tokenOrigins: [...tokenOrigins],
      repoTimeoutMs: repoDeadlineMs,
      onStart: (repo) => (progress.start(repo.name), progress.phase(repo.name, 'reading')),
      // Each repo appears once, in the table: the view only counts it.
      onAudit: (audit) => progress.done(audit.repo, {}),
    }).finally(() => (progress.finish(), interrupt.dispose()))
    process.exitCode = interrupt.exitCode() ?? (audit.passed ? 0 : 1)
    const view = { now: Date.now(), pinFile: manifest.pinFile, signaturesChecked: Boolean(keys), shard, commitUrl: manifest.commitUrl, forge: manifest.forge }
    const failed = audit.results.filter((result) => result.status === 'failed').map((result) => result.repo)
    if (stream.isTTY) for (const wait of waits) this.err(formatWait(wait))
    if (!this.jsonEnabled()) this.out(renderAuditReport(audit, view))
    if (waits.length) this.err(formatWaits(waits))
    if (failed.length) this.err(`Re-run only the failed repos with:\n  ${rerunCommand(this.argv, failed, `${this.config.bin} verify-pins`)}`)
    const { command, ...run } = fleetRunInfo('verify-pins', manifest, repos, shard, this.argv)
    const document = { command, ...toJsonReport(audit), waits, ...run }
    this.publish({ annotations: renderAuditAnnotations(audit, view), outputs: auditOutputs(audit, view), summary: renderAuditStepSummary(audit, view) + renderWaitsMarkdown(waits) }, document)
    return document
  }
}
