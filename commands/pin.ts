import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import { isPinbotError } from '../src/errors.js'
import { prepareBotCommit, type BotCommitSettings, type BotCommitSetup } from '../src/identity/bot-commit.js'
import type { LocalPinResult } from '../src/pin/local-pin.js'
import { parseVersionArg } from '../src/contract/runtime-version.js'
import { renderAnnotations } from '../src/fleet/cascade-report.js'
import { BaseCommand } from './_base.js'
import { remotePinExitCode, remotePinFlags, remotePinJson, remotePinSettings, renderRemotePin, runRemotePin, type RemotePinJson } from './_pin-remote.js'
import { botCommitSettings, signingFlags } from './_signing-flags.js'

export default class Pin extends BaseCommand {
  static override summary = 'Pin a checkout, or a remote repo (--remote), to a runtime version as a signed bot commit'
  static override description = `Writes VERSION (strict SemVer) to .runtime-version at the repository root, in canonical form.
With --commit, also makes a bot commit containing only that change, signed with the bot key (--signing-key or PINBOT_SIGNING_KEY), with Co-Authored-By trailers for --co-author; anything else you have staged or changed is left as it was, uncommitted.
Already at VERSION: nothing is written (unchanged, exit 0). A lower version than the current one is refused (skipped, exit 1) unless --allow-downgrade.
Exit 2 for bad input (invalid version, key, identity, not in a git checkout), before anything is written.
With --remote URL (or OWNER/NAME and --forge), no checkout is needed: the branch tip (the remote's default branch unless --branch) is fetched into memory at depth 1, the pin commit is built there, signed, and pushed, never forced. If the branch moves under the push, the new tip is read and the decision made again, up to --retries times; a hook or branch protection refusal is final. The token comes from PINBOT_TOKEN (or --token-env NAME). Exit 0 for updated, unchanged, or skipped by --require-file; 1 for a failure or a refused downgrade.
With --json, local or remote: { repo, branch, outcome, reason, before, after, commit, attempts } (repo: the checkout's root for a local pin); after is the version the pin holds after the run, so for a refused downgrade the current, higher one.`
  static override examples = [
    '<%= config.bin %> pin 1.4.0',
    '<%= config.bin %> pin 1.4.0 --dir ../template-python --commit --signing-key bot.asc --co-author "Release Manager <rm@example.com>"',
    '<%= config.bin %> pin 1.3.9 --commit --no-sign --author-name "Pin Bot" --author-email pinbot@example.com --allow-downgrade --json',
    'PINBOT_TOKEN=... PINBOT_SIGNING_KEY="$(cat bot.asc)" <%= config.bin %> pin 1.4.0 --remote https://git.example.com/acme/template-python.git',
    '<%= config.bin %> pin 1.4.0 --remote acme/template-node --forge https://git.example.com --token-env DISPATCH_TOKEN --require-file .github/workflows/publish-image.yml --json',
  ]
  // Two forms, written out: oclif's generated line reads the flag relationships as if --dir needed --forge.
  static override usage = [
    '<%= command.id %> VERSION [--dir DIR] [--commit] [--allow-downgrade] [--signing-key FILE | --no-sign] [--author-name NAME] [--author-email EMAIL] [--co-author "NAME <EMAIL>"...] [--message TEMPLATE] [--json]',
    '<%= command.id %> VERSION --remote URL|OWNER/NAME [--forge URL] [--branch NAME] [--require-file PATH] [--retries N] [--dry-run] [--allow-downgrade] [--signing-key FILE | --no-sign] [--author-name NAME] [--author-email EMAIL] [--co-author "NAME <EMAIL>"...] [--message TEMPLATE] [--token-env NAME] [--token-user USER] [--timeout SECONDS] [--json]',
  ]
  static override enableJsonFlag = true
  static override args = {
    version: Args.string({ required: true, description: 'the runtime version, e.g. 1.4.0 or 2.0.0-rc.1' }),
  }
  static override flags = {
    dir: Flags.string({ default: '.', helpValue: 'DIR', description: 'the checkout (the pin goes at its repository root)' }),
    commit: Flags.boolean({ default: false, description: 'commit the change as the bot (signed unless --no-sign)' }),
    'allow-downgrade': Flags.boolean({ default: false, description: 'allow lowering the version' }),
    ...signingFlags,
    ...remotePinFlags,
    remote: { ...remotePinFlags.remote, exclusive: ['dir', 'commit'] },
  }

  async run(): Promise<RemotePinJson> {
    const { args, flags } = await this.parse(Pin)
    const version = parseVersionArg(args.version)
    if (flags.remote !== undefined) return this.runRemote(version, { ...flags, remote: flags.remote })
    const setup = flags.commit ? await prepareLocalCommit(botCommitSettings(flags)) : undefined
    for (const warning of setup?.warnings ?? []) this.warnUser(warning)
    // isomorphic-git loads only for a checkout: a remote pin, and bad input, never need it.
    const { pinLocal } = await import('../src/pin/local-pin.js')
    const result = await pinLocal({ dir: flags.dir, version, allowDowngrade: flags['allow-downgrade'], commit: setup && (() => setup.commit(version)) })
    if (!this.jsonEnabled()) this.out(render(result, version, setup?.fingerprint))
    if (result.outcome === 'skipped') process.exitCode = 1
    return localPinJson(result)
  }

  private async runRemote(version: string, flags: Parameters<typeof remotePinSettings>[0] & Parameters<typeof botCommitSettings>[0]): Promise<RemotePinJson> {
    const settings = remotePinSettings(flags)
    const setup = await prepareBotCommit(botCommitSettings(flags))
    for (const warning of setup.warnings) this.warnUser(warning)
    const log: string[] = []
    const result = await runRemotePin(version, flags, settings, setup.commit(version), (line) => log.push(line))
    process.exitCode = remotePinExitCode(result)
    const document = remotePinJson(result, flags['dry-run'])
    this.publish({ annotations: renderAnnotations([result], 'pin'), outputs: { outcome: result.outcome, commit: result.commit ?? '', 'exit-code': process.exitCode } }, document)
    if (!this.jsonEnabled()) {
      const line = renderRemotePin(result, { dryRun: flags['dry-run'], fingerprint: setup.fingerprint })
      if (result.outcome !== 'failed') this.out(line)
      else {
        this.err(line)
        for (const entry of log) this.err(`  ${entry}`)
        if (result.error?.hint) this.err(`Hint: ${result.error.hint}`)
      }
    }
    return document
  }
}

/**
 * The bot commit of a local pin. Without a key (--no-sign) and without --author-*, there is
 * no identity: that is bad input only when there is a commit to make, so an already pinned
 * checkout is still reported `unchanged`.
 */
async function prepareLocalCommit(settings: BotCommitSettings): Promise<BotCommitSetup> {
  try {
    return await prepareBotCommit(settings)
  } catch (error) {
    if (!isPinbotError(error) || error.code !== 'identity-missing') throw error
    return {
      warnings: [],
      commit: () => {
        throw error
      },
    }
  }
}

/** The one `pin --json` shape, as for --remote: `repo` is the checkout's root, `attempts` 1. */
function localPinJson(result: LocalPinResult): RemotePinJson {
  return {
    repo: result.root,
    branch: result.branch?.replace(/^refs\/heads\//, '') ?? null,
    outcome: result.outcome,
    reason: result.reason ?? null,
    before: result.before ?? null,
    after: result.after,
    commit: result.commit ?? null,
    attempts: 1,
  }
}

function render(result: LocalPinResult, version: string, fingerprint: string | undefined): string {
  const from = result.before ?? (result.beforeProblem ? `an invalid pin (${result.beforeProblem})` : 'no pin')
  switch (result.outcome) {
    case 'unchanged':
      return `unchanged: ${result.file} is already ${result.after}`
    case 'skipped':
      return `skipped: ${result.file} is at ${result.before}, higher than ${version} (pass --allow-downgrade to lower it)`
    case 'updated': {
      const branch = result.branch?.replace(/^refs\/heads\//, '') ?? 'detached HEAD'
      const how = result.signed ? `signed by key ${fingerprint}` : 'unsigned'
      const committed = result.commit ? `; committed ${result.commit} on ${branch} (${how})` : ' (not committed)'
      return `updated: ${result.file}: ${from} -> ${result.after}${committed}`
    }
  }
}
