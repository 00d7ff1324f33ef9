/**
 * Forge credentials. The token comes from the environment only (a token on the command
 * line would show in the process list and shell history), is registered for redaction
 * the moment it is read, and is sent up front as the Basic-auth password.
 */
import { UsageError } from '../errors.js'
import { DEFAULT_TOKEN_USER } from './http.js'
import { registerSecret } from '../redact.js'

export const DEFAULT_TOKEN_ENV = 'PINBOT_TOKEN'

export interface ForgeAuth {
  /** Undefined: anonymous (public repos only). */
  token?: string
  /** Basic-auth user sent with the token: any name for Gitea/GitHub, `oauth2` for GitLab. */
  tokenUser: string
  /** The environment variable the token was read from (for hints). */
  tokenEnv: string
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export function resolveAuth(options: { tokenEnv?: string; tokenUser?: string; env?: NodeJS.ProcessEnv } = {}): ForgeAuth {
  const env = options.env ?? process.env
  const tokenEnv = options.tokenEnv ?? DEFAULT_TOKEN_ENV
  if (!ENV_NAME.test(tokenEnv)) {
    throw new UsageError('invalid-token-env', `--token-env expects an environment variable name, got "${tokenEnv}"`, {
      hint: 'pass the variable\'s name (e.g. --token-env DISPATCH_TOKEN), never the token itself',
    })
  }
  const tokenUser = options.tokenUser ?? DEFAULT_TOKEN_USER
  if (!tokenUser || /[:\s\x00-\x1f\x7f]/.test(tokenUser)) {
    throw new UsageError('invalid-token-user', `--token-user must be a non-empty name without ":" or whitespace`, {
      hint: 'Gitea and GitHub accept any name; GitLab wants "oauth2"',
    })
  }
  const raw = env[tokenEnv]
  registerSecret(raw)
  const token = raw?.trim()
  if (!token) {
    if (options.tokenEnv !== undefined) {
      throw new UsageError('missing-token', `the environment variable ${tokenEnv} (named by --token-env) is not set or empty`, {
        hint: `export ${tokenEnv} with a forge token that can push to the repos`,
      })
    }
    return { tokenUser, tokenEnv }
  }
  registerSecret(token)
  registerSecret(Buffer.from(`${tokenUser}:${token}`).toString('base64'))
  if (/[\s\x00-\x1f\x7f]/.test(token)) {
    throw new UsageError('invalid-token', `the token in ${tokenEnv} contains whitespace or control characters`, {
      hint: `set ${tokenEnv} to the token alone`,
    })
  }
  return { token, tokenUser, tokenEnv }
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

/**
 * The origins a token may be sent to (`origins`: the forge's and those named for it), as a
 * set for the HTTP client. Over plain http the token travels in clear text: to a host that
 * is not loopback that needs the caller's explicit opt-in, else exit 2 before any request.
 */
export function tokenScope(origins: readonly string[], options: { token?: string; allowHttp: boolean }): Set<string> {
  const scope = new Set(origins.map((origin) => new URL(origin).origin))
  if (!options.token || options.allowHttp) return scope
  for (const origin of scope) {
    const url = new URL(origin)
    if (url.protocol === 'http:' && !LOOPBACK_HOST.test(url.hostname)) {
      throw new UsageError('token-over-http', `the token would travel in clear text to ${origin} (plain http)`, {
        hint: 'use the https:// URL; on a network you trust, opt in with --allow-token-over-http (or "allowTokenOverHttp": true in the manifest)',
      })
    }
  }
  return scope
}
