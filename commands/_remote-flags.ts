/**
 * Flags every command that talks to a forge shares: where the token comes from, how it
 * is presented, and how long one request may stall. The token itself is never a flag.
 */
import * as Flags from '@oclif/core/flags'
import { DEFAULT_TOKEN_ENV, resolveAuth, type ForgeAuth } from '../src/git/auth.js'
import { UsageError } from '../src/errors.js'
import { DEFAULT_TIMEOUT_MS, DEFAULT_TOKEN_USER } from '../src/git/http.js'
import { DEFAULT_LIMITS, formatSize, parseLimits, type Limits } from '../src/git/limits.js'

export const remoteFlags = {
  'token-env': Flags.string({
    helpValue: 'NAME',
    description: `environment variable holding the forge token (default ${DEFAULT_TOKEN_ENV}; unset: anonymous)`,
  }),
  'token-user': Flags.string({
    helpValue: 'USER',
    description: `Basic-auth user sent with the token (default ${DEFAULT_TOKEN_USER}; GitLab wants oauth2)`,
  }),
  'allow-token-over-http': Flags.boolean({
    description: 'send the token over plain http to a host that is not loopback (it travels in clear text); default: refuse, exit 2',
  }),
  // No oclif default, so that commands can make these flags depend on another one.
  timeout: Flags.string({ helpValue: 'SECONDS', description: `give up on a request that stalls this long (default ${DEFAULT_TIMEOUT_MS / 1000})` }),
  limit: limitFlag(),
}

/** `--limit NAME=SIZE`, repeatable (a function: oclif's multiple flags do not survive a spread). */
export function limitFlag(options: { dependsOn?: string[] } = {}) {
  return Flags.string({
    ...options,
    multiple: true,
    helpValue: 'NAME=SIZE',
    description: `size cap on what a server sends; a repo over one fails (defaults: ${Object.entries(DEFAULT_LIMITS)
      .map(([name, bytes]) => `${name}=${formatSize(bytes).replace(' ', '')}`)
      .join(', ')}: the ref advertisement, a fetch's pack and all it inflates to, one object, one tree)`,
  })
}

/** A day: beyond it, a stalled request is not worth waiting for (and Node's timers overflow at ~24.8 days). */
export const MAX_TIMEOUT_SECONDS = 86_400

export interface RemoteSettings {
  auth: ForgeAuth
  timeoutMs: number
  limits: Limits
}

/** Validate the shared flags (exit 2 on bad input) and read the token. */
export function remoteSettings(flags: { 'token-env'?: string; 'token-user'?: string; timeout?: string; limit?: string[] }): RemoteSettings {
  const text = flags.timeout ?? String(DEFAULT_TIMEOUT_MS / 1000)
  const seconds = Number(text)
  // At least a millisecond: 0 ms would switch undici's idle timeouts off.
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds >= 0.001) || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UsageError('invalid-timeout', `--timeout expects a number of seconds from 0.001 to ${MAX_TIMEOUT_SECONDS}, got "${text}"`, { hint: 'for example --timeout 30' })
  }
  const limits = parseLimits(flags.limit)
  return { auth: resolveAuth({ tokenEnv: flags['token-env'], tokenUser: flags['token-user'] }), timeoutMs: Math.round(seconds * 1000), limits }
}

/** The fleet commands' per-repo deadline: past it a repo fails `timeout`, whatever its server does. */
export function repoTimeoutFlag(defaultMs: number) {
  return {
    'repo-timeout': Flags.string({
      helpValue: 'SECONDS',
      description: `give up on one repo after this long in all, even if its server keeps sending (default ${defaultMs / 1000})`,
    }),
  }
}

export function repoTimeoutMs(flags: { 'repo-timeout'?: string }, defaultMs: number): number {
  const text = flags['repo-timeout'] ?? String(defaultMs / 1000)
  const seconds = Number(text)
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds >= 0.001) || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UsageError('invalid-repo-timeout', `--repo-timeout expects a number of seconds from 0.001 to ${MAX_TIMEOUT_SECONDS}, got "${text}"`, { hint: 'for example --repo-timeout 300' })
  }
  return Math.round(seconds * 1000)
}
