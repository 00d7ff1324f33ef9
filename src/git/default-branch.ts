/**
 * A remote's default branch, read from its HEAD symref over smart HTTP: one GET of the
 * protocol-v1 ref advertisement per repo (v2 would answer with capabilities only, no
 * refs; pitfalls.md). Never assumes `main`.
 */
import type { ForgeAuth } from './auth.js'
import { PinbotError, toPinbotError } from '../errors.js'
import { createHttpClient, type HttpClient } from './http.js'
import type { Limits } from './limits.js'
import { runPool } from '../pool.js'
import type { RepoRef } from './repo-ref.js'
import { advertisedRefs } from './smart-http.js'
import { branchFromSymref } from './branch-name.js'
import { quotedName } from './server-text.js'
import type { RefAdvertisement } from './upload-pack.js'

export type DefaultBranchResult =
  | { repo: string; branch: string }
  | { repo: string; error: { code: string; message: string; hint?: string } }

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

async function readDefaultBranch(url: string, http: HttpClient, tokenEnv: string | undefined, maxBytes: number | undefined): Promise<string> {
  return resolveHead(await advertisedRefs(http, url, { phase: 'read', tokenEnv }, maxBytes)).branch
}

export async function resolveDefaultBranches(
  repos: readonly RepoRef[],
  options: { auth: ForgeAuth; timeoutMs?: number; concurrency: number; limits?: Pick<Limits, 'advertisement'> },
): Promise<DefaultBranchResult[]> {
  // One client for all repos: its keep-alive agent reuses connections to the same forge.
  const http = createHttpClient({ token: options.auth.token, tokenUser: options.auth.tokenUser, timeoutMs: options.timeoutMs })
  try {
    const outcomes = await runPool(repos, options.concurrency, (repo) => readDefaultBranch(repo.url, http, options.auth.tokenEnv, options.limits?.advertisement))
    return outcomes.map((outcome, i) =>
      outcome.ok ? { repo: repos[i].display, branch: outcome.value } : { repo: repos[i].display, error: toPinbotError(outcome.error).toJSON() },
    )
  } finally {
    http.destroy()
  }
}
