/** `pinbot default-branch` and its library: HEAD symref, one round trip per repo, every failure class. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { resolveAuth } from '../../../src/git/auth.js'
import { resolveDefaultBranches } from '../../../src/fleet/default-branches.js'
import { clearSecrets } from '../../../src/redact.js'
import { resolveRepo } from '../../../src/git/repo-ref.js'
import { json, runCli, runCliMany } from '../../support/cli.js'
import { Forge } from '../../support/forge.js'

let forge: Forge
beforeAll(async () => {
  forge = await Forge.start()
  await forge.createRepo('acme/trunky', { defaultBranch: 'trunk', commits: 3 })
  await forge.createRepo('acme/mainly')
  await forge.createRepo('acme/empty', { empty: true })
  await forge.createRepo('acme/open', { public: true, defaultBranch: 'develop' })
})
afterAll(() => forge.stop())
beforeEach(() => {
  forge.clearFaults()
  forge.clearLog()
  clearSecrets()
})

const rw = () => resolveAuth({ env: { PINBOT_TOKEN: forge.tokens.readWrite } })
const repos = (...names: string[]) => names.map((n) => resolveRepo(n, new URL(forge.url)))

describe('resolveDefaultBranches', () => {
  it('reads HEAD in one round trip per repo, authenticated, whatever the branch is called; one capability request for the server', async () => {
    const results = await resolveDefaultBranches(repos('acme/trunky', 'acme/mainly', 'acme/open'), { auth: rw(), concurrency: 3 })
    expect(results).toEqual([
      { repo: 'acme/trunky', branch: 'trunk' },
      { repo: 'acme/mainly', branch: 'main' },
      { repo: 'acme/open', branch: 'develop' },
    ])
    // The three start together: the first asks for the capabilities beside its ls-refs, the
    // others send ls-refs alone and take that answer.
    expect(forge.requests.map((r) => [r.repo, r.method, r.service, r.auth, r.status, r.answeredBefore])).toEqual(
      expect.arrayContaining([
        ['acme/trunky', 'GET', 'git-upload-pack', true, 200, 0],
        ['acme/trunky', 'POST', 'git-upload-pack', true, 200, 0],
        ['acme/mainly', 'POST', 'git-upload-pack', true, 200, 0],
        ['acme/open', 'POST', 'git-upload-pack', true, 200, 0],
      ]),
    )
    expect(forge.requests).toHaveLength(4)
  })

  it('reads a public repo anonymously when no token is set', async () => {
    const results = await resolveDefaultBranches(repos('acme/open'), { auth: resolveAuth({ env: {} }), concurrency: 1 })
    expect(results).toEqual([{ repo: 'acme/open', branch: 'develop' }])
    expect(forge.requests.map((r) => r.auth)).toEqual([false, false])
  })

  it('reports each failure with its own code, and the others still succeed', async () => {
    forge.inject({ kind: 'status', status: 500, repo: 'acme/mainly' })
    const results = await resolveDefaultBranches(repos('acme/empty', 'acme/nope', 'acme/mainly', 'acme/trunky'), { auth: rw(), concurrency: 2 })
    expect(results.map((r) => ('error' in r ? r.error.code : r.branch))).toEqual(['empty-repo', 'not-found', 'http', 'trunk'])
  })

  it('names the token variable in the auth hint', async () => {
    const bad = await resolveDefaultBranches(repos('acme/trunky'), { auth: resolveAuth({ env: { CI_TOKEN: 'not-a-real-token' }, tokenEnv: 'CI_TOKEN' }), concurrency: 1 })
    expect(bad[0]).toMatchObject({ error: { code: 'auth', hint: expect.stringContaining('CI_TOKEN') } })
  })

  it('reports a dropped connection as network and a hung server as timeout', async () => {
    forge.inject({ kind: 'drop', repo: 'acme/mainly' })
    forge.inject({ kind: 'hang', repo: 'acme/trunky' })
    const results = await resolveDefaultBranches(repos('acme/mainly', 'acme/trunky'), { auth: rw(), timeoutMs: 300, concurrency: 2 })
    expect(results.map((r) => 'error' in r && r.error.code)).toEqual(['network', 'timeout'])
  })

  it('reports an advertisement that breaks off as timeout or network, not as an empty repo', async () => {
    forge.inject({ kind: 'stall', repo: 'acme/trunky' })
    forge.inject({ kind: 'cut', repo: 'acme/mainly' })
    const results = await resolveDefaultBranches(repos('acme/trunky', 'acme/mainly'), { auth: rw(), timeoutMs: 300, concurrency: 2 })
    expect(results.map((r) => 'error' in r && r.error.code)).toEqual(['timeout', 'network'])
  })
})

describe('pinbot default-branch', () => {
  it('prints a table and exits 0 when every repo resolves', async () => {
    const result = await runCli(['default-branch', 'acme/trunky', forge.repoUrl('acme/mainly'), '--forge', forge.url], {
      env: { PINBOT_TOKEN: forge.tokens.readWrite },
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^REPO\s+DEFAULT BRANCH\n/)
    expect(result.stdout).toMatch(/acme\/trunky\s+trunk\n/)
    expect(result.stdout).toContain(`${forge.repoUrl('acme/mainly')}  main`)
  })

  it('prints the documented JSON and exits 1 when one repo fails', async () => {
    const result = await runCli(['default-branch', 'acme/trunky', 'acme/empty', '--forge', forge.url, '--json', '--token-env', 'DISPATCH_TOKEN'], {
      env: { DISPATCH_TOKEN: forge.tokens.readWrite },
    })
    expect(result.code).toBe(1)
    expect(json(result)).toEqual({
      results: [
        { repo: 'acme/trunky', branch: 'trunk' },
        { repo: 'acme/empty', error: { code: 'empty-repo', message: expect.stringContaining('empty'), hint: expect.any(String) } },
      ],
    })
  })

  it('gives up on a repo whose server drips its answer at the repo deadline, and reports the others', async () => {
    await forge.createRepo('acme/dripping')
    forge.inject({ kind: 'drip', dripMs: 200, repo: 'acme/dripping', service: 'git-upload-pack' })
    const result = await runCli(['default-branch', 'acme/dripping', 'acme/trunky', '--forge', forge.url, '--repo-timeout', '2', '--json', '--token-env', 'DISPATCH_TOKEN'], {
      env: { DISPATCH_TOKEN: forge.tokens.readWrite },
    })
    forge.clearFaults()
    expect(result.code).toBe(1)
    expect(json(result)).toEqual({
      results: [
        { repo: 'acme/dripping', error: { code: 'timeout', message: 'not done within the repo deadline (2 s)', hint: expect.any(String) } },
        { repo: 'acme/trunky', branch: 'trunk' },
      ],
    })
  })

  it('names the new URL of a repo whose first request was redirected, in the JSON and on stderr', async () => {
    forge.inject({ kind: 'redirect', repo: 'acme/old-trunky', location: forge.repoUrl('acme/trunky') })
    const args = ['default-branch', 'acme/old-trunky', '--forge', forge.url, '--token-env', 'DISPATCH_TOKEN']
    const env = { env: { DISPATCH_TOKEN: forge.tokens.readWrite } }
    const [machine, human] = [await runCli([...args, '--json'], env), await runCli(args, env)]
    forge.clearFaults()
    expect(json(machine)).toEqual({ results: [{ repo: 'acme/old-trunky', branch: 'trunk', movedTo: forge.repoUrl('acme/trunky') }] })
    expect(human.stderr).toContain(`acme/old-trunky: moved to ${forge.repoUrl('acme/trunky')}: update the manifest`)
  })

  it('reports a rejected token as auth, naming its variable, and never shows the token', async () => {
    const token = 'sentinel-TOKEN-0123456789'
    const result = await runCli(['default-branch', 'acme/trunky', '--forge', forge.url, '--json', '--token-env', 'DISPATCH_TOKEN'], {
      env: { DISPATCH_TOKEN: token },
    })
    expect(result.code).toBe(1)
    expect(json(result)).toEqual({
      results: [{ repo: 'acme/trunky', error: { code: 'auth', message: expect.stringContaining('401'), hint: expect.stringContaining('DISPATCH_TOKEN') } }],
    })
    expect(forge.requests.every((r) => r.auth)).toBe(true)
    const human = await runCli(['default-branch', 'acme/trunky', '--forge', forge.url], { env: { PINBOT_TOKEN: token } })
    expect(human.code).toBe(1)
    expect(human.stdout).toMatch(/error \(auth\)/)
    expect(result.stdout + result.stderr + human.stdout + human.stderr).not.toContain(token)
  })

  it('shows the empty repo as its own error in the table and exits 1', async () => {
    const result = await runCli(['default-branch', 'acme/empty', 'acme/trunky', '--forge', forge.url], { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/acme\/empty\s+error \(empty-repo\)/)
    expect(result.stdout).toMatch(/acme\/trunky\s+trunk/)
    expect(result.stderr).toContain('acme/empty: push a first commit')
  })

  it('refuses bad input with exit 2 before any request', async () => {
    const cases = [
      ['default-branch', 'acme/trunky'],
      ['default-branch', 'not a repo', '--forge', forge.url],
      ['default-branch', `http://pinbot:${forge.tokens.readWrite}@127.0.0.1:1/acme/x.git`],
      ['default-branch', 'ssh://git@example.com/acme/x.git'],
      ['default-branch', 'acme/trunky', '--forge', forge.url, '--token-env', 'UNSET_VARIABLE_FOR_TEST'],
      ['default-branch', 'acme/trunky', '--forge', forge.url, '--timeout', '0'],
      ['default-branch', 'acme/trunky', '--forge', forge.url, '--repo-timeout', '0.0001'],
    ]
    // The table in one process (cli-batch.mjs); the URL with a token in it also as its own process.
    const results = await runCliMany(cases.map((args) => ({ args })))
    results.push(await runCli(cases[2]))
    cases.push(cases[2])
    for (const [i, result] of results.entries()) {
      const args = cases[i]
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr, args.join(' ')).toMatch(/Error/)
      expect(result.stderr).not.toContain(forge.tokens.readWrite)
    }
    expect(forge.requests).toEqual([])
  })
})
