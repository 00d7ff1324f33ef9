import { describe, expect, it } from 'vitest'
import { mergeReports, type ReportFile } from '../../../src/audit/report-merge.js'
import type { PinbotError } from '../../../src/errors.js'
import { shardOf } from '../../../src/fleet/shard.js'

const manifestRepos = Array.from({ length: 12 }, (_, i) => `acme/t${i}`)
const outcomeOf = (i: number) => (i % 5 === 0 ? 'failed' : i % 3 === 0 ? 'unchanged' : 'updated')

function cascadeResult(i: number) {
  const outcome = outcomeOf(i)
  return {
    repo: manifestRepos[i],
    branch: 'main',
    outcome,
    reason: outcome === 'failed' ? 'http' : null,
    before: '0.1.0',
    after: outcome === 'failed' ? null : '0.1.8',
    commit: null,
    attempts: 1,
    ...(outcome === 'failed' && { error: { code: 'http', message: 'unexpected answer from the forge (HTTP 500)' } }),
    durationMs: 10 + i,
  }
}

/** The --json report of one shard of `count`, as `cascade --shard` writes it. */
function cascadeShard(index: number, count: number, overrides: Record<string, unknown> = {}) {
  const positions = manifestRepos.flatMap((name, i) => (shardOf(name, count) === index ? [i] : []))
  return {
    command: 'cascade',
    version: '0.1.8',
    dryRun: false,
    results: positions.map(cascadeResult),
    counts: {},
    shard: { index, count },
    manifest: { digest: 'sha256:aaaa', pinFile: '.runtime-version', positions },
    argv: ['--manifest', 'm.json', '--version', '0.1.8', '--shard', `${index}/${count}`, '--json'],
    ...overrides,
  }
}

const files = (...reports: unknown[]): ReportFile[] => reports.map((data, i) => ({ file: `shard-${i + 1}.json`, data }))

function refusal(reports: ReportFile[]): PinbotError {
  try {
    mergeReports(reports)
  } catch (error) {
    return error as PinbotError
  }
  throw new Error('expected the merge to be refused')
}

describe('report merge: cascade shards', () => {
  it('gives the report of one run: every repo in manifest order, the counts, the arguments without --shard', () => {
    const merged = mergeReports(files(cascadeShard(3, 3), cascadeShard(1, 3), cascadeShard(2, 3)))
    if (merged.command !== 'cascade') throw new Error('expected a cascade report')
    expect(merged.report.results.map((r) => r.repo)).toEqual(manifestRepos)
    expect(merged.report.results.map((r) => r.outcome)).toEqual(manifestRepos.map((_, i) => outcomeOf(i)))
    expect(merged.report.counts).toEqual({ updated: 6, unchanged: 3, skipped: 0, failed: 3 })
    expect(merged.run.shard).toEqual({ index: 1, count: 1 })
    expect(merged.run.manifest.positions).toEqual(manifestRepos.map((_, i) => i))
    expect(merged.run.argv).toEqual(['--manifest', 'm.json', '--version', '0.1.8', '--json'])
    expect(merged.report.results[0]).toMatchObject({ outcome: 'failed', reason: 'http', error: { code: 'http' }, durationMs: 10 })
    expect(merged.report.results[1]).not.toHaveProperty('commit')
  })

  it("gathers every shard's waits (the forge slowed down the run, whichever job it told)", () => {
    const wait = (path: string) => ({ origin: 'https://forge.test', path, status: 429, waitMs: 2000 })
    const merged = mergeReports(files(cascadeShard(1, 2, { waits: [wait('/acme/t1.git')] }), cascadeShard(2, 2, { waits: [wait('/acme/t2.git')] })))
    expect(merged.waits.map((w) => w.path)).toEqual(['/acme/t1.git', '/acme/t2.git'])
  })

  it('merges a single unsharded report into itself', () => {
    const merged = mergeReports(files(cascadeShard(1, 1)))
    expect(merged.command === 'cascade' && merged.report.results.length).toBe(12)
  })

  it.each([
    ['mixed-commands', () => files(cascadeShard(1, 2), { ...cascadeShard(2, 2), command: 'verify-pins', expectedFrom: 'fleet', counts: {} }), 'shard-2.json is a verify-pins report, shard-1.json a cascade report'],
    ['mixed-manifests', () => files(cascadeShard(1, 2), cascadeShard(2, 2, { manifest: { ...cascadeShard(2, 2).manifest, digest: 'sha256:bbbb' } })), 'differ in their manifest'],
    ['mixed-versions', () => files(cascadeShard(1, 2), cascadeShard(2, 2, { version: '0.1.9' })), 'differ in their version: 0.1.9 vs 0.1.8'],
    ['mixed-settings', () => files(cascadeShard(1, 2), cascadeShard(2, 2, { dryRun: true })), 'dry run'],
    ['mixed-shards', () => files(cascadeShard(1, 2), cascadeShard(2, 3)), 'shard-2.json is shard 2/3, shard-1.json is shard 1/2'],
    ['missing-shard', () => files(cascadeShard(1, 4), cascadeShard(3, 4)), 'shards 2/4, 4/4 are missing: 2 of 4 reports given'],
    ['duplicate-shard', () => files(cascadeShard(1, 2), cascadeShard(2, 2), cascadeShard(2, 2)), 'shard 2/2 is given twice: shard-2.json and shard-3.json'],
    [
      'duplicate-repo',
      () => files(cascadeShard(1, 2), cascadeShard(2, 2, { results: [...cascadeShard(2, 2).results, cascadeResult(1)], manifest: { ...cascadeShard(2, 2).manifest, positions: [...cascadeShard(2, 2).manifest.positions, 1] } })),
      'is in two reports',
    ],
    ['shard-failed', () => files({ error: { code: 'auth', message: 'the token was rejected' } }), 'shard-1.json is the report of a run that stopped: auth: the token was rejected'],
    ['not-a-report', () => files({ results: [] }), 'shard-1.json is not a cascade or verify-pins --json report'],
    ['no-reports', () => files(), 'no report to merge'],
  ])('refuses %s with exit 2, saying which', (code, reports, words) => {
    const error = refusal(reports())
    expect(error.code).toBe(code)
    expect(error.exit).toBe(2)
    expect(error.message).toContain(words)
  })
})

describe('report merge: verify-pins shards', () => {
  const audit = (repo: string, version: string, position: number) => ({
    repo,
    branch: 'main',
    version,
    status: 'ok',
    signature: null,
    commit: null,
    problems: [],
    replacedBotPin: null,
    pin: 'present',
    tip: 'a'.repeat(40),
    skipped: null,
    error: null,
    position,
  })
  const shard = (index: number, results: ReturnType<typeof audit>[], expected: string) => ({
    command: 'verify-pins',
    expected,
    expectedFrom: 'fleet',
    passed: true,
    results,
    counts: { total: results.length },
    shard: { index, count: 2 },
    manifest: { digest: 'sha256:aaaa', pinFile: '.runtime-version', positions: results.map((r) => r.position) },
    argv: ['--manifest', 'm.json', '--shard', `${index}/2`],
  })

  it('judges statuses again over the whole fleet: a shard that passed on its own can be behind', () => {
    const merged = mergeReports(files(shard(1, [audit('acme/a', '0.1.7', 0)], '0.1.7'), shard(2, [audit('acme/b', '0.1.8', 1)], '0.1.8')))
    if (merged.command !== 'verify-pins') throw new Error('expected a verify-pins report')
    expect(merged.audit.expected).toBe('0.1.8')
    expect(merged.audit.results.map((r) => [r.repo, r.status])).toEqual([
      ['acme/a', 'behind'],
      ['acme/b', 'ok'],
    ])
    expect(merged.audit.passed).toBe(false)
  })

  it('refuses shards audited against different --expect versions', () => {
    const one = { ...shard(1, [audit('acme/a', '0.1.7', 0)], '0.1.7'), expectedFrom: 'expect' }
    const two = { ...shard(2, [audit('acme/b', '0.1.8', 1)], '0.1.8'), expectedFrom: 'expect' }
    expect(refusal(files(one, two)).message).toContain('expected version: --expect 0.1.8 vs --expect 0.1.7')
  })
})
