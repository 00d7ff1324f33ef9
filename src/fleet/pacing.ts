/**
 * Pacing a fleet run under a forge's limits, as a wrapper around the run's HTTP client:
 * - pushes (receive-pack POSTs) spread evenly at `maxPushesPerMinute` (GitHub documents
 *   about 80 content-creating requests a minute; Gitea has no limit at all, so the client
 *   must pace itself), while reads go on concurrently;
 * - an answer that asks the client to slow down (429, or 403 with Retry-After or an
 *   exhausted rate-limit header) pauses every request to that origin for the time asked,
 *   bounded, and then the request is sent again, instead of failing the repo. Such an
 *   answer means the server did nothing, so sending a push again is safe.
 * Every pause is reported (`onWait`) for the log and the summary.
 */
import { markdownCell } from '../report/actions.js'
import { collectBytes, sleep, type GitHttpRequest, type GitHttpResponse, type HttpClient, type SharedHttpClient } from '../git/http.js'

export interface OriginWait {
  origin: string
  /** The repo path of the request that was told to slow down. */
  path: string
  status: number
  waitMs: number
}

export interface PacingOptions {
  /** Pushes a minute at most, spread evenly; undefined: pushes are not paced. */
  maxPushesPerMinute?: number
  /** The longest pause one answer may impose; a server asking for more fails the request as it answered. */
  maxWaitMs?: number
  onWait?: (wait: OriginWait) => void
}

/** A pause longer than this is not waited for: the request fails with the server's answer (re-run later). */
export const DEFAULT_MAX_WAIT_MS = 120_000
/** How many times one request may be told to slow down before its answer is taken as final. */
export const MAX_SLOWDOWNS_PER_REQUEST = 3
/** What GitHub asks of a client told to slow down without a time: wait a minute. */
const DEFAULT_SLOWDOWN_MS = 60_000

const isPush = (req: GitHttpRequest, url: URL) => (req.method ?? 'GET') === 'POST' && url.pathname.endsWith('/git-receive-pack')

/**
 * How long an answer asks the client to wait, in ms; undefined when it does not ask.
 * 429 always asks; a 403 asks only with Retry-After or `x-ratelimit-remaining: 0` (GitHub's
 * secondary limits), otherwise it is a real "forbidden".
 */
export function slowDownMs(res: Pick<GitHttpResponse, 'statusCode' | 'headers'>, now = Date.now()): number | undefined {
  const retryAfter = res.headers['retry-after']?.trim()
  const exhausted = res.headers['x-ratelimit-remaining']?.trim() === '0'
  if (res.statusCode !== 429 && !(res.statusCode === 403 && (retryAfter || exhausted))) return undefined
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  const reset = Number(res.headers['x-ratelimit-reset'])
  if (exhausted && Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now)
  return DEFAULT_SLOWDOWN_MS
}

/**
 * The client `http` with pushes paced and slow-down answers waited out per origin. Its
 * per-repo views (`scopedHttp`) share the same pace and pauses; redirects are still
 * reported (`movedTo`).
 */
export function pacedHttpClient(http: SharedHttpClient, options: PacingOptions): SharedHttpClient {
  const pushIntervalMs = options.maxPushesPerMinute ? 60_000 / options.maxPushesPerMinute : 0
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS
  const pausedUntil = new Map<string, number>()
  // Pushes take turns: each is released at least an interval after the one before it was
  // (measured when it was, so a late timer never squeezes the next two together).
  let pushTurn = Promise.resolve()
  let lastPushAt = -Infinity

  // A repo's deadline or an interrupt ends its wait (and the timer that would hold the process open).
  const originFree = async (origin: string, signal: AbortSignal | undefined) => {
    for (let until = pausedUntil.get(origin) ?? 0; until > Date.now(); until = pausedUntil.get(origin) ?? 0) await sleep(until - Date.now(), signal)
  }
  const pushSlot = () =>
    (pushTurn = pushTurn.then(async () => {
      const wait = lastPushAt + pushIntervalMs - Date.now()
      if (wait > 0) await sleep(wait)
      lastPushAt = Date.now()
    }))

  const request = async (inner: HttpClient, req: GitHttpRequest): Promise<GitHttpResponse> => {
    const url = new URL(req.url)
    // Held as bytes, so that a request told to slow down can be sent again.
    const body = req.body && [await collectBytes(req.body)]
    if (pushIntervalMs && isPush(req, url)) await pushSlot()
    for (let slowdowns = 0; ; slowdowns++) {
      await originFree(url.origin, req.scope?.signal)
      const res = await inner.request({ ...req, ...(body && { body }) })
      const waitMs = slowDownMs(res)
      if (waitMs === undefined || waitMs > maxWaitMs || slowdowns >= MAX_SLOWDOWNS_PER_REQUEST) return res
      pausedUntil.set(url.origin, Math.max(pausedUntil.get(url.origin) ?? 0, Date.now() + waitMs))
      await res.body.return?.(undefined).catch(() => {}) // the answer is not used: close it unread, whatever its size
      options.onWait?.({ origin: url.origin, path: url.pathname.replace(/\/(info\/refs|git-upload-pack|git-receive-pack)$/, ''), status: res.statusCode, waitMs })
    }
  }
  return { request: (req) => request(http, req), movedTo: (repoUrl) => http.movedTo?.(repoUrl), destroy: () => http.destroy() }
}

/** One line per wait, for the log. */
export function formatWait(wait: OriginWait): string {
  return `${wait.origin} asked to slow down (HTTP ${wait.status} on ${wait.path}): waiting ${(wait.waitMs / 1000).toFixed(1)} s before its next request`
}

/** The waits of a run in one line, for the summary; empty when there were none. */
export function formatWaits(waits: readonly OriginWait[]): string {
  if (waits.length === 0) return ''
  const byOrigin = new Map<string, { count: number; ms: number }>()
  for (const wait of waits) {
    const total = byOrigin.get(wait.origin) ?? { count: 0, ms: 0 }
    byOrigin.set(wait.origin, { count: total.count + 1, ms: total.ms + wait.waitMs })
  }
  const parts = [...byOrigin].map(([origin, { count, ms }]) => `${origin} ${count} ${count === 1 ? 'time' : 'times'} (${(ms / 1000).toFixed(1)} s asked in all)`)
  return `slowed down by the forge: ${parts.join(', ')}`
}

/** The step summary's account of the waits: each one; empty when there were none. */
export function renderWaitsMarkdown(waits: readonly OriginWait[]): string {
  if (waits.length === 0) return ''
  return ['', '### Slowed down by the forge', '', ...waits.map((wait) => `- ${markdownCell(formatWait(wait))}`), ''].join('\n')
}
