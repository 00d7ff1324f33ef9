/**
 * The default branch of many repos at once (`pinbot default-branch`): each repo's HEAD read
 * concurrently through one HTTP client, and each repo's failure its own result.
 */
import { pacedHttpClient } from './pacing.js'
import type { ForgeAuth } from '../git/auth.js'
import { readDefaultBranch } from '../git/default-branch.js'
import { toPinbotError } from '../errors.js'
import { createHttpClient, scopedHttp } from '../git/http.js'
import type { Limits } from '../git/limits.js'
import type { RepoRef } from '../git/repo-ref.js'
import { runPool } from './pool.js'
import { DEFAULT_REPO_TIMEOUT_MS, withinRepoDeadline } from './repo-deadline.js'

export type DefaultBranchResult =
  | { repo: string; branch: string; movedTo?: string }
  | { repo: string; error: { code: string; message: string; hint?: string } }

export async function resolveDefaultBranches(
  repos: readonly RepoRef[],
  options: { auth: ForgeAuth; timeoutMs?: number; tokenOrigins?: readonly string[]; concurrency: number; limits?: Pick<Limits, 'advertisement'>; repoTimeoutMs?: number },
): Promise<DefaultBranchResult[]> {
  // One client for all repos: its keep-alive agent reuses connections to the same forge.
  // Paced as a cascade is: a 429 pauses its origin for the time asked (pacing.ts).
  const http = pacedHttpClient(createHttpClient({ token: options.auth.token, tokenUser: options.auth.tokenUser, timeoutMs: options.timeoutMs, tokenOrigins: options.tokenOrigins }), {})
  const movedTo = (url: string) => {
    const to = http.movedTo?.(url)
    return to ? { movedTo: to } : {}
  }
  try {
    // Each repo within its deadline, as in a cascade: a server dripping its answer holds no run.
    const outcomes = await runPool(repos, options.concurrency, (repo) =>
      withinRepoDeadline(options.repoTimeoutMs ?? DEFAULT_REPO_TIMEOUT_MS, undefined, (signal) => readDefaultBranch(repo.url, scopedHttp(http, { signal }), options.auth.tokenEnv, options.limits?.advertisement)),
    )
    return outcomes.map((outcome, i) =>
      outcome.ok ? { repo: repos[i].display, branch: outcome.value, ...movedTo(repos[i].url) } : { repo: repos[i].display, error: toPinbotError(outcome.error).toJSON() },
    )
  } finally {
    http.destroy()
  }
}
