/** The loopback forge's own behaviours, observed through real git clients. */
import path from 'node:path'
import * as isogit from 'isomorphic-git'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createHttpClient } from '../../src/git/http.js'
import { MemoryRepo } from '../../src/git/memory-repo.js'
import { useForge } from '../support/fixtures.js'
import type { Forge } from '../support/forge.js'
import { git, gitRun } from '../support/git.js'
import type { TempDir } from '../support/tmp.js'

let forge: Forge
let work: TempDir

useForge((fixture) => ({ forge, work } = fixture))
beforeAll(async () => {
  await forge.createRepo('acme/app', { commits: 5, files: { '.runtime-version': '0.1.0\n', 'README.md': '# app\n' } })
  await forge.createRepo('acme/trunky', { defaultBranch: 'trunk' })
})
beforeEach(() => {
  forge.latencyMs = 0
})

let n = 0
const dest = () => path.join(work.dir, `clone-${++n}`)

describe('loopback forge', () => {
  it('serves repos with history and any default branch to the git CLI', async () => {
    const dir = dest()
    await git(['clone', '--quiet', forge.authedUrl('acme/app'), dir])
    expect(await git(['rev-list', '--count', 'HEAD'], { cwd: dir })).toBe('5')
    expect(await git(['show', 'HEAD:.runtime-version'], { cwd: dir })).toBe('0.1.0')
    const trunk = dest()
    await git(['clone', '--quiet', forge.authedUrl('acme/trunky'), trunk])
    expect(await git(['symbolic-ref', '--short', 'HEAD'], { cwd: trunk })).toBe('trunk')
  })

  it('answers 401 with WWW-Authenticate without a token or with a bad one', async () => {
    const anon = await gitRun(['ls-remote', forge.repoUrl('acme/app')])
    expect(anon.code).not.toBe(0)
    const bad = await gitRun(['ls-remote', forge.authedUrl('acme/app', 'wrong-token')])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/Authentication failed/)
    expect(forge.requests.map((r) => r.status)).toContain(401)
    const res = await fetch(`${forge.repoUrl('acme/app')}/info/refs?service=git-upload-pack`)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /)
  })

  it('answers 404 for an unknown repo and 403 for a push with a read-only token', async () => {
    const missing = await gitRun(['ls-remote', forge.authedUrl('acme/nope')])
    expect(missing.stderr).toMatch(/not found/i)
    expect(forge.requestsFor('acme/nope').find((r) => r.auth)?.status).toBe(404)

    const dir = dest()
    await git(['clone', '--quiet', forge.authedUrl('acme/app', forge.tokens.readOnly), dir])
    await git(['commit', '--allow-empty', '-qm', 'x'], { cwd: dir })
    const push = await gitRun(['push', 'origin', 'HEAD'], { cwd: dir })
    expect(push.code).not.toBe(0)
    expect(push.stderr).toMatch(/403/)
    expect(forge.requestsFor('acme/app', 'git-receive-pack').map((r) => r.status)).toContain(403)
  })

  it('accepts a fast-forward push, refuses a force push, and records the updates', async () => {
    await forge.createRepo('acme/ff')
    const dir = dest()
    await git(['clone', '--quiet', forge.authedUrl('acme/ff'), dir])
    await git(['commit', '--allow-empty', '-qm', 'ff'], { cwd: dir })
    await git(['push', '--quiet', 'origin', 'HEAD'], { cwd: dir })
    const post = forge.requestsFor('acme/ff', 'git-receive-pack').find((r) => r.method === 'POST')
    expect(post?.updates?.[0].ref).toBe('refs/heads/main')

    await git(['reset', '--hard', '-q', 'HEAD~1'], { cwd: dir })
    await git(['commit', '--allow-empty', '-qm', 'rewrite'], { cwd: dir })
    const force = await gitRun(['push', '--force', 'origin', 'HEAD'], { cwd: dir })
    expect(force.code).not.toBe(0)
    expect(force.stderr).toMatch(/non-fast-forward|denying/)
  })

  it('runs an injected pre-receive hook that rejects with a message', async () => {
    await forge.createRepo('acme/hooked')
    await forge.rejectPushes('acme/hooked', 'protected branch: pushes need review')
    const dir = dest()
    await git(['clone', '--quiet', forge.authedUrl('acme/hooked'), dir])
    await git(['commit', '--allow-empty', '-qm', 'x'], { cwd: dir })
    const push = await gitRun(['push', 'origin', 'HEAD'], { cwd: dir })
    expect(push.code).not.toBe(0)
    expect(push.stderr).toContain('protected branch: pushes need review')
  })

  it('can move the branch under a pusher once, to create a race', async () => {
    await forge.createRepo('acme/racy')
    await forge.raceOnce('acme/racy')
    const dir = dest()
    await git(['clone', '--quiet', forge.authedUrl('acme/racy'), dir])
    await git(['commit', '--allow-empty', '-qm', 'mine'], { cwd: dir })
    const first = await gitRun(['push', 'origin', 'HEAD'], { cwd: dir })
    expect(first.code).not.toBe(0)
    expect(await forge.readFile('acme/racy', 'RACE.txt')).toBe('raced\n')
    await git(['pull', '--rebase', '-q', 'origin', 'main'], { cwd: dir })
    await git(['push', '-q', 'origin', 'HEAD'], { cwd: dir })
    const log = await forge.git('acme/racy', ['log', '--format=%s', 'main'])
    expect(log.split('\n').slice(0, 2)).toEqual(['mine', 'racing commit'])
  })

  it('injects latency on every request', async () => {
    forge.latencyMs = 150
    const started = Date.now()
    await git(['ls-remote', forge.authedUrl('acme/app')])
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
  })

  it('injects an HTTP 500 on the nth request', async () => {
    forge.inject({ kind: 'status', status: 500, repo: 'acme/app', method: 'POST', nth: 1 })
    const dir = dest()
    const clone = await gitRun(['clone', '--quiet', forge.authedUrl('acme/app'), dir])
    expect(clone.code).not.toBe(0)
    expect(clone.stderr).toMatch(/500/)
    expect(forge.requestsFor('acme/app').map((r) => r.status)).toEqual([401, 200, 500])
  })

  it('drops a connection and hangs a request (seen by isomorphic-git with a timeout)', async () => {
    forge.inject({ kind: 'drop', repo: 'acme/app', nth: 1 })
    // No retries: the client would read again past a dropped connection, and this tests the forge's drop.
    const client = createHttpClient({ token: forge.tokens.readWrite, timeoutMs: 500, retries: 0 })
    await expect(isogit.getRemoteInfo({ http: client, url: forge.repoUrl('acme/app') })).rejects.toMatchObject({ code: 'network' })
    forge.clearFaults()
    forge.inject({ kind: 'hang', repo: 'acme/app' })
    await expect(isogit.getRemoteInfo({ http: client, url: forge.repoUrl('acme/app') })).rejects.toMatchObject({ code: 'timeout' })
    client.destroy()
  })

  it('records each request with its service and whether auth was sent up front', async () => {
    const client = createHttpClient({ token: forge.tokens.readWrite })
    await new MemoryRepo(forge.repoUrl('acme/app'), client).fetch()
    client.destroy()
    // The capabilities and ls-refs (protocol v2, together), then the pack.
    expect(forge.requests.map((r) => [r.method, r.service, r.auth, r.status, r.protocol]).sort()).toEqual([
      ['GET', 'git-upload-pack', true, 200, 'version=2'],
      ['POST', 'git-upload-pack', true, 200, undefined],
      ['POST', 'git-upload-pack', true, 200, 'version=2'],
    ])
  })

  it('serves public repos to anonymous readers only', async () => {
    await forge.createRepo('acme/open', { public: true })
    expect((await gitRun(['ls-remote', forge.repoUrl('acme/open')])).code).toBe(0)
    const res = await fetch(`${forge.repoUrl('acme/open')}/info/refs?service=git-receive-pack`)
    expect(res.status).toBe(401)
  })

  it('listens on loopback only', () => {
    expect(new URL(forge.url).hostname).toBe('127.0.0.1')
  })
})
