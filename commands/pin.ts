import { Args, Flags } from '@oclif/core'
import { prepareBotCommit } from '../src/bot-commit.js'
import { pinLocal, type LocalPinResult } from '../src/local-pin.js'
import { parseVersionArg } from '../src/runtime-version.js'
import { BaseCommand } from './_base.js'
import { botCommitSettings, signingFlags } from './_signing-flags.js'

export default class Pin extends BaseCommand {
  static override summary = 'Pin a checkout to a runtime version: write .runtime-version, optionally as a signed bot commit'
  static override description = `Writes VERSION (strict SemVer) to .runtime-version at the repository root, in canonical form.
With --commit, also makes a bot commit containing only that change, signed with the bot key (--signing-key or PINBOT_SIGNING_KEY), with Co-Authored-By trailers for --co-author; anything else you have staged or changed is left as it was, uncommitted.
Already at VERSION: nothing is written (unchanged, exit 0). A lower version than the current one is refused (skipped, exit 1) unless --allow-downgrade.
Exit 2 for bad input (invalid version, key, identity), before anything is written.`
  static override examples = [
    '<%= config.bin %> pin 1.4.0',
    '<%= config.bin %> pin 1.4.0 --dir ../template-python --commit --signing-key bot.asc --co-author "Release Manager <rm@example.com>"',
    '<%= config.bin %> pin 1.3.9 --commit --no-sign --author-name "Pin Bot" --author-email pinbot@example.com --allow-downgrade --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    version: Args.string({ required: true, description: 'the runtime version, e.g. 1.4.0 or 2.0.0-rc.1' }),
  }
  static override flags = {
    dir: Flags.string({ default: '.', description: 'the checkout (the pin goes at its repository root)' }),
    commit: Flags.boolean({ default: false, description: 'commit the change as the bot (signed unless --no-sign)' }),
    'allow-downgrade': Flags.boolean({ default: false, description: 'allow lowering the version' }),
    ...signingFlags,
  }

  async run(): Promise<LocalPinResult> {
    const { args, flags } = await this.parse(Pin)
    const version = parseVersionArg(args.version)
    const setup = flags.commit ? await prepareBotCommit(botCommitSettings(flags)) : undefined
    for (const warning of setup?.warnings ?? []) this.warnUser(warning)
    const commit = setup && { identity: setup.identity, message: setup.message(version), signer: setup.signer }
    const result = await pinLocal({ dir: flags.dir, version, allowDowngrade: flags['allow-downgrade'], commit })
    if (!this.jsonEnabled()) this.out(render(result, setup?.fingerprint))
    if (result.outcome === 'skipped') process.exitCode = 1
    return result
  }
}

function render(result: LocalPinResult, fingerprint: string | undefined): string {
  const from = result.before ?? (result.beforeProblem ? `an invalid pin (${result.beforeProblem})` : 'no pin')
  switch (result.outcome) {
    case 'unchanged':
      return `unchanged: ${result.file} is already ${result.after}`
    case 'skipped':
      return `skipped: ${result.file} is at ${result.before}, higher than ${result.after} (pass --allow-downgrade to lower it)`
    case 'updated': {
      const branch = result.branch?.replace(/^refs\/heads\//, '') ?? 'detached HEAD'
      const how = result.signed ? `signed by key ${fingerprint}` : 'unsigned'
      const committed = result.commit ? `; committed ${result.commit} on ${branch} (${how})` : ' (not committed)'
      return `updated: ${result.file}: ${from} -> ${result.after}${committed}`
    }
  }
}
