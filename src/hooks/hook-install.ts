/**
 * Install and remove pinbot's pre-commit hook where git will run it: the hooks directory
 * git itself reports (`git rev-parse --git-path hooks`: core.hooksPath, linked worktrees).
 * A foreign hook is kept and chained, never overwritten; with husky 9 the check goes into
 * husky's user hook file instead. Uninstall removes only what pinbot wrote.
 */
import { chmod, lstat, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { PinbotError, UsageError } from '../errors.js'
import { findWorkTree, gitOutput } from '../git/local/git-cli.js'
import { CHAINED_SUFFIX, HOOK_SCRIPT, isPinbotHook, withCheckBlock, withoutCheckBlock } from './pre-commit-hook.js'

export interface HookResult {
  action: 'installed' | 'updated' | 'unchanged' | 'removed' | 'not-installed'
  /** The file pinbot wrote to or removed from. */
  hook: string
  /** The foreign hook kept beside pinbot's (install), or put back (uninstall). */
  chained: string | null
  /** The check lives in husky's user hook file. */
  husky: boolean
}

interface HookTarget {
  /** `pre-commit` in git's hooks directory, or husky's user hook file. */
  file: string
  husky: boolean
}

/** Where the pre-commit hook of the repository around `dir` lives, checked before any write. */
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
    return { file: path.join(path.dirname(hooksDir), 'pre-commit'), husky: true }
  }
  return { file: path.join(hooksDir, 'pre-commit'), husky: false }
}

export async function installHook(dir: string): Promise<HookResult> {
  const { file, husky } = await locateHook(dir)
  await mkdir(path.dirname(file), { recursive: true })
  if (husky) {
    const before = await readText(file)
    const after = withCheckBlock(before ?? '')
    if (after !== before) await writeHookFile(file, after, before === undefined ? 0o755 : undefined)
    const action = before === undefined || withoutCheckBlock(before) === undefined ? 'installed' : after === before ? 'unchanged' : 'updated'
    return { action, hook: file, chained: null, husky }
  }
  const chained = file + CHAINED_SUFFIX
  const current = await lstat(file).catch(() => undefined)
  const text = current?.isFile() ? await readText(file) : undefined
  if (text !== undefined && isPinbotHook(text)) {
    const unchanged = text === HOOK_SCRIPT && (current!.mode & 0o777) === 0o755
    if (!unchanged) await writeHookFile(file, HOOK_SCRIPT, 0o755)
    return { action: unchanged ? 'unchanged' : 'updated', hook: file, chained: (await exists(chained)) ? chained : null, husky }
  }
  if (current) {
    if (await exists(chained)) {
      throw new PinbotError('hook-conflict', `cannot keep the existing ${file}: ${chained} already exists`, {
        hint: 'merge or remove one of them by hand, then run pinbot hook install again; nothing was changed',
      })
    }
    await rename(file, chained)
  }
  await writeHookFile(file, HOOK_SCRIPT, 0o755)
  return { action: 'installed', hook: file, chained: current ? chained : null, husky }
}

export async function uninstallHook(dir: string): Promise<HookResult> {
  const { file, husky } = await locateHook(dir)
  const notInstalled: HookResult = { action: 'not-installed', hook: file, chained: null, husky }
  if (husky) {
    const before = await readText(file)
    const after = before === undefined ? undefined : withoutCheckBlock(before)
    if (after === undefined) return notInstalled
    // A husky hook file that held only pinbot's check was created by pinbot.
    if (after.trim() === '') await unlink(file)
    else await writeHookFile(file, after)
    return { action: 'removed', hook: file, chained: null, husky }
  }
  const chained = file + CHAINED_SUFFIX
  const current = await lstat(file).catch(() => undefined)
  const ours = current?.isFile() && isPinbotHook((await readText(file)) ?? '')
  if (current && !ours) return notInstalled
  if (ours) await unlink(file)
  const restore = await exists(chained)
  if (restore) await rename(chained, file)
  if (!ours && !restore) return notInstalled
  return { action: 'removed', hook: file, chained: restore ? file : null, husky }
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
    if (error.code === 'ENOENT') return undefined
    throw error
  })
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  )
}

/** What happened, in the words the `hook` commands print. */
export function describeHookResult(result: HookResult): string[] {
  const where = result.husky ? `husky's hook file ${result.hook}` : result.hook
  switch (result.action) {
    case 'installed':
      return [
        result.husky ? `Added the pinbot check to ${where}` : `Installed the pinbot pre-commit hook: ${where}`,
        ...(result.chained ? [`Kept the existing hook as ${result.chained}: it still runs first, and its failure still blocks the commit.`] : []),
        ...(result.husky ? [`Commit ${path.basename(path.dirname(result.hook))}/pre-commit so that everyone using husky here runs the check.`] : []),
      ]
    case 'updated':
      return [`Updated the pinbot check in ${where}`]
    case 'unchanged':
      return [`The pinbot check is already installed in ${where} (nothing changed)`]
    case 'removed':
      return [`Removed the pinbot check from ${where}`, ...(result.chained ? [`Put back the hook it had chained: ${result.chained}`] : [])]
    case 'not-installed':
      return [`No pinbot check to remove in ${where} (nothing changed)`]
  }
}
