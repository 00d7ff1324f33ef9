/**
 * What the HTTP client raises when a request fails below HTTP: typed `network`,
 * `timeout` or `certificate` errors whose hints name the cause. undici reports the
 * cause as an error code on the error or its `cause` (TLS: OpenSSL's names).
 */
import { PinbotError } from '../errors.js'

/** OpenSSL's and Node's names for a certificate the client does not trust or that does not match. */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

const CERTIFICATE_CAUSES: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the server\'s certificate has expired',
  CERT_NOT_YET_VALID: 'the server\'s certificate is not valid yet (check the clock)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server\'s certificate does not name this host',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server\'s certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server\'s certificate chain ends in a CA this machine does not trust',
}

/** Where a CA pinbot does not trust is not the problem, the hint says what is. */
const CERTIFICATE_HINTS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'renew the server\'s certificate',
  CERT_NOT_YET_VALID: 'check this machine\'s clock, or the server\'s certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'use the host name the certificate names in the forge URL, or fix the server\'s certificate',
}

/** Failures before or during an answer that are worth a retry for a read: the next attempt may get through. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
])

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'])

/** The most specific error code on an error or its causes. */
function causeCode(error: unknown): string | undefined {
  let codes: string[] = []
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') codes = [...codes, e.code]
  }
  return codes.find((code) => CERTIFICATE_CODES.has(code)) ?? codes.reverse().find((code) => code !== 'UND_ERR_SOCKET') ?? codes[0]
}

export function isTransient(error: unknown): boolean {
  if (error instanceof TransportError) return error.transient
  const code = causeCode(error)
  return code !== undefined && TRANSIENT_CODES.has(code)
}

export class TransportError extends PinbotError {
  constructor(
    code: 'network' | 'timeout' | 'certificate',
    message: string,
    hint: string,
    readonly transient: boolean,
  ) {
    super(code, message, { hint })
    this.name = 'TransportError'
  }
}

/** A failed request (`what`: "GET https://..."), typed. */
export function transportError(error: unknown, what: string, timeoutMs: number, phase: 'request' | 'response'): PinbotError {
  if (error instanceof PinbotError) return error
  const code = causeCode(error) ?? (error as Error).message
  const during = phase === 'response' ? ' while reading the response' : ''
  if (CERTIFICATE_CODES.has(code)) {
    const cause = CERTIFICATE_CAUSES[code] ?? 'the server\'s certificate is not signed by a CA this machine trusts'
    return new TransportError('certificate', `${what} failed: ${cause} (${code})`, CERTIFICATE_HINTS[code] ?? 'for a private CA, point NODE_EXTRA_CA_CERTS at its PEM file; otherwise fix the server\'s certificate', false)
  }
  // undici's words when the proxy refuses the CONNECT tunnel (407: it wants credentials).
  const tunnel = /Proxy response \((\d{3})\)/.exec(String((error as Error)?.message))
  if (tunnel) {
    const why = tunnel[1] === '407' ? ' (proxy authentication required)' : ''
    return new TransportError('network', `${what} failed: the proxy answered HTTP ${tunnel[1]}${why} to its CONNECT`, 'check HTTPS_PROXY (and the credentials in it) and NO_PROXY', false)
  }
  if (TIMEOUT_CODES.has(code)) {
    return new TransportError('timeout', `no answer from ${what.replace(/^\S+ /, '')}${during} within ${timeoutMs / 1000} s (${code})`, 'the server is slow or hanging; raise --timeout or retry later', true)
  }
  return new TransportError('network', `${what} failed${during}: ${code}`, 'check the forge URL, the proxy settings (HTTPS_PROXY, NO_PROXY) and that the server is reachable', TRANSIENT_CODES.has(code))
}
