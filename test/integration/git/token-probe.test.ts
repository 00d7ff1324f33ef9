/** The cascade's token preflight against the loopback forge. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { probeToken } from '../../../src/git/token-probe.js'
import { Forge } from '../../support/forge.js'

let forge: Forge

beforeAll(async () => {
  forge = await Forge.start()
  await forge.createRepo('acme/api')
  await forge.createRepo('acme/open', { public: true })
})
afterAll(() => forge.stop())
beforeEach(() => {
  forge.clearFaults()
  forge.clearLog()
})

describe('probeToken', () => {
  it('accepts a working token with one GET and no push', async () => {
    expect(await probeToken({ url: forge.repoUrl('acme/api'), token: forge.tokens.readWrite })).toEqual({ status: 200 })
    expect(forge.requests.map((r) => [r.method, r.service, r.auth])).toEqual([['GET', 'git-receive-pack', true]])
  })

  it('stops the run as bad input when the token is rejected, naming where it came from and not the token', async () => {
    const probe = probeToken({ url: forge.repoUrl('acme/open'), token: 'revoked-token-value', tokenSource: 'FORGE_TOKEN' })
    await expect(probe).rejects.toMatchObject({ code: 'auth', exit: 2, hint: expect.stringContaining('FORGE_TOKEN') })
    const error = (await probe.catch((e: Error) => e)) as Error
    expect(`${error.message} ${(error as { hint?: string }).hint}`).not.toContain('revoked-token-value')
    expect(forge.requests).toHaveLength(1)
    expect(forge.requests[0]).toMatchObject({ method: 'GET', status: 401 })
  })

  it('leaves answers that are about one repo, not the token, to that repo', async () => {
    expect(await probeToken({ url: forge.repoUrl('acme/api'), token: forge.tokens.readOnly })).toEqual({ status: 403 })
    expect(await probeToken({ url: forge.repoUrl('acme/missing'), token: forge.tokens.readWrite })).toEqual({ status: 404 })
    forge.inject({ kind: 'hang', repo: 'acme/api' })
    expect(await probeToken({ url: forge.repoUrl('acme/api'), token: forge.tokens.readWrite, timeoutMs: 300 })).toEqual({ error: 'timeout' })
  })
})
