/** The cascade's token check against the loopback forge: one push-service GET per origin, and pushes held until every origin answered. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createHttpClient } from '../../../src/git/http.js'
import { checkToken } from '../../../src/git/token-probe.js'
import { Forge } from '../../support/forge.js'

let forge: Forge

beforeAll(async () => {
  forge = await Forge.start()
  await forge.createRepo('acme/api')
  await forge.createRepo('acme/web')
  await forge.createRepo('acme/open', { public: true })
})
afterAll(() => forge.stop())
beforeEach(() => {
  forge.clearFaults()
  forge.clearLog()
})

function check(token: string, repos: string[], deadlineMs = 10_000) {
  const http = createHttpClient({ token, retryDelayMs: 10 })
  const result = checkToken({ urls: repos.map((repo) => forge.repoUrl(repo)), http, tokenSource: 'FORGE_TOKEN', deadlineMs })
  void result.verdict.finally(() => http.destroy()).catch(() => {})
  return result
}

describe('checkToken', () => {
  it('confirms a working token with one GET per origin, and no push', async () => {
    const { verdict, beforePush } = check(forge.tokens.readWrite, ['acme/api', 'acme/web'])
    await verdict
    await beforePush(forge.repoUrl('acme/web'))
    expect(forge.requests.map((r) => [r.method, r.service, r.auth])).toEqual([['GET', 'git-receive-pack', true]])
  })

  it('stops the run as bad input when the token is rejected, naming where it came from and not the token', async () => {
    const { verdict, beforePush } = check('revoked-token-value', ['acme/open'])
    await expect(verdict).rejects.toMatchObject({ code: 'auth', exit: 2, hint: expect.stringContaining('FORGE_TOKEN'), message: expect.stringContaining('nothing was pushed') })
    await expect(beforePush(forge.repoUrl('acme/open'))).rejects.toMatchObject({ code: 'auth' })
    const error = (await verdict.catch((e: Error) => e)) as Error
    expect(`${error.message} ${(error as { hint?: string }).hint}`).not.toContain('revoked-token-value')
  })

  it('catches a read-only token before any push (403 on the push service)', async () => {
    await expect(check(forge.tokens.readOnly, ['acme/api']).verdict).rejects.toMatchObject({ code: 'forbidden', exit: 2 })
  })

  it('asks the next repo when one moved to another origin, which never sees the token: its 401 says nothing of the token here', async () => {
    const other = await Forge.start()
    try {
      await other.createRepo('acme/moved')
      forge.inject({ kind: 'redirect', repo: 'acme/renamed-away', location: other.repoUrl('acme/moved') })
      const { verdict, beforePush } = check(forge.tokens.readWrite, ['acme/renamed-away', 'acme/api'])
      await verdict
      await beforePush(forge.repoUrl('acme/api'))
      expect(other.requests.every((r) => !r.auth)).toBe(true)
      expect(forge.requestsFor('acme/api').map((r) => [r.method, r.service, r.auth])).toEqual([['GET', 'git-receive-pack', true]])
    } finally {
      await other.stop()
    }
  })

  it('asks the next repo after a 404; an origin that cannot confirm gets no push, the verdict stands', async () => {
    const missing = check(forge.tokens.readWrite, ['acme/missing', 'acme/api'])
    await missing.verdict
    await missing.beforePush(forge.repoUrl('acme/api'))
    expect(forge.requests.map((r) => r.status)).toEqual([404, 200])

    forge.inject({ kind: 'hang', repo: 'acme/api' })
    const hung = check(forge.tokens.readWrite, ['acme/api'], 500)
    await hung.verdict
    await expect(hung.beforePush(forge.repoUrl('acme/api'))).rejects.toMatchObject({ message: expect.stringMatching(/did not finish.*nothing is pushed there/) })
  })
})
