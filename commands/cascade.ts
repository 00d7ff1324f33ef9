import * as Flags from '@oclif/core/flags'
import { inActions } from '../src/report/actions.js'
import { DEFAULT_CONCURRENCY, failedRepos, rerunCommand, runCascade, type PinOne } from '../src/fleet/cascade.js'
import { interruptible } from './_interrupt.js'
import { DEFAULT_REPO_TIMEOUT_MS } from '../src/fleet/repo-deadline.js'
import { cascadeProgress, createProgressView } from '../src/fleet/cascade-progress.js'
import { PIN_OUTCOMES } from '../src/pin/pin-result.js'
import { cascadeOutputs, formatCounts, renderAnnotations, renderFailures, renderStepSummary, renderSummaryTable } from '../src/fleet/cascade-report.js'
import { UsageError } from '../src/errors.js'
import { createHttpClient, scopedHttp } from '../src/git/http.js'
import { loadManifest, manifestTokenScope, MAX_CONCURRENCY, MAX_PUSHES_PER_MINUTE, MIN_CONCURRENCY, selectRepos } from '../src/fleet/manifest.js'
import { formatWait, formatWaits, pacedHttpClient, renderWaitsMarkdown, type OriginWait } from '../src/fleet/pacing.js'
import { fleetRunInfo, formatShard, isSharded, selectShard, type FleetRunInfo } from '../src/fleet/shard.js'
import { redact } from '../src/redact.js'
import { parseVersionArg } from '../src/contract/runtime-version.js'
import { checkToken } from '../src/git/token-probe.js'
import { BaseCommand, reportFlags } from './_base.js'
import type { RemotePinJson } from './_pin-remote.js'
import { remoteFlags, remoteSettings, repoTimeoutFlag, repoTimeoutMs } from './_remote-flags.js'
import { shardFlags, shardSetting } from './_shard-flag.js'
import { botCommitSettings, signingFlags } from './_signing-flags.js'

/** The documented `cascade --json` object (plus the run's shard, manifest digest and arguments, for `report merge`). */
export interface CascadeJson extends FleetRunInfo<'cascade'> {
  version: string
  dryRun: boolean
  results: Array<RemotePinJson & { durationMs: number }>
  counts: { updated: number; unchanged: number; skipped: number; failed: number }
  /** Each time the forge asked to slow down and the run waited. */
  waits: OriginWait[]
}

export default class Cascade extends BaseCommand {
  static override summary = 'Pin every repo of a manifest to a runtime version: concurrently, signed, never forced'
  static override description = `Reads the manifest (see manifest.schema.json) and checks VERSION, the manifest and the signing key before any request; the token is checked by one authenticated request sent alongside the first reads, and a rejected token stops the run (exit 2) before any repo is reported. Then pins each repo as \`pin --remote\` does, --concurrency at a time. One repo's failure never stops the others; every repo ends updated, unchanged, skipped (with a reason) or failed (with a code: auth, forbidden, not-found, rejected, network, timeout, http).
On a terminal, a live view shows each repo in flight with its phase (reading, signing, pushing, retrying in N s) and each finished repo once, as one line; otherwise each repo's block is printed whole when it finishes, a progress line when nothing finished for 30 s, then a summary table. Flags override the manifest's author, co-authors, message and concurrency.
With --json: { version, dryRun, results: [one pin --json object per repo], counts: { updated, unchanged, skipped, failed } } on stdout (progress goes to stderr). In GitHub or Gitea Actions, each repo's block is a log group, each failed repo gets an ::error annotation (on stderr), a Markdown summary with the commits (linked by the manifest's commitUrl) is appended to $GITHUB_STEP_SUMMARY, and the counts, the failed repos and the --report path are step outputs ($GITHUB_OUTPUT); a run stopped by bad input reports its error the same way.
With --shard K/N (one job of a CI matrix), only the repos of shard K: each repo's shard is a hash of its name, the same on every runner; \`report merge\` makes one report of the shards' --json reports.
With --max-pushes-per-minute N (or the manifest's pace), pushes are spread evenly, at most N a minute, while reads go on concurrently. An answer asking to slow down (429, or 403 with Retry-After or an exhausted rate limit) pauses every request to that forge for the time asked (at most 2 minutes) and sends the request again instead of failing the repo; each wait is logged, counted in the summary and listed in --json (waits).
Exit 0 when no repo failed; 1 when any failed, after printing the command that re-runs only those (--only); 2 for bad input, before any repo is touched. Re-running with the same version pushes nothing.`
  static override examples = [
    'PINBOT_TOKEN=... PINBOT_SIGNING_KEY="$(cat bot.asc)" <%= config.bin %> cascade --manifest cascade.json --version 0.1.8',
    '<%= config.bin %> cascade --manifest cascade.json --version 0.1.8 --token-env DISPATCH_TOKEN --dry-run --json',
    '<%= config.bin %> cascade --manifest cascade.json --version 0.1.8 --only acme/template-go --only acme/template-node',
  ]
  static override enableJsonFlag = true
  static override flags = {
    manifest: Flags.string({ required: true, helpValue: 'FILE', description: 'the JSON manifest of repos to pin (schema: manifest.schema.json)' }),
    version: Flags.string({ required: true, helpValue: 'VERSION', description: 'the runtime version to pin, e.g. 0.1.8' }),
    concurrency: Flags.integer({
      helpValue: 'N',
      min: MIN_CONCURRENCY,
      max: MAX_CONCURRENCY,
      description: `repos pinned at the same time (default: the manifest's, else ${DEFAULT_CONCURRENCY})`,
    }),
    retries: Flags.integer({ helpValue: 'N', min: 0, max: 20, description: 're-attempts per repo when its branch moves under the push (default 3)' }),
    'dry-run': Flags.boolean({ default: false, description: 'do everything except the pushes' }),
    'allow-downgrade': Flags.boolean({ default: false, description: 'lower repos pinned to a higher version (default: skip them)' }),
    only: Flags.string({ multiple: true, helpValue: 'REPO', description: 'pin only these manifest repos (OWNER/NAME or URL); for re-runs' }),
    'max-pushes-per-minute': Flags.integer({
      helpValue: 'N',
      min: 1,
      max: MAX_PUSHES_PER_MINUTE,
      description: "spread pushes evenly, at most N a minute; reads stay concurrent (default: the manifest's pace, else unpaced; GitHub: 60)",
    }),
    ...shardFlags,
    ...remoteFlags,
    ...repoTimeoutFlag(DEFAULT_REPO_TIMEOUT_MS),
    ...signingFlags,
    ...reportFlags,
    // No default here, so that the manifest's message applies unless the flag is given.
    message: Flags.string({ helpValue: 'TEMPLATE', description: 'commit subject template; {version} is replaced (default: the manifest\'s, else "chore: pin runtime to {version}")' }),
  }

  async run(): Promise<CascadeJson> {
    const { flags } = await this.parse(Cascade)
    this.reportFile = flags.report
    const json = this.jsonEnabled()
    const env = process.env

    // Preflight: every check that can fail before a repo is touched, cheapest first.
    const version = parseVersionArg(flags.version)
    const shard = shardSetting(flags)
    const manifest = await loadManifest(flags.manifest)
    const selected = selectRepos(manifest.repos, flags.only ?? [])
    const repos = selectShard(selected, shard)
    const { auth, timeoutMs, limits } = remoteSettings(flags)
    const repoDeadlineMs = repoTimeoutMs(flags, DEFAULT_REPO_TIMEOUT_MS)
    const dryRun = flags['dry-run']
    if (!auth.token && !dryRun) {
      throw new UsageError('missing-token', `no forge token: ${auth.tokenEnv} is not set`, {
        hint: `export ${auth.tokenEnv} with a token that can push to the manifest's repos (or name another variable with --token-env)`,
      })
    }
    // The signing engine loads only once the cheap checks passed, so bad input fails fast.
    const { prepareBotCommit } = await import('../src/identity/bot-commit.js')
    const setup = await prepareBotCommit(botCommitSettings(flags, manifest))
    for (const warning of setup.warnings) this.warnUser(warning)
    const tokenOrigins = manifestTokenScope(manifest, { token: auth.token, allowHttpFlag: flags['allow-token-over-http'] })
    // One client for every repo: its keep-alive connections (and TLS sessions) serve them all.
    const client = createHttpClient({ token: auth.token, tokenUser: auth.tokenUser, timeoutMs, tokenOrigins: [...tokenOrigins] })
    // The token check (one request per origin) overlaps the first repos' reads; no push is
    // sent before every origin answered, so a refused token ends the run (exit 2) with
    // nothing pushed anywhere, and an origin that could not confirm it gets no push. Each
    // origin's check has half a repo's deadline: the other origins' repos, waiting for it,
    // keep the other half to push.
    const tokenCheck = auth.token && repos.length
      ? checkToken({ urls: repos.map((repo) => repo.url), http: client, tokenOrigins, tokenSource: auth.tokenEnv, deadlineMs: repoDeadlineMs / 2 })
      : undefined
    const [{ pinRemote }, { remotePinJson }] = await Promise.all([import('../src/pin/remote-pin.js'), import('./_pin-remote.js')])

    const concurrency = flags.concurrency ?? manifest.concurrency ?? DEFAULT_CONCURRENCY
    const commit = setup.commit(version)
    // Pushes paced, and answers asking to slow down waited out per origin (pacing.ts).
    const maxPushesPerMinute = flags['max-pushes-per-minute'] ?? manifest.pace?.maxPushesPerMinute
    const waits: OriginWait[] = []
    const onWait = (wait: OriginWait) => {
      waits.push(wait)
      // A live view owns the terminal's last lines: its waits are listed after it.
      if (!stream.isTTY) write(`${formatWait(wait)}\n`)
    }
    const http = pacedHttpClient(client, { maxPushesPerMinute, onWait })
    // Each repo's requests carry its deadline (and an interrupt) and log its retries.
    const pinOne: PinOne = (repo, log, signal, onPhase) =>
      pinRemote({
        repo: { url: repo.url, display: repo.name },
        branch: repo.branch,
        version,
        auth,
        http: scopedHttp(http, { signal, log }),
        limits,
        ...commit,
        pinFile: manifest.pinFile,
        requireFile: manifest.requireFile,
        consumer: manifest.consumer,
        allowDowngrade: flags['allow-downgrade'],
        retries: flags.retries,
        dryRun,
        beforePush: tokenCheck && (() => tokenCheck.beforePush(repo.url)),
        onLog: log,
        onPhase,
      })

    // Progress goes where it cannot corrupt --json: stderr then, stdout otherwise.
    const stream = json ? process.stderr : process.stdout
    const write = (text: string) => stream.write(redact(text))
    const signed = setup.fingerprint ? `signed by key ${setup.fingerprint}` : 'unsigned'
    const inShard = isSharded(shard) ? `shard ${formatShard(shard)}, ${repos.length} of ${selected.length}` : `${repos.length}`
    const paced = maxPushesPerMinute ? `, at most ${maxPushesPerMinute} pushes a minute` : ''
    write(`cascade ${version}: ${inShard} ${selected.length === 1 ? 'repo' : 'repos'}, ${concurrency} at a time${paced}, ${signed}${dryRun ? ', dry run (nothing is pushed)' : ''}\n`)
    const progress = await createProgressView(stream, { total: repos.length, outcomes: PIN_OUTCOMES, groups: inActions(env), filter: redact })
    const interrupt = interruptible(write)
    const report = await runCascade({
      repos,
      version,
      concurrency,
      dryRun,
      pinOne,
      preflight: tokenCheck?.verdict,
      repoTimeoutMs: repoDeadlineMs,
      stop: interrupt.stop,
      abort: interrupt.abort,
      onEvent: cascadeProgress(progress),
    }).finally(() => {
      interrupt.dispose()
      progress.finish()
      http.destroy()
    })

    const failed = failedRepos(report)
    const rerun = failed.length ? rerunCommand(this.argv, failed, `${this.config.bin} cascade`) : undefined
    if (stream.isTTY) for (const wait of waits) write(`${formatWait(wait)}\n`)
    // On a terminal each repo was printed once as it finished; a log gets the table too.
    const table = stream.isTTY ? '' : `\n${renderSummaryTable(report.results)}\n`
    if (!json) this.out(`${table}\n${formatCounts(report.counts)}${dryRun ? ' (dry run: nothing was pushed)' : ''}`)
    if (waits.length) (json ? this.err(formatWaits(waits)) : this.out(formatWaits(waits)))
    if (rerun) this.err(renderFailures(report.results, rerun))
    process.exitCode = interrupt.exitCode() ?? (failed.length ? 1 : 0)
    const { command, ...run } = fleetRunInfo('cascade', manifest, repos, shard, this.argv)
    const document: CascadeJson = { command, version, dryRun, results: report.results.map((result) => ({ ...remotePinJson(result), durationMs: result.durationMs })), counts: report.counts, waits, ...run }
    const summary = renderStepSummary(report, { rerun, links: { commitUrl: manifest.commitUrl, forge: manifest.forge }, shard }) + renderWaitsMarkdown(waits)
    this.publish({ annotations: renderAnnotations(report.results), outputs: cascadeOutputs(report), summary }, document)
    return document
  }
}
