/**
 * The HTTP client under pinbot's smart-HTTP exchanges (smart-http.ts, the token check),
 * on undici, behaving like git's own:
 * - proxies from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY (either case; CONNECT for
 *   https; https direct when only an http proxy is set, as curl), via undici's
 *   EnvHttpProxyAgent; one keep-alive dispatcher per client, shared by every repo;
 * - `User-Agent: pinbot/VERSION`; `Authorization` sent up front, only to the origins the
 *   token is for (`tokenOrigins`) and never to an origin a redirect leads to;
 * - redirects as git's `http.followRedirects=initial`: followed on a repo's first request
 *   (`info/refs`), bounded, never from https to http; later requests of that repo go to the
 *   new base (`movedTo` names it);
 * - reads (GET, upload-pack POST) retried on 502/503/504, resets and timeouts, with
 *   jittered exponential backoff honouring Retry-After up to a cap; a push never is (429,
 *   "slow down", is fleet/pacing.ts's, which pauses the whole origin; a one-repo client
 *   retries it as a 503: `retryTooManyRequests`);
 * - an idle timeout per request and, for a repo's requests (`scopedHttp`), its deadline
 *   signal and its log; every failure typed (http-errors.ts).
 */
import { readFileSync } from 'node:fs'
import { STATUS_CODES } from 'node:http'
import { createRequire } from 'node:module'
import type { Agent as AgentType, Dispatcher, EnvHttpProxyAgent as EnvHttpProxyAgentType } from 'undici'
import { PinbotError } from '../errors.js'
import { registerSecret } from '../redact.js'
import { isTransient, transportError } from './http-errors.js'
import { serverText } from './server-text.js'

export interface GitHttpRequest {
  url: string
  method?: string
  headers?: Record<string, string>
  body?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
  /** The repo the request is for: its deadline and its log (set by `scopedHttp`). */
  scope?: RequestScope
}

export interface GitHttpResponse {
  url: string
  method: string
  statusCode: number
  statusMessage: string
  headers: Record<string, string>
  body: AsyncIterableIterator<Uint8Array>
  /** The client has a token but did not send it here (another origin: `tokenOrigins`, a redirect). */
  tokenWithheld?: boolean
}

export interface HttpClient {
  request(req: GitHttpRequest): Promise<GitHttpResponse>
  /** The base a repo's requests went to after a redirect of its first request, if one did. */
  movedTo?(repoUrl: string): string | undefined
  /** The client this one is a view of (`scopedHttp`): what is learnt of a server is kept per shared client. */
  readonly shared?: HttpClient
}

/** One repo's work: its deadline and its log, for every request made through its `scopedHttp` view. */
export interface RequestScope {
  /** Aborts every request of the repo (its deadline, an interrupt); the reason is what they fail with. */
  signal?: AbortSignal
  /** The repo's log: each retry is written there. */
  log?: (line: string) => void
}

export interface HttpClientOptions {
  /** Token sent as the Basic-auth password. Undefined: anonymous. */
  token?: string
  /** Basic-auth user name sent with the token (GitLab wants `oauth2`). */
  tokenUser?: string
  /** Origins (`https://host:port`) the token is sent to; default: the origin of each request as given. */
  tokenOrigins?: readonly string[]
  /** Idle timeout per request, in milliseconds. */
  timeoutMs?: number
  /** Re-attempts of a read after a transient failure (default 3). */
  retries?: number
  /** First backoff delay in milliseconds (default 250; doubled per attempt, jittered). */
  retryDelayMs?: number
  /**
   * Retry a read answered 429 too, honouring Retry-After (capped): for a client of one repo.
   * A fleet's client leaves 429 to its pacing (fleet/pacing.ts), which pauses the whole origin.
   */
  retryTooManyRequests?: boolean
  /** Called once per request sent (redirect hops and retries included), for counting and progress. */
  onRequest?: (req: { method: string; url: string }) => void
}

export interface SharedHttpClient extends HttpClient {
  destroy(): void
}

/**
 * One repo's view of a shared client: `scope` goes with every request it makes, through
 * whatever wraps the client (pacing), without threading it through git/. An explicit view,
 * not an AsyncLocalStorage: on Node 20 that hooks every promise of the run (a cascade of
 * 200 repos: 0.2 s of CPU, about 6% of it).
 */
export function scopedHttp(http: HttpClient, scope: RequestScope): HttpClient {
  return {
    request: (req) => http.request({ ...req, scope }),
    movedTo: (repoUrl) => http.movedTo?.(repoUrl),
    shared: http.shared ?? http,
  }
}

export const DEFAULT_TOKEN_USER = 'pinbot'
export const DEFAULT_TIMEOUT_MS = 30_000
export const DEFAULT_HTTP_RETRIES = 3
/** git's curl follows up to 20; a forge's rename is one hop, an http->https upgrade another. */
export const MAX_REDIRECTS = 5
/** The longest Retry-After honoured; a server asking for more gets this. */
const RETRY_AFTER_CAP_MS = 20_000
const BACKOFF_CAP_MS = 5_000
const RETRY_STATUSES = new Set([502, 503, 504])
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'pinbot' && pkg.version) return pkg.version
    } catch {
      // not here: one level up
    }
  }
  return 'unknown'
}

export const USER_AGENT = `pinbot/${packageVersion()}`

/*
 * undici's dispatchers and request API, loaded without its index, which also loads fetch,
 * WebSocket, caches and mocks: ~120 ms of CPU at every start (measured: index 170-230 ms,
 * these 60-80 ms, node:http 10-20 ms). As the index does, the API goes on the dispatcher
 * prototype: the proxy agent's CONNECT uses it.
 */
let dispatcherClasses: { EnvHttpProxyAgent: typeof EnvHttpProxyAgentType; Agent: typeof AgentType } | undefined
/** Loaded at the first client, not at start: a run that ends on bad input never needs them. */
function undiciDispatchers(): NonNullable<typeof dispatcherClasses> {
  if (dispatcherClasses) return dispatcherClasses
  const undiciModule = createRequire(import.meta.url)
  Object.assign((undiciModule('undici/lib/dispatcher/dispatcher.js') as { prototype: object }).prototype, undiciModule('undici/lib/api/index.js'))
  return (dispatcherClasses = {
    EnvHttpProxyAgent: undiciModule('undici/lib/dispatcher/env-http-proxy-agent.js') as typeof EnvHttpProxyAgentType,
    Agent: undiciModule('undici/lib/dispatcher/agent.js') as typeof AgentType,
  })
}

function basicAuthHeader(token: string, user = DEFAULT_TOKEN_USER): string {
  return `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`
}

/** All the bytes of a request or response body, in one buffer. */
export async function collectBytes(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of body) chunks.push(chunk)
  return chunks.length === 1 ? Buffer.from(chunks[0].buffer, chunks[0].byteOffset, chunks[0].byteLength) : Buffer.concat(chunks)
}

/** Strip credentials and the query before a URL is used in a message. */
function displayUrl(url: string | URL): string {
  const u = new URL(url)
  u.username = ''
  u.password = ''
  u.search = ''
  return u.toString()
}

/** A repo base as git keeps it: no trailing slashes (nginx with `merge_slashes off` answers 500 to `x.git//info/refs`). */
export function normalizeRepoUrl(url: string): string {
  const u = new URL(url)
  u.pathname = u.pathname.replace(/\/+$/, '')
  return u.toString().replace(/\/+$/, '')
}

/** Bytes of a read's answer held before it is handed over: a failure within them is retried. */
const RETRYABLE_READ_BYTES = 8 * 1024 * 1024

/** Read the first `max` bytes of a body now (their failure is the caller's to retry); the rest streams on. */
async function prefetch(body: AsyncIterableIterator<Uint8Array>, max: number): Promise<AsyncIterableIterator<Uint8Array>> {
  const head: Uint8Array[] = []
  let length = 0
  let done = false
  while (!done && length < max) {
    const next = await body.next()
    if (next.done) done = true
    else {
      head.push(next.value)
      length += next.value.byteLength
    }
  }
  return (async function* () {
    yield* head
    if (!done) yield* body
  })()
}

/** Wait `ms`, or less: the signal's abort rejects with its reason and clears the timer. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Retry-After in milliseconds (seconds or an HTTP date), capped; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined
  const ms = /^\d+$/.test(header.trim()) ? Number(header.trim()) * 1000 : Date.parse(header) - now
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), RETRY_AFTER_CAP_MS) : undefined
}

/** Exponential from `base`, capped, each delay jittered to 50-150 %. */
function backoffMs(base: number, retry: number): number {
  return Math.round(Math.min(base * 2 ** (retry - 1), BACKOFF_CAP_MS) * (0.5 + Math.random()))
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key in headers) {
    const value = headers[key]
    if (value !== undefined) out[key] = typeof value === 'string' ? value : value.join(', ')
  }
  return out
}

/** `https://host/x.git/info/refs?service=...` -> `https://host/x.git`, or undefined when not an info/refs URL. */
function infoRefsBase(url: URL): string | undefined {
  if (!url.pathname.endsWith('/info/refs')) return undefined
  return `${url.origin}${url.pathname.slice(0, -'/info/refs'.length)}`
}

export function createHttpClient(options: HttpClientOptions = {}): SharedHttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const retries = options.retries ?? DEFAULT_HTTP_RETRIES
  const retryDelayMs = options.retryDelayMs ?? 250
  const retryStatuses = options.retryTooManyRequests ? new Set([...RETRY_STATUSES, 429]) : RETRY_STATUSES
  const auth = options.token ? basicAuthHeader(options.token, options.tokenUser) : undefined
  if (options.token) registerSecret(options.token)
  if (auth) registerSecret(auth.slice('Basic '.length))
  const tokenOrigins = options.tokenOrigins && new Set(options.tokenOrigins.map((origin) => new URL(origin).origin))
  // The proxy settings are read once, as curl does (ALL_PROXY for either scheme when its own is
  // unset); undici would read the environment at every request.
  const env = process.env
  const httpProxy = env.http_proxy ?? env.HTTP_PROXY ?? env.all_proxy ?? env.ALL_PROXY
  const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? env.all_proxy ?? env.ALL_PROXY
  const { EnvHttpProxyAgent, Agent } = undiciDispatchers()
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs }
  const dispatcher = new EnvHttpProxyAgent({ ...timeouts, httpProxy, httpsProxy, noProxy: env.no_proxy ?? env.NO_PROXY ?? '' })
  // With only an http proxy set, undici sends https through it too; curl and git go direct.
  const httpsDirect = httpProxy && !httpsProxy ? new Agent(timeouts) : undefined
  /** Repo bases moved by a redirect of their first request: old base -> new base. */
  const moved = new Map<string, string>()

  function rebase(url: string): string {
    for (const [from, to] of moved) if (url.startsWith(`${from}/`)) return to + url.slice(from.length)
    return url
  }

  /** The token goes only to the origin the caller named, and only if it is one the token is for. */
  function authFor(target: URL, requested: URL): string | undefined {
    if (!auth || target.origin !== requested.origin) return undefined
    return !tokenOrigins || tokenOrigins.has(target.origin) ? auth : undefined
  }

  async function sendOnce(url: URL, requested: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, scope: RequestScope) {
    const authorization = authFor(url, requested)
    options.onRequest?.({ method, url: displayUrl(url) })
    try {
      return await (url.protocol === 'https:' && httpsDirect ? httpsDirect : dispatcher).request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: method as Dispatcher.HttpMethod,
        headers: { ...headers, 'user-agent': USER_AGENT, ...(authorization && { authorization }) },
        body,
        signal: scope.signal,
      })
    } catch (error) {
      if (scope.signal?.aborted) throw scope.signal.reason
      throw transportError(error, `${method} ${displayUrl(url)}`, timeoutMs, 'request')
    }
  }

  /**
   * The first request of a repo: redirects followed, bounded, never to plain http; the new
   * base remembered. The token goes only where the caller asked (`asked`, before any
   * earlier redirect's new base), so never to an origin a redirect led to.
   */
  async function sendInitial(requested: URL, asked: URL, method: string, headers: Record<string, string>, scope: RequestScope) {
    let url = requested
    for (let hop = 0; ; hop++) {
      const res = await sendOnce(url, asked, method, headers, undefined, scope)
      const location = res.headers.location
      if (!REDIRECT_STATUSES.has(res.statusCode) || typeof location !== 'string') {
        const from = infoRefsBase(requested)
        const to = infoRefsBase(url)
        if (url !== requested && from && to && from !== to) moved.set(from, to)
        return { res, url }
      }
      await res.body.dump().catch(() => {})
      const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined
      if (!next) throw redirectError(requested, `a redirect (HTTP ${res.statusCode}) to ${serverText(location, 120)}, which is not a URL`)
      if (hop + 1 > MAX_REDIRECTS) throw redirectError(requested, `more than ${MAX_REDIRECTS} redirects`)
      if (url.protocol === 'https:' && next.protocol !== 'https:') throw redirectError(requested, `a redirect from https to ${displayUrl(next)}, refused`)
      if (!infoRefsBase(next)) throw redirectError(requested, `a redirect to ${displayUrl(next)}, which is not a git repository URL`)
      scope.log?.(`redirected: ${displayUrl(url)} -> ${displayUrl(next)} (HTTP ${res.statusCode})`)
      url = next
    }
  }

  async function send(req: GitHttpRequest, scope: RequestScope): Promise<GitHttpResponse> {
    const method = req.method ?? 'GET'
    const requested = new URL(req.url)
    const target = new URL(rebase(req.url))
    const headers = { ...req.headers }
    const body = req.body && (await collectBytes(req.body))
    const initial = method === 'GET' && infoRefsBase(target) !== undefined
    // A push is never resent blindly: its outcome is the caller's to find out (remote-pin.ts).
    const isRead = method === 'GET' || target.pathname.endsWith('/git-upload-pack')

    for (let attempt = 1; ; attempt++) {
      let failure: unknown
      let delay: number | undefined
      try {
        const { res, url } = initial
          ? await sendInitial(target, requested, method, headers, scope)
          : { res: await sendOnce(target, requested, method, headers, body, scope), url: target }
        // Named only when an error says it: a URL rebuilt for every answer costs more than the answer's parse.
        const what = () => `${method} ${displayUrl(url)}`
        const responseHeaders = flatHeaders(res.headers)
        const answer = (payload: AsyncIterableIterator<Uint8Array>): GitHttpResponse => ({
          url: url.toString(),
          method,
          statusCode: res.statusCode,
          statusMessage: STATUS_CODES[res.statusCode] ?? '',
          headers: responseHeaders,
          body: payload,
          ...(auth && !authFor(url, requested) && { tokenWithheld: true }),
        })
        if (!isRead) return answer(typedBody(res.body, what, scope))
        if (retryStatuses.has(res.statusCode) && attempt <= retries) {
          await res.body.dump().catch(() => {})
          failure = `HTTP ${res.statusCode}`
          delay = retryAfterMs(responseHeaders['retry-after'])
        } else {
          // A read's first bytes are taken here, so that a reset or a stall mid-answer can be
          // retried too; past them (a large pack) the answer streams on to its reader, who caps
          // it (limits.ts), and an error body is never read beyond what its reader quotes.
          const payload = typedBody(res.body, what, scope)
          return answer(res.statusCode === 200 ? await prefetch(payload, RETRYABLE_READ_BYTES) : payload)
        }
      } catch (error) {
        if (scope.signal?.aborted) throw scope.signal.reason
        if (!isRead || attempt > retries || !isTransient(error)) throw error
        failure = (error as Error).message
      }
      const wait = Math.max(delay ?? 0, backoffMs(retryDelayMs, attempt))
      scope.log?.(`${method} ${displayUrl(target)}: ${String(failure)}; retry ${attempt} of ${retries} in ${wait} ms`)
      await sleep(wait, scope.signal)
    }
  }

  async function* typedBody(body: AsyncIterable<Uint8Array>, what: () => string, scope: RequestScope): AsyncIterableIterator<Uint8Array> {
    try {
      for await (const chunk of body) yield chunk
    } catch (error) {
      if (scope.signal?.aborted) throw scope.signal.reason
      throw transportError(error, what(), timeoutMs, 'response')
    }
  }

  return {
    request: (req) => send(req, req.scope ?? {}),
    movedTo: (repoUrl) => moved.get(normalizeRepoUrl(repoUrl)),
    destroy() {
      dispatcher.destroy().catch(() => {})
      httpsDirect?.destroy().catch(() => {})
    },
  }
}

function redirectError(requested: URL, what: string): PinbotError {
  return new PinbotError('redirect', `${displayUrl(requested)}: ${what}`, {
    hint: 'check the repo URL in the manifest (or --remote): git would refuse this redirect too',
  })
}
