/**
 * The HTTP client under pinbot's smart-HTTP exchanges (smart-http.ts, the token check):
 * - `Authorization` sent up front when a token is configured, so no request is wasted
 *   on a 401 challenge;
 * - a per-request idle timeout, and network/timeout failures raised as typed errors;
 * - one keep-alive agent per client, so the requests of a run reuse connections.
 */
import http from 'node:http'
import https from 'node:https'
import { PinbotError } from '../errors.js'
import { registerSecret } from '../redact.js'

export interface GitHttpRequest {
  url: string
  method?: string
  headers?: Record<string, string>
  body?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
}

export interface GitHttpResponse {
  url: string
  method: string
  statusCode: number
  statusMessage: string
  headers: Record<string, string>
  body: AsyncIterableIterator<Uint8Array>
}

export interface HttpClient {
  request(req: GitHttpRequest): Promise<GitHttpResponse>
}

export interface HttpClientOptions {
  /** Token sent as the Basic-auth password. Undefined: anonymous. */
  token?: string
  /** Basic-auth user name sent with the token (GitLab wants `oauth2`). */
  tokenUser?: string
  /** Idle timeout per request, in milliseconds. */
  timeoutMs?: number
  /** Called once per request, for request counting and progress. */
  onRequest?: (req: { method: string; url: string }) => void
}

export const DEFAULT_TOKEN_USER = 'pinbot'
export const DEFAULT_TIMEOUT_MS = 30_000

function basicAuthHeader(token: string, user = DEFAULT_TOKEN_USER): string {
  return `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`
}

/** All the bytes of a request or response body, in one buffer. */
export async function collectBytes(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of body) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Strip credentials before a URL is used in a message. */
function displayUrl(url: string): string {
  const u = new URL(url)
  u.username = ''
  u.password = ''
  u.search = ''
  return u.toString()
}

/** The response body, with a connection lost mid-body raised as a typed `network` error. */
async function* typedBodyErrors(res: http.IncomingMessage, what: string): AsyncIterableIterator<Uint8Array> {
  try {
    for await (const chunk of res) yield chunk as Uint8Array
  } catch (error) {
    if (error instanceof PinbotError) throw error
    throw new PinbotError('network', `${what} failed while reading the response: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'check the forge URL and that the server is reachable',
    })
  }
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient & { destroy(): void } {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const auth = options.token ? basicAuthHeader(options.token, options.tokenUser) : undefined
  if (options.token) registerSecret(options.token)
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  }

  async function send(req: GitHttpRequest): Promise<GitHttpResponse> {
    const method = req.method ?? 'GET'
    const target = new URL(req.url)
    const headers: Record<string, string> = { ...req.headers }
    if (auth) headers.authorization = auth
    const body = req.body && (await collectBytes(req.body))
    if (body) headers['content-length'] = String(body.length)
    options.onRequest?.({ method, url: displayUrl(req.url) })
    const transport = target.protocol === 'https:' ? https : http
    const agent = agents[target.protocol as 'http:' | 'https:']

    return new Promise<GitHttpResponse>((resolve, reject) => {
      let response: http.IncomingMessage | undefined
      const clientRequest = transport.request(target, { method, headers, agent }, (res) => {
        response = res
        const responseHeaders: Record<string, string> = {}
        for (const [key, value] of Object.entries(res.headers)) {
          if (value !== undefined) responseHeaders[key] = Array.isArray(value) ? value.join(', ') : value
        }
        resolve({
          url: req.url,
          method,
          statusCode: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: responseHeaders,
          body: typedBodyErrors(res, `${method} ${displayUrl(req.url)}`),
        })
      })
      clientRequest.setTimeout(timeoutMs, () => {
        const error = new PinbotError('timeout', `no response from ${displayUrl(req.url)} within ${timeoutMs / 1000} s`, {
          hint: 'the server is slow or hanging; raise --timeout or retry later',
        })
        // A body that stalls after the headers must fail too: without this its reader
        // waits forever and the process exits with the work silently unfinished.
        response?.destroy(error)
        clientRequest.destroy(error)
      })
      clientRequest.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof PinbotError) return reject(error)
        reject(
          new PinbotError('network', `${method} ${displayUrl(req.url)} failed: ${error.code ?? error.message}`, {
            hint: 'check the forge URL and that the server is reachable',
          }),
        )
      })
      clientRequest.end(body)
    })
  }

  return {
    request: send,
    destroy() {
      agents['http:'].destroy()
      agents['https:'].destroy()
    },
  }
}
