/**
 * The cascade on a hostile network, as CI runs it (the built CLI): a server dripping its
 * answer meets the repo deadline while the other repos are pinned; a token check that tells
 * the truth (a slow 401 on one origin: nothing pushed anywhere); SIGINT and SIGTERM mid-run.
 */
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, json, ROOT, runCli } from '../../support/cli.js'
import { Forge } from '../../support/forge.js'
import { tempDir, type TempDir } from '../../support/tmp.js'

let forge: Forge
let tmp: TempDir
let files = 0
const author = ['--no-sign', '--author-name', 'bot', '--author-email', 'bot@example.com']

beforeAll(async () => {
  ;[forge, tmp] = await Promise.all([Forge.start(), tempDir()])
})
afterAll(() => Promise.all([forge.stop(), tmp.cleanup()]))

async function manifest(content: Record<string, unknown>): Promise<string> {
  const file = path.join(tmp.dir, `m-${++files}.json`)
  await writeFile(file, JSON.stringify(content))
  return file
}

interface Report {
  results: Array<{ repo: string; outcome: string; reason: string | null; error?: { code: string; message: string } }>
  counts: Record<string, number>
}

const pushes = (f: Forge, repo?: string) => f.requests.filter((r) => r.method === 'POST' && r.service === 'git-receive-pack' && (!repo || r.repo === repo))

describe('cascade on a hostile network', () => {
  it('says a push may have landed when the repo deadline ends it while the answer drips, and names the commit', async () => {
    await forge.createRepo('drip/push')
    // git receives the push and updates the branch; its answer then comes a byte every second.
    forge.inject({ kind: 'drip', dripMs: 1000, repo: 'drip/push', service: 'git-receive-pack', method: 'POST' })
    const file = await manifest({ forge: forge.url, repos: ['drip/push'] })
    const run = await runCli(['cascade', '--manifest', file, '--version', '0.2.0', '--repo-timeout', '3', '--json', ...author], { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
    forge.clearFaults()
    const result = json<Report>(run).results[0] as Report['results'][number] & { commit?: string; branch?: string }
    expect(result).toMatchObject({ outcome: 'failed', reason: 'timeout', branch: 'main', error: { message: expect.stringMatching(/repo deadline \(3 s\), after the push of [0-9a-f]{7} to main was sent: it may or may not have landed/) } })
    expect((await forge.history('drip/push'))[0]).toBe(result.commit)
  })

  it('fails a repo whose server drips its answer at the repo deadline, while the others are pinned and reported', async () => {
    const names = ['drip/slow', 'drip/a', 'drip/b']
    await Promise.all(names.map((name) => forge.createRepo(name)))
    forge.inject({ kind: 'drip', dripMs: 100, repo: 'drip/slow', service: 'git-upload-pack', method: 'GET' })
    const file = await manifest({ forge: forge.url, repos: names })
    const run = await runCli(['cascade', '--manifest', file, '--version', '0.2.0', '--repo-timeout', '3', '--json', ...author], { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
    forge.clearFaults()
    const report = json<Report>(run)
    expect(run.code).toBe(1)
    expect(report.results.find((r) => r.repo === 'drip/slow')).toMatchObject({ outcome: 'failed', reason: 'timeout', error: { message: expect.stringContaining('repo deadline (3 s)') } })
    expect(report.counts).toMatchObject({ updated: 2, failed: 1 })
    expect(await forge.readFile('drip/a', '.runtime-version')).toBe('0.2.0\n')

    // The audit has the same deadline: it ends, and reports every repo.
    forge.inject({ kind: 'drip', dripMs: 100, repo: 'drip/slow', service: 'git-upload-pack', method: 'GET' })
    const audit = await runCli(['verify-pins', '--manifest', file, '--repo-timeout', '3', '--json'], { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
    forge.clearFaults()
    expect(audit.code).toBe(1)
    const audited = json<{ results: Array<{ repo: string; status: string; version: string | null; error: { code: string; message: string } | null }> }>(audit).results
    expect(audited.map((r) => [r.repo, r.status, r.version, r.error?.code ?? null])).toEqual([
      ['drip/slow', 'failed', null, 'timeout'],
      ['drip/a', 'ok', '0.2.0', null],
      ['drip/b', 'ok', '0.2.0', null],
    ])
    expect(audited[0].error?.message).toContain('repo deadline (3 s)')
  })

  it('pushes nothing anywhere when one origin rejects the token slowly, and says so truly (exit 2)', async () => {
    const slow = await Forge.start({ latencyMs: 1500 })
    try {
      await Promise.all(['ok/a', 'ok/b', 'ok/c'].map((name) => forge.createRepo(name)))
      await slow.createRepo('far/x')
      forge.clearLog()
      // The second origin is named for the token: it is sent there, and checked there.
      const file = await manifest({ forge: forge.url, repos: ['ok/a', 'ok/b', 'ok/c', slow.repoUrl('far/x')], tokenOrigins: [slow.url] })
      const run = await runCli(['cascade', '--manifest', file, '--version', '0.2.0', ...author], { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
      expect(run.code).toBe(2)
      expect(run.stderr).toMatch(/rejected the token \(HTTP 401[^\n]*nothing was pushed/)
      expect(pushes(forge)).toEqual([])
      expect(await forge.readFile('ok/a', '.runtime-version')).toBe('0.1.0\n')
      // Each origin was checked once, with the request that proves push rights.
      expect(forge.requests.filter((r) => r.method === 'GET' && r.service === 'git-receive-pack')).toHaveLength(1)
      expect(slow.requests.filter((r) => r.method === 'GET' && r.service === 'git-receive-pack')).toHaveLength(1)
    } finally {
      await slow.stop()
    }
  })

  it('sends the token only to the forge and the origins named for it; plain http elsewhere needs an opt-in', async () => {
    const other = await Forge.start()
    try {
      await forge.createRepo('scope/a')
      await other.createRepo('scope/b', { public: true })
      const file = await manifest({ forge: forge.url, repos: ['scope/a', other.repoUrl('scope/b')] })
      const run = await runCli(['cascade', '--manifest', file, '--version', '0.2.0', '--json', ...author], { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
      const report = json<Report>(run)
      expect(report.results.map((r) => [r.outcome, r.reason])).toEqual([['updated', null], ['failed', 'auth']])
      // Honest: the token was not rejected there, it was never sent.
      expect(report.results[1].error?.message).toMatch(/^authentication required \(HTTP 401[^)]*\); the token is not sent to this origin$/)
      expect(other.requests.length).toBeGreaterThan(0)
      expect(other.requests.every((r) => !r.auth)).toBe(true)

      // The audit and default-branch keep the same scope: the other origin is read anonymously.
      other.clearLog()
      forge.clearLog()
      const audit = await runCli(['verify-pins', '--manifest', file, '--json'], { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
      expect(json<Report & { results: Array<{ status: string }> }>(audit).results.map((r) => r.status)).toEqual(['ok', 'behind'])
      const branches = await runCli(['default-branch', 'scope/a', other.repoUrl('scope/b'), '--forge', forge.url, '--json'], { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
      expect(branches.code, branches.stderr).toBe(0)
      expect(other.requests.length).toBeGreaterThanOrEqual(3)
      expect(other.requests.every((r) => !r.auth)).toBe(true)
      expect(forge.requests.length).toBeGreaterThanOrEqual(3)
      expect(forge.requests.every((r) => r.auth)).toBe(true)

      const remote = await manifest({ forge: 'http://git.example.invalid', repos: ['scope/a'] })
      const refused = await runCli(['cascade', '--manifest', remote, '--version', '0.2.0', '--json', ...author], { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
      expect(refused.code).toBe(2)
      expect(json<{ error: { code: string; hint: string } }>(refused).error).toMatchObject({ code: 'token-over-http', hint: expect.stringContaining('--allow-token-over-http') })
      for (const args of [['verify-pins', '--manifest', remote], ['default-branch', 'scope/a', '--forge', 'http://git.example.invalid']]) {
        const audit = await runCli([...args, '--json'], { env: { PINBOT_TOKEN: forge.tokens.readWrite } })
        expect(audit.code, args[0]).toBe(2)
        expect(json<{ error: { code: string } }>(audit).error.code, args[0]).toBe('token-over-http')
      }
    } finally {
      await other.stop()
    }
  })

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} mid-cascade: repos in flight finish, the rest are reported interrupted, JSON complete, exit ${code}`, async () => {
      const names = Array.from({ length: 8 }, (_, i) => `sig-${signal}/r${i}`)
      await Promise.all(names.map((name) => forge.createRepo(name)))
      forge.latencyMs = 300
      const file = await manifest({ forge: forge.url, repos: names })
      const child = spawn(process.execPath, [BIN, 'cascade', '--manifest', file, '--version', '0.2.0', '--concurrency', '2', '--json', ...author], {
        cwd: ROOT,
        env: { ...process.env, PINBOT_TOKEN: forge.tokens.readWrite },
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      let signalled = false
      child.stderr.on('data', (d) => {
        stderr += d
        // After the first repo's block: some done, some in flight, some not started.
        if (!signalled && /updated/.test(stderr)) {
          signalled = true
          child.kill(signal)
        }
      })
      const exit = await new Promise<number | null>((resolve) => child.on('close', resolve))
      forge.latencyMs = 0
      expect(exit, stderr).toBe(code)
      const report = JSON.parse(stdout) as Report
      expect(report.results).toHaveLength(names.length)
      const interrupted = report.results.filter((r) => r.reason === 'interrupted')
      expect(interrupted.length).toBeGreaterThan(0)
      expect(report.counts.updated + report.counts.failed).toBe(names.length)
      // What is reported updated really landed; what is reported interrupted did not start.
      for (const result of report.results) {
        const landed = (await forge.readFile(result.repo, '.runtime-version')) === '0.2.0\n'
        expect(landed, result.repo).toBe(result.outcome === 'updated')
      }
      expect(stderr).toContain(`${signal}: no more repos start`)
    })
  }

  it('SIGINT mid-audit: verify-pins reports every repo, those not read as interrupted, JSON complete, exit 130', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `sig-audit/r${i}`)
    await Promise.all(names.map((name) => forge.createRepo(name)))
    // 2 requests of 300 ms per repo, 2 at a time: the audit takes at least 2.4 s, and
    // 0.7 s after it starts the last repos have not started, however slow the machine.
    forge.latencyMs = 300
    const file = await manifest({ forge: forge.url, repos: names })
    const child = spawn(process.execPath, [BIN, 'verify-pins', '--manifest', file, '--concurrency', '2', '--json'], {
      cwd: ROOT,
      env: { ...process.env, PINBOT_TOKEN: forge.tokens.readWrite },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      // The header is written as the audit starts, after the signal handlers are in place.
      if (!stderr && String(d).startsWith('verify-pins: ')) setTimeout(() => child.kill('SIGINT'), 700)
      stderr += d
    })
    const exit = await new Promise<number | null>((resolve) => child.on('close', resolve))
    forge.latencyMs = 0
    expect(exit, stderr).toBe(130)
    const results = (JSON.parse(stdout) as { results: Array<{ repo: string; status: string; error: { code: string } | null }> }).results
    expect(results.map((r) => r.repo)).toEqual(names)
    const interrupted = results.filter((r) => r.error?.code === 'interrupted')
    expect(interrupted.length).toBeGreaterThanOrEqual(2)
    for (const result of results) expect(result.error === null ? 'read' : result.error.code, result.repo).toMatch(/^(read|interrupted)$/)
    expect(stderr).toContain('SIGINT: no more repos start')
  })
})
