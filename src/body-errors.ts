/**
 * isomorphic-git reads response bodies through a pkt-line reader that treats a read error
 * as the end of the stream: it parks the error on the body and, except after a fetch's
 * pack, never looks at it again. A ref advertisement cut short by a timeout or a dropped
 * connection then parses as "no refs" (an empty repo, a missing branch, a branch to
 * create). This wrapper watches one operation: it remembers the first body error, refuses
 * every later request of the operation with it (nothing is sent on a truncated answer's
 * word), and remembers whether a request body was sent (a push whose answer is lost may
 * have landed).
 */
import type { GitHttpResponse, HttpClient } from './http.js'

export interface WatchedHttp {
  http: HttpClient
  /** The first error raised while reading a response body, if any. */
  bodyError(): unknown
  /** Whether a POST (a request with a body) was started. */
  posted(): boolean
}

export function watchBodyErrors(http: HttpClient): WatchedHttp {
  let failure: unknown
  let posted = false
  async function* watch(body: GitHttpResponse['body']): AsyncIterableIterator<Uint8Array> {
    try {
      yield* body
    } catch (error) {
      failure ??= error
      throw error
    }
  }
  return {
    http: {
      async request(req) {
        if (failure) throw failure
        if (req.method === 'POST') posted = true
        const res = await http.request(req)
        return { ...res, body: watch(res.body) }
      },
    },
    bodyError: () => failure,
    posted: () => posted,
  }
}
