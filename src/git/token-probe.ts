/**
 * The cascade's token check, so that what it says is true: each distinct origin the token
 * is sent to is asked once for the push service's ref list (`info/refs?service=
 * git-receive-pack`, a GET that writes nothing). That request proves push rights: forges
 * guard it with authentication even where reads are anonymous (a wrong token passes every
 * read there). Pushes wait until every origin has answered, so a rejected token (401) or
 * one that cannot push (403) stops the run before anything was pushed anywhere (exit 2).
 * An origin whose check could not finish (timeout, network, 5xx) gets no push: its repos
 * fail with that reason. A 404 is about one repo: the origin's next repo is asked, as it is
 * when a repo redirects to another origin (the token is never sent there).
 */
import { PinbotError, UsageError, toPinbotError } from '../errors.js'
import { scopedHttp, type HttpClient } from './http.js'
import { redactUrl } from '../redact.js'

export interface TokenCheckOptions {
  /** Clone URLs of the repos the run will pin. */
  urls: readonly string[]
  /** The run's client (it sends the token to the origins the token is for). */
  http: HttpClient
  /** Origins the token is sent to; repos elsewhere are not checked (they are read anonymously). */
  tokenOrigins?: ReadonlySet<string>
  /** Where the token came from (an environment variable name), for the hint. */
  tokenSource?: string
  /** How long one origin's check may take in all (every repo it asks). */
  deadlineMs: number
}

export interface TokenCheck {
  /** Settles once every origin answered; rejects (exit 2) when one refused the token. */
  verdict: Promise<void>
  /** Resolves when a push to `url` may be sent: the verdict is in and its origin confirmed the token. */
  beforePush(url: string): Promise<void>
}

/** Repos of one origin asked at most, when the first ones do not exist (404). */
const CANDIDATES_PER_ORIGIN = 3

type OriginAnswer = { confirmed: true } | { confirmed: false; reason: PinbotError }

async function checkOrigin(origin: string, urls: readonly string[], options: TokenCheckOptions): Promise<OriginAnswer> {
  const tokenHint = `check ${options.tokenSource ?? 'the token'}: it may be expired, revoked, mistyped, or read-only`
  let last = 'no repo answered'
  // One deadline for the origin's whole check, whichever repos it asks.
  const signal = AbortSignal.timeout(options.deadlineMs)
  for (const url of urls.slice(0, CANDIDATES_PER_ORIGIN)) {
    const probe = `${url.replace(/\/+$/, '')}/info/refs?service=git-receive-pack`
    let status: number
    let movedTo: string | undefined
    try {
      const response = await scopedHttp(options.http, { signal }).request({ url: probe })
      await response.body.return?.()
      status = response.statusCode
      // Moved to another origin, which never sees the token: its answer says nothing of the token here.
      if (new URL(response.url).origin !== origin) movedTo = new URL(response.url).origin
    } catch (error) {
      const cause = toPinbotError(error)
      const why = signal.aborted ? `no answer within ${options.deadlineMs / 1000} s` : cause.message
      return { confirmed: false, reason: new PinbotError(cause.code === 'internal' ? 'timeout' : cause.code, `the token check at ${origin} did not finish (${why}): nothing is pushed there`, { hint: cause.hint ?? 'retry later' }) }
    }
    if (movedTo) {
      last = `${redactUrl(url)} moved to ${movedTo}`
      continue
    }
    if (status === 200) return { confirmed: true }
    if (status === 401) {
      throw new UsageError('auth', `the forge at ${origin} rejected the token (HTTP 401 for the push service of ${redactUrl(url)}); nothing was pushed`, { hint: tokenHint })
    }
    if (status === 403) {
      throw new UsageError('forbidden', `the token cannot push to ${redactUrl(url)} (HTTP 403 for its push service); nothing was pushed`, {
        hint: `${tokenHint}; it needs write access (Gitea: write:repository)`,
      })
    }
    last = `HTTP ${status} from ${redactUrl(url)}`
    if (status !== 404) break
  }
  return { confirmed: false, reason: new PinbotError('http', `the token check at ${origin} did not confirm the token (${last}): nothing is pushed there`, { hint: 'check the repo URLs and the forge' }) }
}

export function checkToken(options: TokenCheckOptions): TokenCheck {
  const byOrigin = new Map<string, string[]>()
  for (const url of options.urls) {
    const origin = new URL(url).origin
    if (options.tokenOrigins && !options.tokenOrigins.has(origin)) continue
    byOrigin.set(origin, [...(byOrigin.get(origin) ?? []), url])
  }
  const answers = new Map([...byOrigin].map(([origin, urls]) => [origin, checkOrigin(origin, urls, options)]))
  const verdict = Promise.all(answers.values()).then(() => undefined)
  verdict.catch(() => {}) // the caller awaits it
  return {
    verdict,
    async beforePush(url) {
      await verdict
      const answer = await answers.get(new URL(url).origin)
      if (answer && !answer.confirmed) throw answer.reason
    },
  }
}
