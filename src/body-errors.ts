/**
 * isomorphic-git reads response bodies through a pkt-line reader that treats a read error
 * as the end of the stream: it parks the error on the body and, except after a fetch's
 * pack, never looks at it again. A ref advertisement cut short by a timeout or a dropped
 * connection then parses as "no refs" (an empty repo, a missing branch, a branch to
 * create). This wrapper watches one operation: it remembers the first body error and
 * refuses every later request of the operation with it (nothing is sent on a truncated
 * answer's word).
 */
import type { GitHttpResponse, HttpClient } from './http.js'

export interface WatchedHttp {
  http: HttpClient
  /** The first error raised while reading a response body, if any. */
  bodyError(): unknown
}

export function watchBodyErrors(http: HttpClient): WatchedHttp {
  let failure: unknown
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
        const res = await http.request(req)
        return { ...res, body: watch(res.body) }
      },
    },
    bodyError: () => failure,
  }
}
