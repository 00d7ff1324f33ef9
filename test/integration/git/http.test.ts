/** The HTTP client's typed failures when an answer breaks off after its headers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpClient, scopedHttp } from '../../../src/git/http.js'
import { Forge } from '../../support/forge.js'

let forge: Forge
beforeAll(async () => {
  forge = await Forge.start()
  await forge.createRepo('acme/app')
})
afterAll(() => forge.stop())

async function readAll(body: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0
  for await (const chunk of body) bytes += chunk.length
  return bytes
}

describe('createHttpClient', () => {
  const url = () => `${forge.repoUrl('acme/app')}/info/refs?service=git-upload-pack`

  it('fails a body that stalls after the headers with a timeout, instead of waiting forever', async () => {
    forge.inject({ kind: 'stall', repo: 'acme/app', nth: 1 })
    const client = createHttpClient({ token: forge.tokens.readWrite, timeoutMs: 300, retries: 0 })
    // A read is taken whole by the client (so that it can be retried): the stall fails the request.
    await expect(client.request({ url: url() })).rejects.toMatchObject({ code: 'timeout' })
    client.destroy()
    forge.clearFaults()
  })

  it('fails a body cut off by a closed connection with a network error', async () => {
    forge.inject({ kind: 'cut', repo: 'acme/app', nth: 1 })
    const client = createHttpClient({ token: forge.tokens.readWrite, retries: 0 })
    await expect(client.request({ url: url() })).rejects.toMatchObject({ code: 'network', message: expect.stringContaining('while reading the response') })
    client.destroy()
    forge.clearFaults()
  })

  it('retries a read whose answer stalls or is cut off, and the retry is in the log', async () => {
    forge.inject({ kind: 'cut', repo: 'acme/app', nth: 1 })
    const log: string[] = []
    const client = createHttpClient({ token: forge.tokens.readWrite, retryDelayMs: 10 })
    const res = await scopedHttp(client, { log: (line) => log.push(line) }).request({ url: url() })
    expect(res.statusCode).toBe(200)
    expect(await readAll(res.body)).toBeGreaterThan(100)
    expect(log).toEqual([expect.stringMatching(/^GET .*info\/refs: .*while reading the response.*; retry 1 of 3 in \d+ ms$/)])
    client.destroy()
    forge.clearFaults()
  })
})
