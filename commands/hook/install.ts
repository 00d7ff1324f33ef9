import * as Flags from '@oclif/core/flags'
import { type HookResult, describeHookResult, installHook } from '../../src/hooks/hook-install.js'
import { BaseCommand } from '../_base.js'

export default class HookInstall extends BaseCommand {
  static override summary = 'Install the pre-commit hook that checks a staged .runtime-version'

  static override description = `The hook runs \`pinbot verify --staged\` whenever .runtime-version is part of a commit, and refuses the commit when the staged copy is invalid. It goes where git runs hooks (core.hooksPath and linked worktrees respected); the command prints the path.

An existing pre-commit hook is kept (renamed to pre-commit.pinbot-chained) and still runs first when git would run it (it is executable); its failure still blocks the commit. With husky 9 the check is added to husky's .husky/pre-commit; with lefthook, to lefthook.yml (a pinbot hook that \`lefthook install\` displaced to pre-commit.old, where nothing runs it, is found and removed); with a hooks folder inside the work tree (core.hooksPath=.githooks), to its pre-commit: one file you can commit, nothing renamed. The output lists every file changed and whether git tracks it. Installing again is safe. The hook finds pinbot in node_modules/.bin, then on PATH. Skip it once with PINBOT_SKIP_HOOK=1 git commit ...`

  static override examples = [
    { description: 'Install in the repository around the current directory', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Install in another repository', command: '<%= config.bin %> <%= command.id %> --dir ../template-node' },
  ]

  static override enableJsonFlag = true

  static override flags = {
    dir: Flags.directory({ description: 'a directory inside the repository (default: the current directory)' }),
  }

  async run(): Promise<HookResult> {
    const { flags } = await this.parse(HookInstall)
    const result = await installHook(flags.dir ?? process.cwd())
    if (!this.jsonEnabled()) for (const line of describeHookResult(result)) this.out(line)
    return result
  }
}
