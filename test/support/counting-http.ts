/** An HTTP client that counts the bytes of every answer it receives (tests of what a fetch moves). */
import { createHttpClient, type HttpClient } from '../../src/git/http.js'

export function countingClient(token: string): HttpClient & { received: number[]; destroy(): void } {
  const inner = createHttpClient({ token })
  const received: number[] = []
  return {
    received,
    destroy: () => inner.destroy(),
    async request(req) {
      const res = await inner.request(req)
      const index = received.push(0) - 1
      const body = res.body
      return {
        ...res,
        body: (async function* () {
          for await (const chunk of body) {
            received[index] += chunk.byteLength
            yield chunk
          }
        })(),
      }
    },
  }
}
