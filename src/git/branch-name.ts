/**
 * Branch names as `git check-ref-format --branch` accepts them, whatever their source: a
 * flag, the manifest, or a server's HEAD symref (`refs/heads/../../x` is no branch).
 */

import { PinbotError, UsageError } from '../errors.js'
import { quotedName } from './server-text.js'

/**
 * Why `name` is not a branch name git would accept, or undefined when it is. The rules of
 * git-check-ref-format(1) for `refs/heads/<name>`, plus --branch's: no leading `-`, not `HEAD`.
 */
export function branchNameProblem(name: string): string | undefined {
  if (!name) return 'it is empty'
  if (name.startsWith('-')) return 'it starts with "-"'
  if (name === 'HEAD' || name === '@') return `"${name}" is not a branch name`
  // Control characters, space and the characters git reserves for revision syntax.
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'it contains a space, a control character or one of ~ ^ : ? * [ \\'
  if (name.includes('..')) return 'it contains ".."'
  if (name.includes('@{')) return 'it contains "@{"'
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'it has an empty path component (a leading, trailing or double "/")'
  if (name.endsWith('.')) return 'it ends with "."'
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return 'a component starts with "."'
    if (component.endsWith('.lock')) return 'a component ends with ".lock"'
  }
  return undefined
}

/** A branch name given as input (`what`: the flag or key): bad input, exit 2 before any request. */
export function checkBranchArg(name: string, what: string): string {
  const problem = branchNameProblem(name)
  if (problem === undefined) return name
  throw new UsageError('invalid-branch', `${what}: ${quotedName(name)} is not a valid branch name: ${problem}`, {
    hint: 'give a branch name as `git check-ref-format --branch` accepts it, e.g. main or release/1.x',
  })
}

/** The short name of the branch a server's HEAD symref points at (`refs/heads/NAME`), checked; undefined when it names no branch. */
export function branchFromSymref(target: string | undefined): string | undefined {
  if (!target?.startsWith('refs/heads/')) return undefined
  const name = target.slice('refs/heads/'.length)
  // Ref names are decoded as UTF-8; bytes that are not UTF-8 became U+FFFD, a name pinbot cannot push to.
  const problem = name.includes('\uFFFD') ? 'it is not valid UTF-8' : branchNameProblem(name)
  if (problem === undefined) return name
  throw new PinbotError('invalid-default-branch', `the server's HEAD points at ${quotedName(target)}, which is not a valid branch: ${problem}`, {
    hint: 'fix HEAD on the server, or name the branch explicitly (--branch NAME, or "branch" in the manifest)',
  })
}
