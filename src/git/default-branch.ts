/**
 * A remote's default branch, read from its HEAD symref over smart HTTP: one round trip
 * (remote-refs.ts: protocol v2's ls-refs for HEAD alone, or the v1 advertisement). Never
 * assumes `main`.
 */
import { PinbotError } from '../errors.js'
import type { HttpClient } from './http.js'
import { DEFAULT_LIMITS } from './limits.js'
import { listRefs } from './remote-refs.js'
import { branchFromSymref } from './branch-name.js'
import { quotedName } from './server-text.js'
import type { RefAdvertisement } from './upload-pack.js'

export function emptyRepoError(): PinbotError {
  return new PinbotError('empty-repo', 'the repository is empty: HEAD points at a branch with no commits', {
    hint: 'push a first commit to the repository, then run again',
  })
}

export function noDefaultBranchError(): PinbotError {
  return new PinbotError('no-default-branch', 'the server did not say which branch HEAD points at', {
    hint: 'name the branch explicitly (--branch NAME, or "branch" in the manifest)',
  })
}

/** HEAD names a branch that does not exist, while the repo has others: not an empty repo. */
function headBranchMissingError(target: string | undefined, branches: string[]): PinbotError {
  const names = branches.slice(0, 5).map((ref) => quotedName(ref.slice('refs/heads/'.length)))
  const more = branches.length > 5 ? `, and ${branches.length - 5} more` : ''
  const where = target ? `HEAD points at ${quotedName(target)}, which does not exist` : 'HEAD points at a branch that does not exist'
  return new PinbotError('head-branch-missing', `${where}; the repository has ${branches.length === 1 ? 'the branch' : 'the branches'} ${names.join(', ')}${more}`, {
    hint: 'point HEAD at an existing branch on the server (the default branch setting), or name the branch explicitly (--branch NAME, or "branch" in the manifest)',
  })
}

/** The branch HEAD points at and its tip, from a ref advertisement; a typed error when HEAD names no usable branch. */
export function resolveHead({ refs, symrefs }: Pick<RefAdvertisement, 'refs' | 'symrefs'>): { branch: string; tip: string } {
  const tip = refs.get('HEAD')
  if (!tip) {
    const branches = [...refs.keys()].filter((ref) => ref.startsWith('refs/heads/'))
    throw branches.length ? headBranchMissingError(symrefs.get('HEAD'), branches) : emptyRepoError()
  }
  const branch = branchFromSymref(symrefs.get('HEAD'))
  if (!branch) throw noDefaultBranchError()
  return { branch, tip }
}

/** A repo's default branch: the branch its HEAD names. */
export async function readDefaultBranch(url: string, http: HttpClient, tokenEnv: string | undefined, maxBytes: number | undefined): Promise<string> {
  return resolveHead(await listRefs(http, url.replace(/\/+$/, ''), { phase: 'read', tokenEnv }, maxBytes ?? DEFAULT_LIMITS.advertisement)).branch
}
