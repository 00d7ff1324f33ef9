/**
 * Proxy settings read as curl reads them, against a stand-in proxy on 127.0.0.1 that refuses
 * every CONNECT with 407 and counts what reaches it (a real forward proxy, tinyproxy, is in
 * real-servers.test.ts).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createHttpClient } from '../../../src/git/http.js'

let proxy: http.Server
let proxyUrl: string
let seen: string[] = []
const saved = { ...process.env }

beforeAll(async () => {
  proxy = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    res.writeHead(407, { 'proxy-authenticate': 'Basic realm="proxy"' }).end()
  })
  proxy.on('connect', (req, socket) => {
    seen.push(`CONNECT ${req.url}`)
    socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\n\r\n')
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
})
afterAll(() => new Promise((resolve) => proxy.close(resolve)))
afterEach(() => {
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy']) {
    if (saved[name] === undefined) delete process.env[name]
    else process.env[name] = saved[name]
  }
  seen = []
})

async function failure(url: string): Promise<{ code?: string; message: string; hint?: string }> {
  const client = createHttpClient({ retries: 0 })
  try {
    await client.request({ url })
    throw new Error('the request succeeded')
  } catch (error) {
    return error as { code?: string; message: string; hint?: string }
  } finally {
    client.destroy()
  }
}

describe('proxies from the environment', () => {
  it('names a proxy that refuses the CONNECT tunnel with 407, and says what to check', async () => {
    process.env.HTTPS_PROXY = proxyUrl
    delete process.env.NO_PROXY
    delete process.env.no_proxy
    const error = await failure('https://git.example.invalid/acme/x.git/info/refs?service=git-upload-pack')
    expect(seen).toEqual(['CONNECT git.example.invalid:443'])
    expect(error).toMatchObject({ code: 'network', message: expect.stringContaining('the proxy answered HTTP 407 (proxy authentication required) to its CONNECT'), hint: expect.stringContaining('HTTPS_PROXY') })
  })

  it('takes ALL_PROXY when no proxy of the scheme is set', async () => {
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy']) delete process.env[name]
    process.env.ALL_PROXY = proxyUrl
    await failure('https://git.example.invalid/acme/x.git/info/refs?service=git-upload-pack')
    expect(seen).toEqual(['CONNECT git.example.invalid:443'])
  })

  it('sends https direct when only HTTP_PROXY is set, as curl and git do', async () => {
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy']) delete process.env[name]
    process.env.HTTP_PROXY = proxyUrl
    // A closed port on this machine: refused directly, and the proxy never hears of it.
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const error = await failure(`https://127.0.0.1:${port}/acme/x.git/info/refs?service=git-upload-pack`)
    expect(error).toMatchObject({ code: 'network', message: expect.stringContaining('ECONNREFUSED') })
    expect(seen).toEqual([])
    // ... while plain http goes through it.
    await failure(`http://127.0.0.1:${port}/acme/x.git/info/refs?service=git-upload-pack`)
    expect(seen).toEqual([expect.stringContaining(`127.0.0.1:${port}`)])
  })
})
