/**
 * Install and remove pinbot's pre-commit check where git, and the hook manager the repo
 * uses, will run it:
 * - husky 9 (core.hooksPath=.husky/_): a block in husky's `.husky/pre-commit`;
 * - lefthook (a lefthook.yml in the work tree): a command in lefthook's configuration,
 *   since `lefthook install` displaces any other hook to `pre-commit.old` and never runs it;
 *   a pinbot hook found displaced there is removed (repaired) and reported;
 * - a hooks folder inside the work tree (core.hooksPath=.githooks, usually tracked): a
 *   block in its `pre-commit`, or a new `pre-commit`: one file the user can commit, nothing
 *   renamed, nothing left untracked beside it;
 * - otherwise git's hooks directory (`git rev-parse --git-path hooks`: linked worktrees):
 *   pinbot's own hook, an existing hook kept and chained (run first, when git would run it).
 * Every file written or removed is reported, with whether git tracks it. Uninstall removes
 * only what pinbot wrote, wherever it is found.
 */
import { chmod, lstat, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { PinbotError, UsageError } from '../errors.js'
import { findWorkTree, gitOutput, runGit } from '../git/local/git-cli.js'
import { findLefthookConfig, withLefthookCommand, withoutLefthookCommand } from './lefthook-config.js'
import { CHAINED_SUFFIX, HOOK_SCRIPT, isPinbotHook, withCheckBlock, withoutCheckBlock } from './pre-commit-hook.js'

/** Where a lefthook install puts the hook it displaced. */
const DISPLACED_SUFFIX = '.old'

export type HookManager = 'git' | 'husky' | 'lefthook' | 'hooks-folder'

export interface FileChange {
  file: string
  change: 'created' | 'modified' | 'removed' | 'renamed'
  /** For a rename: the new name. */
  to?: string
  /** Whether git tracks the file (commit the change so everyone gets it); null outside the work tree (git's own hooks directory). */
  tracked: boolean | null
}

export interface HookResult {
  action: 'installed' | 'updated' | 'unchanged' | 'removed' | 'not-installed'
  /** The file that holds (or held) pinbot's check. */
  hook: string
  /** The foreign hook kept beside pinbot's (install), or put back (uninstall). */
  chained: string | null
  /** The chained hook is not executable: git did not run it, and pinbot's hook does not either. */
  chainedNotExecutable?: boolean
  /** The check lives in husky's user hook file. */
  husky: boolean
  manager: HookManager
  /** A pinbot hook that another manager had displaced (e.g. to pre-commit.old), which no longer ran. */
  displaced: string | null
  changes: FileChange[]
}

interface HookTarget {
  root: string
  hooksDir: string
  /** The file pinbot's check goes into. */
  file: string
  manager: HookManager
}

/** Where the pre-commit check of the repository around `dir` goes, checked before any write. */
async function locateHook(dir: string): Promise<HookTarget> {
  const info = await stat(dir).catch(() => undefined)
  if (!info?.isDirectory()) throw new UsageError('dir-not-found', `${dir} is not a directory`, { hint: 'pass --dir with the path of a git repository' })
  const { root } = await findWorkTree(dir)
  const hooksDir = path.resolve(root, (await gitOutput(['rev-parse', '--git-path', 'hooks'], root)).toString().trim())
  const existing = await stat(hooksDir).catch(() => undefined)
  if (existing && !existing.isDirectory()) {
    throw new PinbotError('hooks-disabled', `git's hooks directory ${hooksDir} is not a directory, so git runs no hooks here`, {
      hint: 'check core.hooksPath (git config --show-origin core.hooksPath); nothing was written',
    })
  }
  // husky 9 points core.hooksPath at .husky/_, whose stubs run .husky/<hook> through `h`.
  if (path.basename(hooksDir) === '_' && (await exists(path.join(hooksDir, 'h')))) {
    return { root, hooksDir, file: path.join(path.dirname(hooksDir), 'pre-commit'), manager: 'husky' }
  }
  const lefthook = await findLefthookConfig(root)
  if (lefthook) return { root, hooksDir, file: lefthook, manager: 'lefthook' }
  const inWorkTree = !path.relative(root, hooksDir).startsWith('..') && !(await isInsideGitDir(root, hooksDir))
  return { root, hooksDir, file: path.join(hooksDir, 'pre-commit'), manager: inWorkTree ? 'hooks-folder' : 'git' }
}

async function isInsideGitDir(root: string, file: string): Promise<boolean> {
  const gitDir = path.resolve(root, (await gitOutput(['rev-parse', '--git-common-dir'], root)).toString().trim())
  return !path.relative(gitDir, file).startsWith('..')
}

async function isTracked(root: string, file: string): Promise<boolean | null> {
  if (path.relative(root, file).startsWith('..') || (await isInsideGitDir(root, file))) return null
  return (await runGit(['ls-files', '--error-unmatch', '--', path.relative(root, file)], root)).code === 0
}

/** The result shape of both commands; `settle` has the last word on the action. */
function resultOf(target: HookTarget, changes: FileChange[], settle: (action: HookResult['action']) => HookResult['action']) {
  return (action: HookResult['action'], fields: Partial<HookResult> = {}): HookResult => ({
    action: settle(action),
    hook: target.file,
    chained: null,
    husky: target.manager === 'husky',
    manager: target.manager,
    displaced: null,
    ...fields,
    changes,
  })
}

/** Records each file change with whether git tracks the file. */
function changeLog(root: string) {
  const changes: FileChange[] = []
  return {
    changes,
    async note(file: string, change: FileChange['change'], to?: string) {
      changes.push({ file, change, ...(to && { to }), tracked: await isTracked(root, to ?? file) })
    },
  }
}

export async function installHook(dir: string): Promise<HookResult> {
  const target = await locateHook(dir)
  const log = changeLog(target.root)
  const result = resultOf(target, log.changes, (action) => action)

  if (target.manager === 'lefthook') {
    const before = (await readText(target.file)) ?? ''
    const after = withLefthookCommand(before, target.file)
    if (after !== before) {
      await writeHookFile(target.file, after)
      await log.note(target.file, 'modified')
    }
    const displaced = await removeDisplacedHook(target.hooksDir, log)
    const action = withoutLefthookCommand(before) === undefined ? 'installed' : after === before ? 'unchanged' : 'updated'
    return result(displaced && action === 'unchanged' ? 'updated' : action, { displaced })
  }

  if (target.manager === 'husky' || target.manager === 'hooks-folder') {
    await mkdir(path.dirname(target.file), { recursive: true })
    const before = await readText(target.file)
    if (before !== undefined && !isPinbotHook(before)) {
      const mode = (await stat(target.file)).mode
      if ((mode & 0o111) === 0 && target.manager === 'hooks-folder') {
        throw new PinbotError('hook-not-executable', `${target.file} is not executable, so git does not run it (nor a check added to it); nothing was changed`, {
          hint: `make it executable (chmod +x ${target.file}, and git add it), then run pinbot hook install again`,
        })
      }
    }
    // A new file holds pinbot's whole hook; an existing one gets the check block added.
    const after = before === undefined ? (target.manager === 'husky' ? withCheckBlock('') : HOOK_SCRIPT) : isPinbotHook(before) ? HOOK_SCRIPT : withCheckBlock(before)
    if (after !== before) {
      await writeHookFile(target.file, after, before === undefined ? 0o755 : undefined)
      await log.note(target.file, before === undefined ? 'created' : 'modified')
    }
    const had = before !== undefined && (isPinbotHook(before) || withoutCheckBlock(before) !== undefined)
    return result(!had ? 'installed' : after === before ? 'unchanged' : 'updated')
  }

  const chained = target.file + CHAINED_SUFFIX
  await mkdir(target.hooksDir, { recursive: true })
  const displaced = await repairDisplacedHook(target.file, log)
  const current = await lstat(target.file).catch(() => undefined)
  const text = current?.isFile() ? await readText(target.file) : undefined
  const chainedInfo = async () => {
    const info = await stat(chained).catch(() => undefined)
    return info ? { chained, chainedNotExecutable: (info.mode & 0o111) === 0 } : {}
  }
  if (text !== undefined && isPinbotHook(text)) {
    const unchanged = text === HOOK_SCRIPT && (current!.mode & 0o777) === 0o755
    if (!unchanged) {
      await writeHookFile(target.file, HOOK_SCRIPT, 0o755)
      if (!displaced) await log.note(target.file, 'modified')
    }
    return result(displaced ? 'updated' : unchanged ? 'unchanged' : 'updated', { ...(await chainedInfo()), displaced })
  }
  if (current) {
    if (await exists(chained)) {
      throw new PinbotError('hook-conflict', `cannot keep the existing ${target.file}: ${chained} already exists`, {
        hint: 'merge or remove one of them by hand, then run pinbot hook install again; nothing was changed',
      })
    }
    await rename(target.file, chained)
    await log.note(target.file, 'renamed', chained)
  }
  await writeHookFile(target.file, HOOK_SCRIPT, 0o755)
  await log.note(target.file, 'created')
  return result('installed', { ...(current ? await chainedInfo() : {}), displaced })
}

/**
 * A pinbot hook that another tool renamed to pre-commit.old (lefthook install) no longer
 * runs. Without lefthook in charge: put it back as pre-commit and chain what took its
 * place. Returns the displaced path, or null.
 */
async function repairDisplacedHook(file: string, log: ReturnType<typeof changeLog>): Promise<string | null> {
  const displaced = file + DISPLACED_SUFFIX
  if (!isPinbotHook((await readText(displaced).catch(() => undefined)) ?? '')) return null
  const chained = file + CHAINED_SUFFIX
  if (await exists(file)) {
    if (await exists(chained)) {
      throw new PinbotError('hook-conflict', `pinbot's hook was displaced to ${displaced}, and both ${file} and ${chained} exist`, {
        hint: 'merge the hooks by hand (or remove the one no longer needed), then run pinbot hook install again; nothing was changed',
      })
    }
    await rename(file, chained)
    await log.note(file, 'renamed', chained)
  }
  await rename(displaced, file)
  await log.note(displaced, 'renamed', file)
  return displaced
}

/**
 * With lefthook in charge, a pinbot hook it displaced to pre-commit.old is dead weight:
 * remove it, and give the hook pinbot had chained back to lefthook's keeping (pre-commit.old,
 * which `lefthook uninstall` restores). Returns the displaced path, or null.
 */
async function removeDisplacedHook(hooksDir: string, log: ReturnType<typeof changeLog>): Promise<string | null> {
  const file = path.join(hooksDir, 'pre-commit')
  const displaced = file + DISPLACED_SUFFIX
  if (!isPinbotHook((await readText(displaced).catch(() => undefined)) ?? '')) return null
  await unlink(displaced)
  await log.note(displaced, 'removed')
  if (await exists(file + CHAINED_SUFFIX)) {
    await rename(file + CHAINED_SUFFIX, displaced)
    await log.note(file + CHAINED_SUFFIX, 'renamed', displaced)
  }
  return displaced
}

export async function uninstallHook(dir: string): Promise<HookResult> {
  const target = await locateHook(dir)
  const log = changeLog(target.root)
  // Nothing changed: nothing of pinbot's was there.
  const result = resultOf(target, log.changes, (action) => (log.changes.length ? action : 'not-installed'))

  if (target.manager === 'lefthook') {
    const before = (await readText(target.file)) ?? ''
    const after = withoutLefthookCommand(before)
    if (after !== undefined) {
      await writeHookFile(target.file, after)
      await log.note(target.file, 'modified')
    }
    const displaced = await removeDisplacedHook(target.hooksDir, log)
    const restored = await removeOwnHook(path.join(target.hooksDir, 'pre-commit'), log)
    return result('removed', { displaced, chained: restored })
  }
  if (target.manager === 'husky' || target.manager === 'hooks-folder') {
    const before = await readText(target.file)
    if (before === undefined) return result('not-installed')
    if (isPinbotHook(before)) {
      await unlink(target.file)
      await log.note(target.file, 'removed')
      return result('removed')
    }
    const after = withoutCheckBlock(before)
    if (after === undefined) return result('not-installed')
    // A husky hook file that held only pinbot's check was created by pinbot.
    if (after.trim() === '' && target.manager === 'husky') {
      await unlink(target.file)
      await log.note(target.file, 'removed')
    } else {
      await writeHookFile(target.file, after)
      await log.note(target.file, 'modified')
    }
    return result('removed')
  }
  const displaced = await removeDisplacedHook(target.hooksDir, log)
  const restored = await removeOwnHook(target.file, log)
  return result('removed', { displaced, chained: restored })
}

/** Remove pinbot's own hook file and put back the hook it chained; returns where that went, or null. */
async function removeOwnHook(file: string, log: ReturnType<typeof changeLog>): Promise<string | null> {
  const current = await lstat(file).catch(() => undefined)
  const ours = current?.isFile() && isPinbotHook((await readText(file)) ?? '')
  if (current && !ours) return null
  if (ours) {
    await unlink(file)
    await log.note(file, 'removed')
  }
  if (!(await exists(file + CHAINED_SUFFIX))) return null
  await rename(file + CHAINED_SUFFIX, file)
  await log.note(file + CHAINED_SUFFIX, 'renamed', file)
  return file
}

/** Write the text through a temp file and rename, with `mode` or the file's current mode. */
async function writeHookFile(file: string, text: string, mode?: number): Promise<void> {
  const temp = `${file}.pinbot-tmp`
  const finalMode = mode ?? (await stat(file)).mode & 0o777
  await writeFile(temp, text)
  await chmod(temp, finalMode)
  await rename(temp, file)
}

async function readText(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'EISDIR') return undefined
    throw error
  })
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  )
}

const CHANGE_WORDS: Record<FileChange['change'], string> = { created: 'created', modified: 'changed', removed: 'removed', renamed: 'renamed' }

/** One line per file changed, saying whether it is tracked (so: commit it) or not. */
function describeChanges(result: HookResult): string[] {
  return result.changes.map(({ file, change, to, tracked }) => {
    const what = `  ${CHANGE_WORDS[change]} ${file}${to ? ` -> ${to}` : ''}`
    if (tracked === null || change === 'removed') return what
    return `${what} (${tracked ? 'tracked: commit the change' : 'untracked: git add and commit it'} so everyone using this repository runs the check)`
  })
}

/** What happened, in the words the `hook` commands print. */
export function describeHookResult(result: HookResult): string[] {
  const where = result.manager === 'husky' ? `husky's hook file ${result.hook}` : result.manager === 'lefthook' ? `lefthook's configuration ${result.hook}` : result.hook
  const lines: string[] = []
  if (result.displaced) {
    lines.push(
      result.manager === 'lefthook'
        ? `Found pinbot's hook displaced to ${result.displaced} (lefthook never runs it): removed it; lefthook runs the check now`
        : `Found pinbot's hook displaced to ${result.displaced}, where git never runs it: put it back`,
    )
  }
  switch (result.action) {
    case 'installed':
      lines.push(
        result.manager === 'git' ? `Installed the pinbot pre-commit hook: ${where}` : `Added the pinbot check to ${where}`,
        ...(result.chained
          ? [
              result.chainedNotExecutable
                ? `Kept the existing hook as ${result.chained}; it is not executable, so git did not run it and pinbot's hook does not either (chmod +x it to run it first).`
                : `Kept the existing hook as ${result.chained}: it still runs first, and its failure still blocks the commit.`,
            ]
          : []),
      )
      break
    case 'updated':
      lines.push(`Updated the pinbot check in ${where}`)
      break
    case 'unchanged':
      lines.push(`The pinbot check is already installed in ${where} (nothing changed)`)
      break
    case 'removed':
      lines.push(`Removed the pinbot check from ${where}`, ...(result.chained ? [`Put back the hook it had chained: ${result.chained}`] : []))
      break
    case 'not-installed':
      return [`No pinbot check to remove in ${where} (nothing changed)`]
  }
  if (result.manager === 'lefthook' && result.action !== 'removed') lines.push('lefthook runs it from its configuration: run `npx lefthook install` if its hook is not installed yet.')
  const changed = describeChanges(result)
  return changed.length && result.manager !== 'git' ? [...lines, 'Files changed:', ...changed] : lines
}
