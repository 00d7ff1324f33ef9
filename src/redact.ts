/**
 * Secret redaction: the one function every output path runs text through. Registered
 * secrets (tokens, passphrases) are replaced wherever they appear, including their
 * URL-encoded and base64 Basic-auth forms, and credentials embedded in URLs are removed.
 */
const MASK = '***'
const registered = new Set<string>()

/** Secrets shorter than this are too likely to match ordinary text to be replaced. */
const MIN_SECRET_LENGTH = 4

export function registerSecret(secret: string | undefined | null): void {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return
  registered.add(secret)
  registered.add(encodeURIComponent(secret))
  // The token travels as Basic auth; an echoed header would show it base64-encoded.
  for (const user of ['', 'x-access-token', 'oauth2', 'pinbot', 'token', 'git']) {
    registered.add(Buffer.from(`${user}:${secret}`).toString('base64'))
  }
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  registered.clear()
}

/**
 * `scheme://user:password@`: the user name stops at `/ ? # @ :`, but a password may hold
 * any of `/ ? # : @` when pasted unencoded, so it runs to the last `@` before a space or
 * quote (over-masking a host is harmless; leaking the tail of a password is not).
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@:'"<>]*:[^\s'"<>]*|[^\s/?#@:'"<>]*)@/gi

export function redact(text: string): string {
  let out = text.replace(URL_CREDENTIALS, (_m, scheme: string) => `${scheme}${MASK}@`)
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...registered].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(MASK)
  }
  return out
}

/**
 * One command-line argument, redacted. An argument that is a URL (`https://bot:PASSWORD@host/...`,
 * or `--remote=` one) is one word: everything from its scheme to its last `@` is
 * credentials, whatever the password holds (quotes, spaces, `/`, `@`). Any other argument
 * (a commit message that mentions a URL) is redacted as text is.
 */
export function redactArg(arg: string): string {
  return redact(arg.replace(/^(-{1,2}[\w-]+=)?([a-z][a-z0-9+.-]*:\/\/)[^]*@/i, (_m, flag: string | undefined, scheme: string) => `${flag ?? ''}${scheme}${MASK}@`))
}

/** Redact every string inside a JSON-able value (for --json output). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T
  if (Array.isArray(value)) return value.map(redactDeep) as T
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T
  }
  return value
}

/** A URL for display: credentials removed. */
export function redactUrl(url: string): string {
  return redact(url)
}
