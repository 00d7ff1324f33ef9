/** `pinbot pin VERSION --remote URL`, run as a user would, against the loopback forge. */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseAnnotations } from '../../support/actions.js'
import { json, runCli, runCliMany, runCliTimed } from '../../support/cli.js'
import { useSigningForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { git, gitRun } from '../../support/git.js'
import type { GnupgHome } from '../../support/gpg.js'
import { signingEnv, type TestKey } from '../../support/keys.js'
import type { TempDir } from '../../support/tmp.js'

const TEMPLATE = { '.runtime-version': '0.1.0\n', 'Dockerfile': 'FROM runtime\n', '.github/workflows/publish-image.yml': 'on: push\n' }
const SENTINEL = 'sentinel-token-4b8e2f6a1d'

let forge: Forge
let key: TestKey
let gnupg: GnupgHome
let work: TempDir
let n = 0
useSigningForge((fixture) => ({ forge, key, gnupg, work } = fixture))

async function repo(fixture: Parameters<Forge['createRepo']>[1] = {}): Promise<string> {
  const name = `acme/cli-${++n}`
  await forge.createRepo(name, { files: TEMPLATE, commits: 3, ...fixture })
  return name
}

const env = (extra: Record<string, string> = {}) => ({ PINBOT_TOKEN: forge.tokens.readWrite, ...signingEnv(key, true), ...extra })

describe('pinbot pin --remote', () => {
  it('pushes a signed pin to the default branch that GnuPG verifies, then exits promptly', async () => {
    const name = await repo({ defaultBranch: 'trunk' })
    const result = await runCliTimed(['pin', '0.2.0', '--remote', forge.repoUrl(name), '--co-author', 'Release Manager <rm@example.com>'], { env: env() })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^updated: ${forge.repoUrl(name)} \\(trunk\\): 0\\.1\\.0 -> 0\\.2\\.0; pushed [0-9a-f]{40} \\(signed by key ${key.fingerprint}\\)\\n$`))
    // A lingering timer or socket would keep the process alive; allow seconds.
    expect(result.lingerMs).toBeLessThan(3000)
    const dir = path.join(work.dir, `clone-${++n}`)
    await git(['clone', '--quiet', forge.authedUrl(name), dir])
    const verified = await gitRun(['verify-commit', 'HEAD'], { cwd: dir, env: gnupg.env })
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stderr).toContain('Good signature from "Pin Bot <pinbot@example.com>"')
    expect(await git(['show', 'HEAD:.runtime-version'], { cwd: dir })).toBe('0.2.0')
    expect(await git(['log', '-1', '--format=%B'], { cwd: dir })).toBe('chore: pin runtime to 0.2.0\n\nCo-Authored-By: Release Manager <rm@example.com>')
  })

  it('prints the documented JSON: updated, then unchanged on a re-run with no push', async () => {
    const name = await repo()
    const args = ['pin', '0.2.0', '--remote', name, '--forge', forge.url, '--json', '--no-sign', '--author-name', 'Pin Bot', '--author-email', 'pinbot@example.com']
    const first = await runCli(args, { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
    expect(first.code).toBe(0)
    const updated = json(first)
    expect(updated).toEqual({ repo: name, branch: 'main', outcome: 'updated', reason: null, before: '0.1.0', after: '0.2.0', commit: expect.stringMatching(/^[0-9a-f]{40}$/), attempts: 1 })
    expect(await forge.git(name, ['rev-parse', 'main'])).toBe(updated.commit)
    forge.clearLog()
    const second = await runCli(args, { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
    expect(second.code).toBe(0)
    expect(json(second)).toEqual({ repo: name, branch: 'main', outcome: 'unchanged', reason: null, before: '0.2.0', after: '0.2.0', commit: null, attempts: 1 })
    expect(forge.requestsFor(name, 'git-receive-pack').filter((r) => r.method === 'POST')).toEqual([])
  })

  it('exits 1 for a refused downgrade, 0 for a skip asked for by --require-file, 0 for a dry run that pushes nothing', async () => {
    const higher = await repo({ files: { ...TEMPLATE, '.runtime-version': '0.3.0\n' } })
    const downgrade = await runCli(['pin', '0.2.0', '--remote', forge.repoUrl(higher), '--json'], { env: env() })
    expect(downgrade.code).toBe(1)
    expect(json(downgrade)).toMatchObject({ outcome: 'skipped', reason: 'downgrade', before: '0.3.0' })

    const plain = await repo({ files: { '.runtime-version': '0.1.0\n' } })
    const skipped = await runCli(['pin', '0.2.0', '--remote', forge.repoUrl(plain), '--require-file', '.github/workflows/publish-image.yml'], { env: env() })
    expect(skipped.code).toBe(0)
    expect(skipped.stdout).toContain('skipped:')

    const dry = await repo()
    const dryRun = await runCli(['pin', '0.2.0', '--remote', forge.repoUrl(dry), '--dry-run', '--json'], { env: env() })
    expect(dryRun.code).toBe(0)
    expect(json(dryRun)).toMatchObject({ outcome: 'updated', dryRun: true, commit: expect.stringMatching(/^[0-9a-f]{40}$/) })
    expect(forge.requestsFor(dry, 'git-receive-pack')).toEqual([])
    expect(await forge.readFile(dry, '.runtime-version')).toBe('0.1.0\n')
  })

  it('reports a rejected token as a failure with its code and hint, exit 1, and never shows the token', async () => {
    const name = await repo()
    const asJson = await runCli(['pin', '0.2.0', '--remote', forge.repoUrl(name), '--json', '--token-env', 'DISPATCH_TOKEN'], {
      env: { ...signingEnv(key, true), DISPATCH_TOKEN: SENTINEL },
    })
    expect(asJson.code).toBe(1)
    expect(json(asJson)).toMatchObject({
      outcome: 'failed',
      reason: 'auth',
      attempts: 1,
      error: { code: 'auth', hint: 'the token was rejected or is missing; check DISPATCH_TOKEN' },
    })
    const human = await runCli(['pin', '0.2.0', '--remote', forge.repoUrl(name)], { env: { ...signingEnv(key, true), PINBOT_TOKEN: SENTINEL } })
    expect(human.code).toBe(1)
    expect(human.stdout).toBe('')
    expect(human.stderr).toMatch(/^failed: .*authentication failed/)
    expect(human.stderr).toContain('Hint: the token was rejected or is missing; check PINBOT_TOKEN')
    for (const output of [asJson.stdout, asJson.stderr, human.stdout, human.stderr]) {
      expect(output).not.toContain(SENTINEL)
      expect(output).not.toContain(Buffer.from(`pinbot:${SENTINEL}`).toString('base64'))
    }
  })

  it('reports a hook rejection with the server message', async () => {
    const name = await repo()
    await forge.rejectPushes(name, 'protected branch: pushes need review')
    const result = await runCli(['pin', '0.2.0', '--remote', forge.repoUrl(name), '--json'], { env: env({ GITHUB_ACTIONS: 'true' }) })
    expect(result.code).toBe(1)
    expect(json(result)).toMatchObject({ outcome: 'failed', error: { code: 'rejected', message: expect.stringContaining('protected branch: pushes need review') } })
    // In Actions: one annotation on stderr, titled as every pinbot annotation is.
    const annotations = parseAnnotations(result.stderr)
    expect(annotations).toEqual([{ properties: { title: `pinbot pin: ${forge.repoUrl(name)} (main)` }, message: expect.stringContaining('protected branch: pushes need review') }])
  })

  it('refuses bad input with exit 2 before any request', async () => {
    const name = await repo()
    const url = forge.repoUrl(name)
    const cases: [string[], Record<string, string>][] = [
      [['pin', '0.2.0', '--remote', url, '--dir', '.'], env()],
      [['pin', '0.2.0', '--remote', url, '--commit'], env()],
      [['pin', '0.2.0', '--branch', 'main'], env()],
      [['pin', '0.2.0', '--remote', name], env()],
      [['pin', 'v0.2.0', '--remote', url], env()],
      [['pin', '0.2.0', '--remote', url.replace('http://', `http://bot:${SENTINEL}@`)], env()],
      [['pin', '0.2.0', '--remote', url, '--timeout', 'soon'], env()],
      // Under a millisecond: 0 ms would switch the idle timeout off.
      [['pin', '0.2.0', '--remote', url, '--timeout', '0.0004'], env()],
      [['pin', '0.2.0', '--remote', url, '--token-env', 'UNSET_FOR_TEST'], env()],
      [['pin', '0.2.0', '--remote', url], { PINBOT_TOKEN: forge.tokens.readWrite }],
      [['pin', '0.2.0', '--remote', url, '--retries', '-1'], env()],
      // Branch names as git check-ref-format --branch judges them; size limits as NAME=SIZE.
      [['pin', '0.2.0', '--remote', url, '--branch', '../../x'], env()],
      [['pin', '0.2.0', '--remote', url, '--branch=-x'], env()],
      [['pin', '0.2.0', '--remote', url, '--limit', 'pack=lots'], env()],
      [['pin', '0.2.0', '--remote', url, '--limit', 'toString=1MB'], env()],
      [['pin', '0.2.0', '--remote', url, '--limit', 'pack=0.4'], env()],
      [['pin', '0.2.0', '--remote', url, '--limit', 'pack=99999999999999999999GB'], env()],
    ]
    // The table in one process; the case with a password in the URL also as its own process, as a user runs it.
    const results = await runCliMany(cases.map(([args, e]) => ({ args, env: e })))
    results.push(await runCli(cases[5][0], { env: cases[5][1] }))
    cases.push(cases[5])
    for (const [i, result] of results.entries()) {
      const label = cases[i][0].join(' ')
      expect(result.code, `${label}\n${result.stderr}`).toBe(2)
      expect(result.stderr + result.stdout).not.toContain(SENTINEL)
    }
    expect(forge.requestsFor(name)).toEqual([])
  })
})
