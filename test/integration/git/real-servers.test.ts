/**
 * pinbot behind real servers: nginx + fcgiwrap serving `git http-backend` over TLS with a
 * CA generated here (trusted through NODE_EXTRA_CA_CERTS), and tinyproxy as the
 * HTTPS_PROXY, bypassed by NO_PROXY. Each test's servers start and stop with the file.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, runCli } from '../../support/cli.js'
import { Forge } from '../../support/forge.js'
import { tempDir, type TempDir } from '../../support/tmp.js'
import { createTestCa, startGitNginx, startTinyproxy, type GitNginx, type TestCa, type Tinyproxy } from '../../support/web-servers.js'

let forge: Forge
let tmp: TempDir
let ca: TestCa
let nginx: GitNginx
let proxy: Tinyproxy
const TOKEN = `tok/${'x'.repeat(8)}+=secret`

beforeAll(async () => {
  ;[forge, tmp] = await Promise.all([Forge.start(), tempDir()])
  ca = await createTestCa(tmp.dir)
  ;[nginx, proxy] = await Promise.all([
    startGitNginx({
      projectRoot: forge.root,
      user: 'pinbot',
      password: TOKEN,
      authFor: 'all',
      tls: ca,
      // A renamed repo answers 301 to plain http: git never follows https -> http.
      extraLocations: `location /acme/downgrade.git/ { rewrite ^/acme/downgrade.git/(.*)$ ${forge.url}/acme/app.git/$1 permanent; }`,
    }),
    startTinyproxy(),
  ])
}, 30_000)
afterAll(() => Promise.all([nginx?.stop(), proxy?.stop(), forge?.stop(), tmp?.cleanup()]))

const env = (extra: Record<string, string | undefined> = {}) => ({
  PINBOT_TOKEN: TOKEN,
  NODE_EXTRA_CA_CERTS: ca.caFile,
  HTTPS_PROXY: undefined,
  https_proxy: undefined,
  HTTP_PROXY: undefined,
  http_proxy: undefined,
  NO_PROXY: undefined,
  no_proxy: undefined,
  ...extra,
})

describe('behind nginx over TLS', () => {
  it('pins over https with a private CA trusted through NODE_EXTRA_CA_CERTS', async () => {
    await forge.createRepo('acme/tls')
    const run = await runCli(['pin', '0.2.0', '--remote', `${nginx.url}/acme/tls.git/`, '--json', '--no-sign', '--author-name', 'bot', '--author-email', 'bot@example.com'], { env: env() })
    expect(json(run), run.stderr).toMatchObject({ outcome: 'updated', after: '0.2.0' })
    expect(await forge.readFile('acme/tls', '.runtime-version')).toBe('0.2.0\n')
    const log = await nginx.accessLog()
    expect(log.filter((line) => line.includes('/acme/tls.git'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^GET \/acme\/tls\.git\/info\/refs\?service=git-upload-pack 200 1 "pinbot\//)]),
    )
    expect(log.some((line) => line.includes('//info/refs'))).toBe(false)
  })

  it('names the certificate problem and NODE_EXTRA_CA_CERTS when the CA is not trusted', async () => {
    await forge.createRepo('acme/untrusted')
    const run = await runCli(['pin', '0.2.0', '--remote', `${nginx.url}/acme/untrusted.git`, '--json', '--no-sign', '--author-name', 'bot', '--author-email', 'bot@example.com'], { env: env({ NODE_EXTRA_CA_CERTS: undefined }) })
    const result = json<{ outcome: string; error: { code: string; message: string; hint: string } }>(run)
    expect(result.outcome).toBe('failed')
    expect(result.error.code).toBe('certificate')
    expect(result.error.message).toMatch(/CA|certificate/)
    expect(result.error.hint).toContain('NODE_EXTRA_CA_CERTS')
  })

  it('refuses a redirect from https to http, and the token never reaches the http server', async () => {
    await forge.createRepo('acme/app')
    forge.clearLog()
    const run = await runCli(['pin', '0.2.0', '--remote', `${nginx.url}/acme/downgrade.git`, '--json', '--no-sign', '--author-name', 'bot', '--author-email', 'bot@example.com'], { env: env() })
    expect(json(run)).toMatchObject({ outcome: 'failed', error: { code: 'redirect', message: expect.stringContaining('from https to') } })
    expect(forge.requests).toEqual([])
  })

  it('goes through HTTPS_PROXY (CONNECT), and around it for hosts in NO_PROXY', async () => {
    await forge.createRepo('acme/proxied')
    const port = new URL(nginx.url).port
    const through = await runCli(['pin', '0.2.0', '--remote', `${nginx.url}/acme/proxied.git`, '--json', '--no-sign', '--author-name', 'bot', '--author-email', 'bot@example.com'], { env: env({ https_proxy: proxy.url }) })
    expect(json(through), JSON.stringify(json(through))).toMatchObject({ outcome: "updated" })
    const connects = () => proxy.log().then((log) => log.split('\n').filter((line) => line.includes(`CONNECT 127.0.0.1:${port}`)).length)
    expect(await connects()).toBeGreaterThan(0)
    const before = await connects()

    await forge.createRepo('acme/direct')
    const around = await runCli(['pin', '0.2.0', '--remote', `${nginx.url}/acme/direct.git`, '--json', '--no-sign', '--author-name', 'bot', '--author-email', 'bot@example.com'], { env: env({ HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }) })
    expect(json(around), around.stderr).toMatchObject({ outcome: 'updated' })
    expect(await connects()).toBe(before)
  })
})

describe('behind nginx with anonymous reads and authenticated pushes', () => {
  it('catches a wrong token before any push (exit 2, nothing pushed); the right one pins', async () => {
    const open = await startGitNginx({ projectRoot: forge.root, user: 'pinbot', password: TOKEN, authFor: 'push' })
    try {
      await Promise.all(['anon/a', 'anon/b'].map((name) => forge.createRepo(name)))
      const manifest = path.join(tmp.dir, 'anon.json')
      await writeFile(manifest, JSON.stringify({ forge: open.url, repos: ['anon/a', 'anon/b'] }))
      const args = ['cascade', '--manifest', manifest, '--version', '0.2.0', '--no-sign', '--author-name', 'bot', '--author-email', 'bot@example.com']
      const wrong = await runCli(args, { env: env({ PINBOT_TOKEN: 'wrong-token-value' }) })
      expect(wrong.code, wrong.stderr).toBe(2)
      expect(wrong.stderr).toMatch(/rejected the token \(HTTP 401[^\n]*nothing was pushed/)
      expect((await open.accessLog()).filter((line) => line.startsWith('POST') && line.includes('git-receive-pack'))).toEqual([])
      expect(await forge.readFile('anon/a', '.runtime-version')).toBe('0.1.0\n')

      const right = await runCli([...args, '--json'], { env: env() })
      expect(json<{ counts: Record<string, number> }>(right).counts).toMatchObject({ updated: 2 })
    } finally {
      await open.stop()
    }
  })
})
