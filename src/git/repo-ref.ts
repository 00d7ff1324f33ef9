/**
 * What a REPO argument names: a smart-HTTP(S) clone URL, or `OWNER/NAME` resolved
 * against `--forge URL`. The display name is what every message and JSON result shows;
 * it never carries credentials (tokens travel in the Authorization header only).
 */
import { UsageError } from '../errors.js'
import { redactUrl, registerSecret } from '../redact.js'

export interface RepoRef {
  /** The clone URL requests go to (no credentials). */
  url: string
  /** How the repo is shown: `OWNER/NAME` as given, or the URL as given. */
  display: string
}

const SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9_.-]+$/

/** Parse `--forge URL`: http(s), no credentials, no query. */
export function parseForgeUrl(text: string): URL {
  const url = parseHttpUrl(text, '--forge')
  if (url.search || url.hash) {
    throw new UsageError('invalid-forge', `--forge must be a base URL without a query or fragment, got ${redactUrl(text)}`, {
      hint: 'for example --forge https://git.example.com',
    })
  }
  return url
}

export function resolveRepo(text: string, forge?: URL): RepoRef {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const url = parseHttpUrl(text, 'repo')
    url.hash = ''
    // git drops a base's trailing slashes: `x.git/` must not become `x.git//info/refs`.
    url.pathname = url.pathname.replace(/\/+$/, '')
    return { url: url.toString(), display: url.toString() }
  }
  const segments = text.split('/')
  if (segments.length < 2 || !segments.every((s) => SEGMENT.test(s))) {
    throw new UsageError('invalid-repo', `"${text}" is neither a URL nor OWNER/NAME`, {
      hint: 'give https://forge.example/owner/name.git, or owner/name with --forge https://forge.example',
    })
  }
  if (!forge) {
    throw new UsageError('missing-forge', `"${text}" needs --forge URL to be resolved`, {
      hint: 'add --forge https://your-forge.example, or give the full clone URL',
    })
  }
  const base = forge.toString().replace(/\/+$/, '')
  const path = text.endsWith('.git') ? text : `${text}.git`
  return { url: `${base}/${path}`, display: text }
}

function parseHttpUrl(text: string, what: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError('invalid-url', `${what}: "${redactUrl(text)}" is not a valid URL`, { hint: 'use an http:// or https:// URL' })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError('unsupported-url', `${what}: ${url.protocol} URLs are not supported (${redactUrl(text)})`, {
      hint: 'pinbot speaks git smart HTTP: use the https:// clone URL',
    })
  }
  if (url.username || url.password) {
    // Someone pasted a URL with a token in it: keep it out of every later message.
    if (url.password) registerSecret(decodeURIComponent(url.password))
    throw new UsageError('credentials-in-url', `${what}: ${redactUrl(text)} carries credentials`, {
      hint: 'remove them from the URL and put the token in PINBOT_TOKEN (or the variable named by --token-env)',
    })
  }
  return url
}
