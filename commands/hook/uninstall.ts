import * as Flags from '@oclif/core/flags'
import { type HookResult, describeHookResult, uninstallHook } from '../../src/hooks/hook-install.js'
import { BaseCommand } from '../_base.js'

export default class HookUninstall extends BaseCommand {
  static override summary = 'Remove the pinbot pre-commit hook and put back the hook it chained'

  static override description = `Removes only what \`pinbot hook install\` wrote: its pre-commit hook (the chained hook, if any, becomes the pre-commit hook again), its block in husky's .husky/pre-commit or a hooks folder's pre-commit, its command in lefthook.yml, and a pinbot hook displaced to pre-commit.old. Running it when nothing is installed changes nothing.`

  static override examples = [
    { description: 'Uninstall from the repository around the current directory', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Uninstall from another repository', command: '<%= config.bin %> <%= command.id %> --dir ../template-node' },
  ]

  static override enableJsonFlag = true

  static override flags = {
    dir: Flags.directory({ description: 'a directory inside the repository (default: the current directory)' }),
  }

  async run(): Promise<HookResult> {
    const { flags } = await this.parse(HookUninstall)
    const result = await uninstallHook(flags.dir ?? process.cwd())
    if (!this.jsonEnabled()) for (const line of describeHookResult(result)) this.out(line)
    return result
  }
}
