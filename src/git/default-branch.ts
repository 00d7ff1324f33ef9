/**
 * A remote's default branch, read from its HEAD symref over smart HTTP: one GET of the
 * protocol-v1 ref advertisement per repo (v2 would answer with capabilities only, no
 * refs; pitfalls.md). Never assumes `main`.
 */
import type { ForgeAuth } from './auth.js'
import { PinbotError, toPinbotError } from '../errors.js'
import { createHttpClient, type HttpClient } from './http.js'
import { runPool } from '../pool.js'
import type { RepoRef } from './repo-ref.js'
import { advertisedRefs } from './smart-http.js'

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

/** The short name of the branch a HEAD symref points at, e.g. `trunk`. */
export function branchFromSymref(target: string | undefined): string | undefined {
  return target?.startsWith('refs/heads/') ? target.slice('refs/heads/'.length) : undefined
}

async function readDefaultBranch(url: string, http: HttpClient, tokenEnv?: string): Promise<string> {
  const { refs, symrefs } = await advertisedRefs(http, url, { phase: 'read', tokenEnv })
  if (!refs.has('HEAD')) throw emptyRepoError()
  const branch = branchFromSymref(symrefs.get('HEAD'))
  if (!branch) throw noDefaultBranchError()
  return branch
}

export async function resolveDefaultBranches(
  repos: readonly RepoRef[],
  options: { auth: ForgeAuth; timeoutMs?: number; concurrency: number },
): Promise<DefaultBranchResult[]> {
  // One client for all repos: its keep-alive agent reuses connections to the same forge.
  const http = createHttpClient({ token: options.auth.token, tokenUser: options.auth.tokenUser, timeoutMs: options.timeoutMs })
  try {
    const outcomes = await runPool(repos, options.concurrency, (repo) => readDefaultBranch(repo.url, http, options.auth.tokenEnv))
    return outcomes.map((outcome, i) =>
      outcome.ok ? { repo: repos[i].display, branch: outcome.value } : { repo: repos[i].display, error: toPinbotError(outcome.error).toJSON() },
    )
  } finally {
    http.destroy()
  }
}
