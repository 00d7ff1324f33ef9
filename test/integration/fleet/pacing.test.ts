/**
 * Pacing under forge limits (src/fleet/pacing.ts), against the loopback forge: pushes
 * spread evenly while reads go on concurrently, and answers asking to slow down (429 with
 * Retry-After) make the origin wait instead of failing repos. Lower bounds on time only.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveAuth } from '../../../src/git/auth.js'
import { createHttpClient, type HttpClient, type SharedHttpClient } from '../../../src/git/http.js'
import { runCascade } from '../../../src/fleet/cascade.js'
import { pacedHttpClient, slowDownMs, type OriginWait } from '../../../src/fleet/pacing.js'
import { pinRemote } from '../../../src/pin/remote-pin.js'
import { json, runCli } from '../../support/cli.js'
import { useSigningForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { BOT, signingEnv, type TestKey } from '../../support/keys.js'
import type { TempDir } from '../../support/tmp.js'

let forge: Forge
let key: TestKey
let work: TempDir
useSigningForge((fixture) => ({ forge, key, work } = fixture))

interface Sent {
  kind: 'read' | 'push'
  at: number
  status?: number
  answeredAt?: number
}

/** The forge client, recording when each request was sent (after any pacing) and how it was answered. */
function recordingClient(sent: Sent[], inFlight: { reads: number; maxReads: number }): SharedHttpClient {
  const http = createHttpClient({ token: forge.tokens.readWrite })
  return {
    destroy: () => http.destroy(),
    async request(req) {
      const entry: Sent = { kind: req.url.endsWith('/git-receive-pack') && req.method === 'POST' ? 'push' : 'read', at: Date.now() }
      sent.push(entry)
      if (entry.kind === 'read') inFlight.maxReads = Math.max(inFlight.maxReads, ++inFlight.reads)
      try {
        const res = await http.request(req)
        Object.assign(entry, { status: res.statusCode, answeredAt: Date.now() })
        return res
      } finally {
        if (entry.kind === 'read') inFlight.reads--
      }
    },
  }
}

async function cascade(names: string[], http: HttpClient) {
  const auth = resolveAuth({ env: { PINBOT_TOKEN: forge.tokens.readWrite } })
  return runCascade({
    repos: names.map((name) => ({ name, url: forge.repoUrl(name) })),
    version: '0.1.8',
    concurrency: names.length,
    pinOne: (repo, log) => pinRemote({ repo: repo.url, version: '0.1.8', auth, http, identity: BOT, message: 'pin {version}', onLog: log }),
  })
}

describe('pacing', () => {
  it('spreads 12 pushes at 120 a minute over at least 5.5 s, while the reads went out concurrently', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `paced/t${i}`)
    await Promise.all(names.map((name) => forge.createRepo(name)))
    const sent: Sent[] = []
    const inFlight = { reads: 0, maxReads: 0 }
    const inner = recordingClient(sent, inFlight)
    const report = await cascade(names, pacedHttpClient(inner, { maxPushesPerMinute: 120 })).finally(() => inner.destroy())

    expect(report.counts.updated).toBe(12)
    const pushes = sent.filter((s) => s.kind === 'push').map((s) => s.at)
    expect(pushes).toHaveLength(12)
    // Evenly: 500 ms between pushes (timers never fire early; 2 ms for clock rounding).
    for (let i = 1; i < pushes.length; i++) expect(pushes[i] - pushes[i - 1]).toBeGreaterThanOrEqual(498)
    expect(pushes[11] - pushes[0]).toBeGreaterThanOrEqual(5500)
    // Reads are not paced: every repo's first read went out before the first push, side by side.
    const firstPush = sent.findIndex((s) => s.kind === 'push')
    expect(sent.slice(0, firstPush).filter((s) => s.kind === 'read').length).toBeGreaterThanOrEqual(12)
    expect(inFlight.maxReads).toBeGreaterThanOrEqual(12)
  })

  it('waits out 429 answers with Retry-After: 2 on that origin and fails no repo', async () => {
    const names = Array.from({ length: 4 }, (_, i) => `slowed/t${i}`)
    await Promise.all(names.map((name) => forge.createRepo(name)))
    // The forge's answers to the first three pushes say "slow down, 2 s" (pushes: reads may
    // also be retried by the HTTP client itself, a push never is).
    for (let i = 0; i < 3; i++) forge.inject({ kind: 'status', status: 429, headers: { 'retry-after': '2' }, service: 'git-receive-pack', method: 'POST', nth: 1 })
    const sent: Sent[] = []
    const waits: OriginWait[] = []
    const inner = recordingClient(sent, { reads: 0, maxReads: 0 })
    const report = await cascade(names, pacedHttpClient(inner, { onWait: (wait) => waits.push(wait) })).finally(() => inner.destroy())

    expect(report.counts).toEqual({ updated: 4, unchanged: 0, skipped: 0, failed: 0 })
    expect(waits).toHaveLength(3)
    for (const wait of waits) expect(wait).toMatchObject({ origin: forge.url, status: 429, waitMs: 2000 })
    expect(waits.map((w) => w.path).every((p) => names.some((name) => p === `/${name}.git`))).toBe(true)
    // Nothing went to the origin in the 2 s after the first slow-down answer arrived (5 ms
    // for what was already on its way when it did).
    const slowed = sent.filter((s) => s.status === 429)
    expect(slowed).toHaveLength(3)
    const firstAnswer = Math.min(...slowed.map((s) => s.answeredAt!))
    const sentDuringPause = sent.filter((s) => s.at > firstAnswer + 5 && s.at < firstAnswer + 1990)
    expect(sentDuringPause).toEqual([])
    expect(sent.filter((s) => s.at >= firstAnswer + 1990).length).toBeGreaterThanOrEqual(3)
  })

  it("ends a request's wait for a paused origin when its repo's deadline aborts it", { timeout: 30_000 }, async () => {
    await forge.createRepo('slowed/deadline')
    // Every read of this repo: "slow down, 100 s" (within the 120 s waited out at most).
    forge.inject({ kind: 'status', status: 429, headers: { 'retry-after': '100' }, repo: 'slowed/deadline', service: 'git-upload-pack' })
    const http = createHttpClient({ token: forge.tokens.readWrite })
    const paced = pacedHttpClient(http, {})
    const deadline = AbortSignal.timeout(500)
    const read = paced.request({ url: `${forge.repoUrl('slowed/deadline')}/info/refs?service=git-upload-pack`, scope: { signal: deadline } })
    await expect(read).rejects.toMatchObject({ name: 'TimeoutError' })
    forge.clearFaults()
    http.destroy()
  })

  it('knows which answers ask to slow down, and for how long', () => {
    const now = Date.parse('2026-11-30T00:00:00Z')
    expect(slowDownMs({ statusCode: 429, headers: { 'retry-after': '2' } })).toBe(2000)
    expect(slowDownMs({ statusCode: 429, headers: { 'retry-after': 'Mon, 30 Nov 2026 00:00:05 GMT' } }, now)).toBe(5000)
    expect(slowDownMs({ statusCode: 429, headers: {} })).toBe(60_000)
    expect(slowDownMs({ statusCode: 403, headers: { 'retry-after': '30' } })).toBe(30_000)
    expect(slowDownMs({ statusCode: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 40) } }, now)).toBe(40_000)
    expect(slowDownMs({ statusCode: 403, headers: {} })).toBeUndefined()
    expect(slowDownMs({ statusCode: 403, headers: { 'x-ratelimit-remaining': '12' } })).toBeUndefined()
    expect(slowDownMs({ statusCode: 500, headers: { 'retry-after': '2' } })).toBeUndefined()
  })

  it("keeps the client's redirect notices", () => {
    const http = createHttpClient({})
    const moved = { ...http, movedTo: (url: string) => `${url}-moved` }
    const paced = pacedHttpClient(moved, {})
    expect(paced.movedTo?.('https://forge.test/a/b.git')).toBe('https://forge.test/a/b.git-moved')
    paced.destroy()
  })

  it('cascade --max-pushes-per-minute: named in the header; a slow-down wait is logged, summed up and in --json', async () => {
    const names = ['cli-paced/a', 'cli-paced/b']
    await Promise.all(names.map((name) => forge.createRepo(name)))
    const manifest = path.join(work.dir, 'paced.json')
    await writeFile(manifest, JSON.stringify({ forge: forge.url, repos: names, pace: { maxPushesPerMinute: 30 } }))
    forge.inject({ kind: 'status', status: 429, headers: { 'retry-after': '1' }, service: 'git-receive-pack', method: 'POST', nth: 1 })
    const summary = path.join(work.dir, 'paced-summary.md')
    await writeFile(summary, '')
    const run = await runCli(['cascade', '--manifest', manifest, '--version', '0.1.8', '--max-pushes-per-minute', '120', '--json'], {
      env: { PINBOT_TOKEN: forge.tokens.readWrite, ...signingEnv(key, true), GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: undefined },
    })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr.split('\n')[0]).toContain('2 repos, 32 at a time, at most 120 pushes a minute, ')
    const line = `${forge.url} asked to slow down (HTTP 429 on /`
    expect(run.stderr).toContain(line)
    expect(run.stderr).toContain(`slowed down by the forge: ${forge.url} 1 time (1.0 s asked in all)`)
    const report = json<{ counts: Record<string, number>; waits: OriginWait[] }>(run)
    expect(report.counts.updated).toBe(2)
    expect(report.waits).toEqual([expect.objectContaining({ origin: forge.url, status: 429, waitMs: 1000 })])
    expect(await import('node:fs/promises').then((fs) => fs.readFile(summary, 'utf8'))).toContain('### Slowed down by the forge')
  })
})
