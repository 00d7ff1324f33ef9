/**
 * Flags every command that talks to a forge shares: where the token comes from, how it
 * is presented, and how long one request may stall. The token itself is never a flag.
 */
import { Flags } from '@oclif/core'
import { DEFAULT_TOKEN_ENV, resolveAuth, type ForgeAuth } from '../src/auth.js'
import { UsageError } from '../src/errors.js'
import { DEFAULT_TOKEN_USER } from '../src/http.js'

export const remoteFlags = {
  'token-env': Flags.string({
    helpValue: 'NAME',
    description: `environment variable holding the forge token (default ${DEFAULT_TOKEN_ENV}; unset: anonymous)`,
  }),
  'token-user': Flags.string({
    helpValue: 'USER',
    description: `Basic-auth user sent with the token (default ${DEFAULT_TOKEN_USER}; GitLab wants oauth2)`,
  }),
  timeout: Flags.string({ helpValue: 'SECONDS', default: '30', description: 'give up on a request that stalls this long' }),
}

export interface RemoteSettings {
  auth: ForgeAuth
  timeoutMs: number
}

/** Validate the shared flags (exit 2 on bad input) and read the token. */
export function remoteSettings(flags: { 'token-env'?: string; 'token-user'?: string; timeout: string }): RemoteSettings {
  const seconds = Number(flags.timeout)
  if (!/^\d+(\.\d+)?$/.test(flags.timeout) || !(seconds > 0)) {
    throw new UsageError('invalid-timeout', `--timeout expects a positive number of seconds, got "${flags.timeout}"`, { hint: 'for example --timeout 30' })
  }
  return { auth: resolveAuth({ tokenEnv: flags['token-env'], tokenUser: flags['token-user'] }), timeoutMs: Math.round(seconds * 1000) }
}
