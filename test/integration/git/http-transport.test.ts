/**
 * The HTTP layer against the loopback forge, as git behaves: User-Agent, trailing slashes,
 * redirects on a repo's first request (same origin, other origin without the token),
 * transient faults retried for reads only, a lost push answer re-read instead of resent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpClient, scopedHttp, USER_AGENT } from '../../../src/git/http.js'
import { pinRemote } from '../../../src/pin/remote-pin.js'
import { resolveRepo } from '../../../src/git/repo-ref.js'
import { Forge } from '../../support/forge.js'

let forge: Forge
let other: Forge
const identity = { name: 'pinbot', email: 'pinbot@example.com' }

beforeAll(async () => {
  ;[forge, other] = await Promise.all([Forge.start(), Forge.start()])
})
afterAll(() => Promise.all([forge.stop(), other.stop()]))

function pin(url: string, options: { http?: ReturnType<typeof createHttpClient>; token?: string } = {}) {
  const log: string[] = []
  const http = options.http ?? createHttpClient({ token: options.token ?? forge.tokens.readWrite, retryDelayMs: 10 })
  return pinRemote({ repo: resolveRepo(url), version: '0.2.0', http, identity, message: 'chore: pin {version}', onLog: (line) => log.push(line) })
    .then((result) => ({ result, log }))
    .finally(() => options.http || http.destroy())
}

describe('HTTP transport', () => {
  it('sends User-Agent pinbot/VERSION and drops a clone URL\'s trailing slash', async () => {
    await forge.createRepo('acme/slash')
    const { result } = await pin(`${forge.repoUrl('acme/slash')}/`)
    expect(result.outcome).toBe('updated')
    const requests = forge.requestsFor('acme/slash')
    expect(USER_AGENT).toMatch(/^pinbot\/\d+\.\d+\.\d+/)
    expect(requests.every((r) => r.userAgent === USER_AGENT && !r.path.includes('//'))).toBe(true)
  })

  it('follows a same-origin redirect on the first request, pushes to the new base and names it', async () => {
    await forge.createRepo('acme/renamed')
    forge.inject({ kind: 'redirect', repo: 'acme/old-name', location: forge.repoUrl('acme/renamed') })
    const { result, log } = await pin(forge.repoUrl('acme/old-name'))
    forge.clearFaults()
    expect(result).toMatchObject({ outcome: 'updated', movedTo: forge.repoUrl('acme/renamed') })
    expect(log.join('\n')).toMatch(/update the manifest/)
    // The first round trip only (the capability GET and the ls-refs POST sent with it); the POST is re-sent to the new base.
    expect(forge.requestsFor('acme/old-name').map((r) => `${r.method} ${r.service}`).sort()).toEqual(['GET git-upload-pack', 'POST git-upload-pack'])
    expect(forge.requestsFor('acme/renamed', 'git-receive-pack').filter((r) => r.method === 'POST')).toHaveLength(1)
    expect(await forge.readFile('acme/renamed', '.runtime-version')).toBe('0.2.0\n')
  })

  it('never sends the token to the origin a redirect leads to', async () => {
    await other.createRepo('acme/moved', { public: true })
    forge.inject({ kind: 'redirect', repo: 'acme/away', location: other.repoUrl('acme/moved') })
    const { result } = await pin(forge.repoUrl('acme/away'))
    forge.clearFaults()
    expect(other.requestsFor('acme/moved').length).toBeGreaterThan(0)
    expect(other.requestsFor('acme/moved').every((r) => !r.auth)).toBe(true)
    // Read anonymously; the push, without the token, is refused honestly.
    expect(result).toMatchObject({
      outcome: 'failed',
      reason: 'auth',
      movedTo: other.repoUrl('acme/moved'),
      // Not "check the token": it never went there.
      error: { message: expect.stringContaining(`the repo moved to ${other.repoUrl('acme/moved')}, another origin, where the token is not sent`), hint: expect.stringContaining('update the manifest') },
    })
  })

  it('never sends the token to the new origin, also when a lost push answer makes the repo read again there', async () => {
    // v1 only: the re-read starts with a GET of info/refs, a repo's first request, sent to the new base.
    await other.createRepo('acme/moved-again', { public: true, noProtocolV2: true })
    forge.inject({ kind: 'redirect', repo: 'acme/away-again', location: other.repoUrl('acme/moved-again') })
    other.inject({ kind: 'drop', repo: 'acme/moved-again', service: 'git-receive-pack', method: 'POST' })
    const { result, log } = await pin(forge.repoUrl('acme/away-again'))
    forge.clearFaults()
    other.clearFaults()
    expect(log.join('\n')).toMatch(/may or may not have landed: re-reading/)
    expect(other.requestsFor('acme/moved-again').filter((r) => r.method === 'GET').length).toBeGreaterThan(1)
    expect(other.requestsFor('acme/moved-again').every((r) => !r.auth)).toBe(true)
    expect(result.outcome).toBe('failed')
  })

  it('refuses a redirect loop after a bounded number of hops', async () => {
    forge.inject({ kind: 'redirect', repo: 'acme/loop', location: forge.repoUrl('acme/loop') })
    const { result } = await pin(forge.repoUrl('acme/loop'))
    forge.clearFaults()
    expect(result).toMatchObject({ outcome: 'failed', reason: 'redirect', error: { message: expect.stringContaining('more than 5 redirects') } })
  })

  it('fails a repo whose redirect names no URL with a redirect error that quotes it', async () => {
    forge.inject({ kind: 'redirect', repo: 'acme/bad-location', location: 'http://[bad' })
    const { result } = await pin(forge.repoUrl('acme/bad-location'))
    forge.clearFaults()
    expect(result).toMatchObject({ outcome: 'failed', reason: 'redirect', error: { message: expect.stringContaining('which is not a URL') } })
    expect(result.error?.message).toContain('http://[bad')
  })

  it('retries a read after 502 and 503 (honouring Retry-After), each attempt in the repo log', async () => {
    await forge.createRepo('acme/flaky')
    forge.inject({ kind: 'status', status: 502, repo: 'acme/flaky', service: 'git-upload-pack', method: 'GET', nth: 1 })
    // The second POST: the fetch (the first, ls-refs, went out with the GET).
    forge.inject({ kind: 'status', status: 503, headers: { 'retry-after': '1' }, repo: 'acme/flaky', service: 'git-upload-pack', method: 'POST', nth: 2 })
    const http = createHttpClient({ token: forge.tokens.readWrite, retryDelayMs: 10 })
    const log: string[] = []
    const result = await pinRemote({ repo: resolveRepo(forge.repoUrl('acme/flaky')), version: '0.2.0', http: scopedHttp(http, { log: (line) => log.push(line) }), identity, message: 'pin' })
    http.destroy()
    forge.clearFaults()
    expect(result.outcome).toBe('updated')
    const retries = log.filter((line) => line.includes('; retry '))
    expect(retries).toEqual([expect.stringContaining('HTTP 502; retry 1 of 3'), expect.stringContaining('HTTP 503; retry 1 of 3')])
    expect(Number(/in (\d+) ms/.exec(retries[1])![1])).toBeGreaterThanOrEqual(1000)
  })

  it('pin --remote retries a read answered 429, honouring Retry-After (a one-repo client has no origin-wide pacing)', async () => {
    await forge.createRepo('acme/slow-down')
    forge.inject({ kind: 'status', status: 429, headers: { 'retry-after': '1' }, repo: 'acme/slow-down', service: 'git-upload-pack', method: 'POST', nth: 1 })
    const log: string[] = []
    const result = await pinRemote({ repo: resolveRepo(forge.repoUrl('acme/slow-down')), version: '0.2.0', auth: { token: forge.tokens.readWrite }, identity, message: 'chore: pin {version}', onLog: (line) => log.push(line) })
    forge.clearFaults()
    expect(result.outcome).toBe('updated')
    expect(log.filter((line) => line.includes('; retry '))).toEqual([expect.stringMatching(/HTTP 429; retry 1 of 3 in \d{4,} ms/)])
  })

  it('never resends a push blindly: after a gateway 502 or a lost answer the tip is read again, and the push sent again only if it had not landed', async () => {
    await forge.createRepo('acme/push-502')
    // The gateway answered 502 and the push never reached git: the re-read finds the old tip.
    forge.inject({ kind: 'status', status: 502, repo: 'acme/push-502', service: 'git-receive-pack', method: 'POST', nth: 1 })
    const gateway = await pin(forge.repoUrl('acme/push-502'))
    forge.clearFaults()
    expect(gateway.result).toMatchObject({ outcome: 'updated', attempts: 2 })
    expect(gateway.log.join('\n')).toMatch(/HTTP 502[^\n]*may or may not have landed: re-reading/)
    const sequence = forge.requestsFor('acme/push-502').map((r) => `${r.method} ${r.service}`)
    expect(sequence.filter((r) => r === 'POST git-receive-pack')).toHaveLength(2)
    expect(sequence.lastIndexOf('POST git-upload-pack')).toBeGreaterThan(sequence.indexOf('POST git-receive-pack'))
    expect((await forge.history('acme/push-502'))[0]).toBe(gateway.result.commit)

    await forge.createRepo('acme/push-cut')
    forge.inject({ kind: 'cut', repo: 'acme/push-cut', service: 'git-receive-pack', method: 'POST' })
    const { result, log } = await pin(forge.repoUrl('acme/push-cut'))
    forge.clearFaults()
    expect(result).toMatchObject({ outcome: 'updated', attempts: 2 })
    expect(log.join('\n')).toMatch(/may or may not have landed: re-reading[\s\S]*the earlier push had landed/)
    expect(forge.requestsFor('acme/push-cut', 'git-receive-pack')).toHaveLength(1)
    expect((await forge.history('acme/push-cut'))[0]).toBe(result.commit)
  })
})
