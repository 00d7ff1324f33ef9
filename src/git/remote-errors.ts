/**
 * Every way talking to a forge can fail, reduced to one stable code with a hint:
 * `auth` (401), `forbidden` (403), `not-found` (404), `rejected` (the server refused the
 * push), `network`, `timeout`, `http` (any other status or a non-git answer).
 *
 * A refused push is either a race (the branch moved since we read it: retry on the new
 * tip) or final (a hook or branch protection said no: retrying would only repeat it).
 */
import { PinbotError, isPinbotError, toPinbotError } from '../errors.js'
import { serverText } from './server-text.js'

export type RemoteErrorCode = 'auth' | 'forbidden' | 'not-found' | 'rejected' | 'network' | 'timeout' | 'http' | 'server-refused'

export class RemoteError extends PinbotError {
  /** The push lost a race: the branch moved under it, so re-reading and retrying can succeed. */
  readonly race: boolean
  /** A push whose answer was lost: it may have landed. Re-read the tip before deciding anything. */
  readonly outcomeUnknown: boolean
  /** The HTTP status that ended the exchange, when a status did. */
  readonly status?: number

  constructor(code: RemoteErrorCode, message: string, options: { hint: string; race?: boolean; outcomeUnknown?: boolean; status?: number; cause?: unknown }) {
    super(code, message, { hint: options.hint, cause: options.cause })
    this.name = 'RemoteError'
    this.race = options.race ?? false
    this.outcomeUnknown = options.outcomeUnknown ?? false
    if (options.status !== undefined) this.status = options.status
  }
}

export interface ErrorContext {
  /** What we were doing: reading (fetch, ref advertisement) or pushing. */
  phase: 'read' | 'push'
  /** The environment variable the token came from, named in the auth hint. */
  tokenEnv?: string
  /** There is a token, but it was not sent to this origin (http.ts). */
  tokenWithheld?: boolean
}

/** What an auth failure adds when the token was not sent to the origin that refused. */
export const TOKEN_WITHHELD = 'the token is not sent to this origin'

/** The line that tells a user a redirect moved a repo. */
export function movedNotice(movedTo: string): string {
  return `moved to ${movedTo}: update the manifest to that URL`
}

/** Server answers that mean "the branch is no longer where you said it was". */
const RACE = /non-fast-forward|fetch first|failed to update ref|failed to lock|cannot lock ref|stale info|but expected/i

export function isRace(error: unknown): boolean {
  return error instanceof RemoteError && error.race
}

export function isOutcomeUnknown(error: unknown): error is RemoteError {
  return error instanceof RemoteError && error.outcomeUnknown
}

/** A failed exchange as a typed error: the HTTP client's network and timeout errors become remote errors. */
export function classifyRemoteError(error: unknown): PinbotError {
  if (error instanceof RemoteError) return error
  if (isPinbotError(error) && (error.code === 'network' || error.code === 'timeout')) {
    return new RemoteError(error.code, error.message, { hint: error.hint ?? HINTS[error.code], cause: error })
  }
  return toPinbotError(error)
}

const HINTS = {
  'not-found': 'the repo does not exist or the token cannot see it; owner names are case-sensitive on Gitea',
  rejected: 'the server refused the push (a hook or branch protection); its message says why',
  network: 'check the forge URL and that the server is reachable',
  timeout: 'the server is slow or hanging; raise --timeout or retry later',
  http: 'the forge answered with an unexpected status; retry later or check its logs',
} as const

export function notSmartHttpError(cause: unknown): RemoteError {
  return new RemoteError('http', 'the server did not answer as a git smart-HTTP server', {
    hint: "check the URL: it must be the repository's HTTP(S) clone URL",
    cause,
  })
}

/** The server answered 200 with the right content type, but its answer breaks the protocol: `what` says where. */
export function malformedAnswerError(what: string, cause?: unknown): PinbotError {
  return new PinbotError('malformed-answer', `the server's answer breaks the git protocol: ${what}`, {
    hint: 'the server (or a proxy in front of it) sent a broken answer; retry, and report it to the forge if it persists',
    cause,
  })
}

/** The pack the server sent is corrupt (bad zlib data, a bad delta, a checksum mismatch...): `what` says which and where. */
export function corruptPackError(what: string, cause?: unknown): PinbotError {
  return new PinbotError('corrupt-pack', `the server sent a corrupt pack: ${what}`, {
    hint: 'run git fsck on the server repository; retry, and report it to the forge if it persists',
    cause,
  })
}

/** A repository in an object format pinbot does not speak. */
export function unsupportedObjectFormatError(format: string): PinbotError {
  return new PinbotError('unsupported-object-format', `the repository uses the ${format} object format; pinbot speaks sha1 repositories only`, {
    hint: 'pin this repo another way, or leave it out of the manifest',
  })
}

export function httpStatusError(status: number, statusMessage: string, body: Uint8Array | undefined, context: ErrorContext, cause?: unknown): RemoteError {
  const detail = serverDetail(body)
  const what = `HTTP ${status}${statusMessage ? ` ${serverText(statusMessage, 80)}` : ''}${detail ? `: ${detail}` : ''}`
  const tokenEnv = context.tokenEnv ?? 'PINBOT_TOKEN'
  if ((status === 401 || status === 403) && context.tokenWithheld) {
    return new RemoteError(status === 401 ? 'auth' : 'forbidden', `${status === 401 ? 'authentication required' : 'access denied'} (${what}); ${TOKEN_WITHHELD}`, {
      hint: 'the token goes only to the manifest\'s "forge" and "tokenOrigins" (or --forge): add this origin if the token is for it, or give the repo anonymous access',
      status,
      cause,
    })
  }
  switch (status) {
    case 401:
      return new RemoteError('auth', `authentication failed (${what})`, {
        hint: `the token was rejected or is missing; check ${tokenEnv}`,
        cause,
      })
    case 403:
      return new RemoteError('forbidden', `access denied (${what})`, {
        hint:
          context.phase === 'push'
            ? 'the token can read but not write this repo: grant it write access (Gitea: write:repository)'
            : 'the token has no access to this repo: grant it access, or use a token that has it',
        cause,
      })
    case 404:
      return new RemoteError('not-found', `repository not found (${what})`, { hint: HINTS['not-found'], cause })
    default:
      return new RemoteError('http', `unexpected answer from the forge (${what})`, { hint: HINTS.http, status, cause })
  }
}

/** upload-pack said `ERR` (to the ref listing or the fetch) or sent a fatal side-band message: its words say why. */
export function fetchRefusedError(message: string): RemoteError {
  return new RemoteError('server-refused', `the server refused the request (git said: ${message})`, {
    hint: "the server's words say why (access, a setting of the repository, a limit on its side); check the repo and its server",
  })
}

/**
 * The server refused the push: `reason` is its word for the ref or the unpack ("failed to
 * update ref", "pre-receive hook declined"), `serverMessages` what it said on the side band.
 */
export function pushRefusedError(reason: string, serverMessages: string[]): RemoteError {
  // Each message was sanitised where it entered (receive-pack.ts); keep the quote short.
  const said = serverMessages.map((m) => m.trim()).filter(Boolean)
  const quoted = said.slice(0, 10).join('; ') + (said.length > 10 ? `; (${said.length - 10} more lines)` : '')
  const message = `the server refused the push: ${reason}${said.length ? `: ${quoted}` : ''}`
  return new RemoteError('rejected', message, { hint: HINTS.rejected, race: RACE.test(reason) })
}

/** A short, printable first line of a server's error body, if it has one. */
function serverDetail(body: Uint8Array | undefined): string | undefined {
  const line = body && Buffer.from(body).toString('utf8').split('\n').find((l) => l.trim())?.trim()
  if (!line || line.startsWith('<')) return undefined
  return serverText(line, 200)
}
