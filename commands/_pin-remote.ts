/**
 * The remote form of `pinbot pin VERSION --remote URL`: its flags, the call into
 * pinRemote, and how its result is shown. Kept apart from pin.ts (the local form) so each
 * form reads on its own; pin.ts chooses between them.
 */
import * as Flags from '@oclif/core/flags'
import type { BotCommit } from '../src/identity/bot-commit.js'
import type { PinResult } from '../src/pin/pin-result.js'
import { DEFAULT_RETRIES, pinRemote } from '../src/pin/remote-pin.js'
import { checkBranchArg } from '../src/git/branch-name.js'
import { parseForgeUrl, resolveRepo } from '../src/git/repo-ref.js'
import { limitFlag, remoteFlags, remoteSettings } from './_remote-flags.js'
import { tokenScope } from '../src/git/auth.js'

const onlyRemote = { dependsOn: ['remote'] }

export const remotePinFlags = {
  remote: Flags.string({
    helpValue: 'URL',
    description: 'pin a remote repository in memory and push (a clone URL, or OWNER/NAME with --forge) instead of a checkout',
  }),
  forge: Flags.string({ ...onlyRemote, helpValue: 'URL', description: 'base URL that an OWNER/NAME --remote is resolved against' }),
  branch: Flags.string({ ...onlyRemote, helpValue: 'NAME', description: 'branch to pin (default: the remote default branch, from its HEAD)' }),
  'require-file': Flags.string({ ...onlyRemote, helpValue: 'PATH', description: 'skip the repo (exit 0) when PATH is absent at the tip' }),
  // No oclif defaults on remote-only flags: a default would count as given and trip dependsOn.
  retries: Flags.integer({ ...onlyRemote, helpValue: 'N', min: 0, max: 20, description: `re-attempts when the branch moves under the push (default ${DEFAULT_RETRIES})` }),
  'dry-run': Flags.boolean({ ...onlyRemote, description: 'do everything except the push' }),
  'token-env': { ...remoteFlags['token-env'], ...onlyRemote },
  'token-user': { ...remoteFlags['token-user'], ...onlyRemote },
  timeout: { ...remoteFlags.timeout, ...onlyRemote },
  'allow-token-over-http': { ...remoteFlags['allow-token-over-http'], ...onlyRemote },
  limit: limitFlag(onlyRemote),
}

export interface RemotePinFlags {
  remote?: string
  forge?: string
  branch?: string
  'require-file'?: string
  retries?: number
  'dry-run'?: boolean
  'allow-downgrade': boolean
  'token-env'?: string
  'token-user'?: string
  timeout?: string
  'allow-token-over-http'?: boolean
  limit?: string[]
}

/** The documented `pin --json` object, local and remote (and each of `cascade --json`'s results). */
export interface RemotePinJson {
  repo: string
  branch: string | null
  outcome: PinResult['outcome']
  reason: string | null
  before: string | null
  after: string | null
  commit: string | null
  attempts: number
  dryRun?: true
  /** The URL the forge redirected the repo to: update the manifest (or --remote). */
  movedTo?: string
  error?: PinResult['error']
}

/** Flags checked and the token read (exit 2 on bad input) before any request. */
export function remotePinSettings(flags: RemotePinFlags & { remote: string }) {
  const forge = flags.forge === undefined ? undefined : parseForgeUrl(flags.forge)
  if (flags.branch !== undefined) checkBranchArg(flags.branch, '--branch')
  const repo = resolveRepo(flags.remote, forge)
  const settings = remoteSettings(flags)
  tokenScope([repo.url], { token: settings.auth.token, allowHttp: flags['allow-token-over-http'] === true })
  return { repo, ...settings }
}

export async function runRemotePin(
  version: string,
  flags: RemotePinFlags,
  settings: ReturnType<typeof remotePinSettings>,
  commit: BotCommit,
  onLog: (line: string) => void,
): Promise<PinResult> {
  return pinRemote({
    repo: settings.repo,
    version,
    branch: flags.branch,
    auth: settings.auth,
    timeoutMs: settings.timeoutMs,
    limits: settings.limits,
    ...commit,
    requireFile: flags['require-file'],
    allowDowngrade: flags['allow-downgrade'],
    retries: flags.retries,
    dryRun: flags['dry-run'],
    onLog,
  })
}

export function remotePinJson(result: PinResult, dryRun = false): RemotePinJson {
  return {
    repo: result.repo,
    branch: result.branch || null,
    outcome: result.outcome,
    reason: result.reason ?? null,
    before: result.before ?? null,
    after: result.after ?? null,
    commit: result.commit ?? null,
    attempts: result.attempts,
    ...(dryRun && { dryRun: true as const }),
    ...(result.movedTo && { movedTo: result.movedTo }),
    ...(result.error && { error: result.error }),
  }
}

/** 0 for updated, unchanged and a skip the operator asked for; 1 for a failure or a refused downgrade. */
export function remotePinExitCode(result: PinResult): 0 | 1 {
  return result.outcome === 'failed' || (result.outcome === 'skipped' && result.reason === 'downgrade') ? 1 : 0
}

/** The one-line human summary (stdout); failures add their hint on stderr. */
export function renderRemotePin(result: PinResult, options: { dryRun?: boolean; fingerprint?: string }): string {
  const where = result.branch ? `${result.repo} (${result.branch})` : result.repo
  const tries = result.attempts > 1 ? `, after ${result.attempts} attempts` : ''
  switch (result.outcome) {
    case 'unchanged':
      return `unchanged: ${where} is already at ${result.after}${tries}`
    case 'skipped':
      return result.reason === 'downgrade'
        ? `skipped: ${where} is at ${result.before}, higher than the requested version (pass --allow-downgrade to lower it)`
        : `skipped: ${where} has no required file (${result.reason})${tries}`
    case 'updated': {
      const from = result.before ?? (result.reason === 'repaired' ? 'a malformed pin' : 'no pin')
      const how = options.fingerprint ? `signed by key ${options.fingerprint}` : 'unsigned'
      const action = options.dryRun ? `dry run, would push ${result.commit}` : `pushed ${result.commit}`
      return `updated: ${where}: ${from} -> ${result.after}; ${action} (${how})${tries}`
    }
    case 'failed':
      return `failed: ${where}: ${result.error?.message ?? result.reason}${tries}`
  }
}
