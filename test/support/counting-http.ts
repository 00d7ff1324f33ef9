/** An HTTP client that counts the bytes of every answer it receives (tests of what a fetch moves). */
import { createHttpClient, type HttpClient } from '../../src/git/http.js'

/** One request, in the order they were made, and the bytes of its answer's body. */
export interface CountedExchange {
  /** `GET info/refs`, `POST git-upload-pack`, `POST git-receive-pack`... */
  what: string
  /** The protocol version the request asked for (`Git-Protocol`), if any. */
  protocol?: string
  bytes: number
}

export function countingClient(token: string): HttpClient & { received: number[]; exchanges: CountedExchange[]; destroy(): void } {
  const inner = createHttpClient({ token })
  const exchanges: CountedExchange[] = []
  return {
    exchanges,
    /** Bytes per exchange, in the order the requests were made. */
    get received() {
      return exchanges.map((e) => e.bytes)
    },
    destroy: () => inner.destroy(),
    async request(req) {
      const exchange: CountedExchange = { what: `${req.method ?? 'GET'} ${new URL(req.url).pathname.replace(/^.*\.git\//, '')}`, protocol: req.headers?.['git-protocol'], bytes: 0 }
      exchanges.push(exchange)
      const res = await inner.request(req)
      const body = res.body
      return {
        ...res,
        body: (async function* () {
          for await (const chunk of body) {
            exchange.bytes += chunk.byteLength
            yield chunk
          }
        })(),
      }
    },
  }
}
