/**
 * Preflight for the cascade's token: one authenticated request, so an expired, revoked or
 * mistyped token stops the run as bad input (exit 2) instead of failing every repo one by
 * one. (The cascade sends it alongside its first reads and reports no repo before it
 * answered; a push with a rejected token could only be refused.) It asks for the push
 * service's ref list (a GET, nothing is written), which every forge guards with
 * authentication even for public repos. Only a 401 is a verdict on the token; anything
 * else (403 read-only, 404, a network error) belongs to that repo and is reported by its
 * own pin.
 */
import { UsageError, toPinbotError } from '../errors.js'
import { createHttpClient } from './http.js'
import { redactUrl } from '../redact.js'

export interface TokenProbeOptions {
  /** Clone URL of a repo the cascade will pin. */
  url: string
  token: string
  tokenUser?: string
  timeoutMs?: number
  /** Where the token came from (e.g. an environment variable name), for the hint. */
  tokenSource?: string
}

/** The probe's answer when it is not a rejection: an HTTP status or an error code. */
export type TokenProbeResult = { status: number } | { error: string }

export async function probeToken(options: TokenProbeOptions): Promise<TokenProbeResult> {
  const client = createHttpClient({ token: options.token, tokenUser: options.tokenUser, timeoutMs: options.timeoutMs })
  let status: number
  try {
    const response = await client.request({ url: `${options.url.replace(/\/+$/, '')}/info/refs?service=git-receive-pack` })
    status = response.statusCode
    await response.body.return?.()
  } catch (error) {
    return { error: toPinbotError(error).code }
  } finally {
    client.destroy()
  }
  if (status === 401) {
    throw new UsageError('auth', `the forge rejected the token (HTTP 401 from ${redactUrl(options.url)}); nothing was pushed`, {
      hint: `check ${options.tokenSource ?? 'the token'}: it may be expired, revoked or mistyped`,
    })
  }
  return { status }
}
