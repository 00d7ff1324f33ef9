import { afterEach, describe, expect, it } from 'vitest'
import { failedRepos, rerunCommand, runCascade, shellQuote, type CascadeEvent } from '../../../src/fleet/cascade.js'
import { PinbotError } from '../../../src/errors.js'
import type { ManifestRepo } from '../../../src/fleet/manifest.js'
import type { PinResult } from '../../../src/pin/pin-result.js'
import { clearSecrets, registerSecret } from '../../../src/redact.js'

const repo = (name: string, branch?: string): ManifestRepo => ({ name, url: `https://forge.test/${name}.git`, ...(branch && { branch }) })

const result = (name: string, outcome: PinResult['outcome'], extra: Partial<PinResult> = {}): PinResult => ({
  repo: name,
  branch: 'main',
  outcome,
  attempts: 1,
  durationMs: 5,
  ...extra,
})

afterEach(() => clearSecrets())

describe('runCascade', () => {
  it('pins every repo, keeps manifest order, counts outcomes, and echoes version and dry run', async () => {
    const outcomes: Record<string, PinResult['outcome']> = { 'a/up': 'updated', 'a/same': 'unchanged', 'a/skip': 'skipped', 'a/bad': 'failed' }
    const repos = Object.keys(outcomes).map((name) => repo(name))
    const report = await runCascade({
      repos,
      version: '0.1.8',
      concurrency: 4,
      dryRun: true,
      // Finish in reverse order, to show order comes from the manifest.
      pinOne: async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 40 - 10 * repos.indexOf(r)))
        return result(r.name, outcomes[r.name])
      },
    })
    expect(report.version).toBe('0.1.8')
    expect(report.dryRun).toBe(true)
    expect(report.results.map((r) => [r.repo, r.outcome])).toEqual(Object.entries(outcomes))
    expect(report.counts).toEqual({ updated: 1, unchanged: 1, skipped: 1, failed: 1 })
    expect(failedRepos(report)).toEqual(['a/bad'])
  })

  it('turns a pin that throws into a failed result with its code, message and hint, and carries on', async () => {
    registerSecret('tok-secret-123')
    const report = await runCascade({
      repos: [repo('a/typed', 'trunk'), repo('a/foreign'), repo('a/fine')],
      version: '1.0.0',
      concurrency: 1,
      pinOne: async (r) => {
        if (r.name === 'a/typed') throw new PinbotError('forbidden', 'push refused for tok-secret-123', { hint: 'grant write access' })
        if (r.name === 'a/foreign') throw new TypeError('cannot read properties of undefined')
        return result(r.name, 'updated')
      },
    })
    expect(report.results[0]).toMatchObject({
      repo: 'a/typed',
      branch: 'trunk',
      outcome: 'failed',
      reason: 'forbidden',
      attempts: 1,
      error: { code: 'forbidden', message: 'push refused for ***', hint: 'grant write access' },
    })
    expect(report.results[1]).toMatchObject({ repo: 'a/foreign', branch: '', outcome: 'failed', error: { code: 'internal', message: 'cannot read properties of undefined' } })
    expect(report.results[1].error).not.toHaveProperty('hint')
    expect(report.results[2].outcome).toBe('updated')
    expect(report.counts).toEqual({ updated: 1, unchanged: 0, skipped: 0, failed: 2 })
    expect(JSON.stringify(report)).not.toContain('tok-secret-123')
  })

  it("hands each repo's log lines over whole with its result, however the repos interleave", async () => {
    registerSecret('tok-secret-456')
    const events: CascadeEvent[] = []
    const tick = () => new Promise((resolve) => setImmediate(resolve))
    await runCascade({
      repos: [repo('a/one'), repo('a/two')],
      version: '1.0.0',
      concurrency: 2,
      pinOne: async (r, log) => {
        for (const step of ['fetch', 'decide', 'push with tok-secret-456']) {
          log(`${r.name}: ${step}`)
          await tick()
        }
        if (r.name === 'a/two') throw new Error('late failure')
        return result(r.name, 'updated')
      },
      onEvent: (event) => events.push(event),
    })
    const logs = Object.fromEntries(events.flatMap((e) => (e.type === 'done' ? [[e.repo.name, e.log]] : [])))
    expect(logs).toEqual({
      'a/one': ['a/one: fetch', 'a/one: decide', 'a/one: push with ***'],
      'a/two': ['a/two: fetch', 'a/two: decide', 'a/two: push with ***'],
    })
  })

  it('reports repos by their manifest name, whatever the pin calls them', async () => {
    const report = await runCascade({ repos: [repo('Acme/API')], version: '1.0.0', concurrency: 1, pinOne: async (r) => result(r.url, 'unchanged') })
    expect(report.results[0].repo).toBe('Acme/API')
  })

  it('keeps at most `concurrency` pins in flight', async () => {
    let inFlight = 0
    let peak = 0
    await runCascade({
      repos: Array.from({ length: 12 }, (_, i) => repo(`a/r${i}`)),
      version: '1.0.0',
      concurrency: 3,
      pinOne: async (r) => {
        peak = Math.max(peak, ++inFlight)
        await new Promise((resolve) => setTimeout(resolve, 5))
        inFlight--
        return result(r.name, 'updated')
      },
    })
    expect(peak).toBe(3)
  })

  it('announces each repo as it starts and as it finishes, with its result', async () => {
    const events: CascadeEvent[] = []
    await runCascade({
      repos: [repo('a/one'), repo('a/two')],
      version: '1.0.0',
      concurrency: 1,
      pinOne: async (r) => {
        if (r.name === 'a/two') throw new Error('down')
        return result(r.name, 'updated')
      },
      onEvent: (event) => events.push(event),
    })
    expect(events.map((e) => `${e.type} ${e.repo.name} ${e.index}/${e.total}${e.type === 'done' ? ` ${e.result.outcome}` : ''}`)).toEqual([
      'start a/one 0/2',
      'done a/one 0/2 updated',
      'start a/two 1/2',
      'done a/two 1/2 failed',
    ])
  })

  it('reports no repo before the preflight passed, then every one', async () => {
    let pass!: () => void
    const preflight = new Promise<void>((resolve) => (pass = resolve))
    const events: string[] = []
    const run = runCascade({
      repos: [repo('a/one'), repo('a/two')],
      version: '0.1.8',
      concurrency: 2,
      preflight,
      pinOne: async (r) => result(r.name, 'updated'),
      onEvent: (event) => events.push(`${event.type} ${event.repo.name}`),
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(events).toEqual(['start a/one', 'start a/two'])
    pass()
    expect((await run).counts.updated).toBe(2)
    expect(events).toEqual(['start a/one', 'start a/two', 'done a/one', 'done a/two'])
  })

  it('fails with the preflight\'s error and reports no repo when the preflight fails', async () => {
    const refused = new PinbotError('auth', 'the forge rejected the token', { exit: 2 })
    const events: string[] = []
    const run = runCascade({
      repos: [repo('a/one')],
      version: '0.1.8',
      concurrency: 1,
      preflight: new Promise((_, reject) => setTimeout(() => reject(refused), 20)),
      pinOne: async (r) => result(r.name, 'failed'),
      onEvent: (event) => events.push(event.type),
    })
    await expect(run).rejects.toBe(refused)
    expect(events).toEqual(['start'])
  })
})

describe('rerunCommand', () => {
  it('re-runs the same command for only the failed repos', () => {
    expect(rerunCommand(['--manifest', 'cascade.json', '--version', '0.1.8', '--token-env', 'FORGE_TOKEN'], ['acme/api', 'acme/web'])).toBe(
      'pinbot cascade --manifest cascade.json --version 0.1.8 --token-env FORGE_TOKEN --only acme/api --only acme/web',
    )
  })

  it('drops earlier --only values in every form', () => {
    const argv = ['--only', 'a/1', 'a/2', '--manifest', 'm.json', '--only=a/3', '--json', '--only', 'a/4', '--concurrency=2', '--only']
    expect(rerunCommand(argv, ['a/2'])).toBe('pinbot cascade --manifest m.json --json --concurrency=2 --only a/2')
  })

  it('drops --shard (the failed repos of a merged report may sit in any shard)', () => {
    expect(rerunCommand(['--shard', '2/4', '--manifest', 'm.json', '--shard=3/4', '--version', '1.0.0'], ['a/2'])).toBe('pinbot cascade --manifest m.json --version 1.0.0 --only a/2')
  })

  it('quotes for a POSIX shell', () => {
    expect(rerunCommand(['--manifest', "ops/it's here.json", '--version', '1.0.0'], ['acme/x'])).toBe(
      "pinbot cascade --manifest 'ops/it'\\''s here.json' --version 1.0.0 --only acme/x",
    )
    expect(shellQuote('')).toBe("''")
    expect(shellQuote('$(rm -rf /)')).toBe("'$(rm -rf /)'")
    expect(shellQuote('plain/word-1.2_3@x=y:z,w+%')).toBe('plain/word-1.2_3@x=y:z,w+%')
  })

  it('never prints a secret, even one passed as a flag value', () => {
    registerSecret('ghp_abcdefghijklmnop')
    const command = rerunCommand(['--manifest', 'm.json', '--token', 'ghp_abcdefghijklmnop', '--version', '1.0.0'], ['a/b'])
    expect(command).not.toContain('ghp_abcdefghijklmnop')
    expect(command).toContain("--token '***'")
  })
})
