import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import { PIN_FILE } from '../src/contract/runtime-version.js'
import { emitVerify, renderVerify, verifyPin } from '../src/contract/verify.js'
import { inActions } from '../src/report/actions.js'
import { BaseCommand } from './_base.js'

export default class Verify extends BaseCommand {
  static override summary = 'Check that a .runtime-version holds exactly one strict SemVer version'

  static override description = `The file must contain one strict SemVer 2.0 version, optionally followed by a single newline: no "v", no spaces, no CRLF, no BOM, no second line, no comment, and it must be a regular file (not a symlink or a directory). Each problem is printed as FILE:LINE:COLUMN: what was found; how to fix it.

--staged checks the copy staged in the git index (what the commit in progress will contain) instead of the working tree; this is what the pre-commit hook runs. It only reads: no stash, no checkout, nothing in the working tree or index changes.

In GitHub or Gitea Actions, each problem is also an ::error annotation on the file, line and column, and valid, version and exit-code are step outputs.

Exit codes: 0 valid, 1 invalid (or missing), 2 bad usage (flags, not in a repository).`

  static override examples = [
    { description: 'Check ./.runtime-version', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Check the staged copy, as the pre-commit hook does', command: '<%= config.bin %> <%= command.id %> --staged' },
    { description: 'Read the pinned version in a shell script (replaces head -n1 | tr -d)', command: 'VERSION=$(<%= config.bin %> <%= command.id %> --print)' },
    { description: 'Machine-readable result', command: '<%= config.bin %> <%= command.id %> path/to/.runtime-version --json' },
  ]

  static override enableJsonFlag = true

  static override args = {
    file: Args.string({ description: 'the pin file to check', default: PIN_FILE }),
  }

  static override flags = {
    staged: Flags.boolean({ description: 'check the copy staged in the git index, not the working tree' }),
    'allow-missing': Flags.boolean({ description: 'succeed when the file does not exist (or, with --staged, is not in the index)' }),
    print: Flags.boolean({ description: 'print only the version, for shell consumers', exclusive: ['json'] }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Verify)
    const result = await verifyPin({ file: args.file, staged: flags.staged, allowMissing: flags['allow-missing'] })
    emitVerify(renderVerify(result, { json: this.jsonEnabled(), print: flags.print, annotations: inActions() }))
  }
}
