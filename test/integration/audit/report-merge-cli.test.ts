/**
 * A fleet split over a CI matrix and put back together, through the built CLI against the
 * loopback forge: `cascade --shard K/N` and `verify-pins --shard K/N`, then `report merge`
 * of their --json reports, compared with one run over the whole fleet.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { json, runCli, runCliMany, type CliResult } from '../../support/cli.js'
import { useSigningForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { signingEnv, type TestKey } from '../../support/keys.js'
import type { TempDir } from '../../support/tmp.js'

const WORKFLOW = '.github/workflows/publish-image.yml'
const TEMPLATE = { '.runtime-version': '0.1.0\n', [WORKFLOW]: 'on: push\n' }

let forge: Forge
let key: TestKey
let work: TempDir
useSigningForge((fixture) => ({ forge, key, work } = fixture))

const env = (extra: Record<string, string | undefined> = {}) => ({
  PINBOT_TOKEN: forge.tokens.readWrite,
  ...signingEnv(key, true),
  GITHUB_ACTIONS: undefined,
  GITEA_ACTIONS: undefined,
  GITHUB_STEP_SUMMARY: undefined,
  ...extra,
})

interface Report {
  command: string
  shard: { index: number; count: number }
  manifest: { digest: string; positions: number[] }
  results: Array<{ repo: string; outcome?: string; reason?: string | null; status?: string; version?: string | null }>
  counts: Record<string, unknown>
}

/** The line after "Re-run only the failed repos with:". */
const rerunLine = (run: CliResult) => /Re-run only the failed repos with:\n {2}(.*)/.exec(run.stderr)?.[1]

/** A fleet of 10 templates: 6 to pin, one already pinned, one without the workflow, two that fail. */
async function createFleet(prefix: string): Promise<{ manifest: string; names: string[]; failing: string[] }> {
  const names = Array.from({ length: 10 }, (_, i) => `${prefix}/t${i}`)
  const { [WORKFLOW]: _workflow, ...noWorkflow } = TEMPLATE
  await Promise.all(
    names.map((name, i) => forge.createRepo(name, { files: i === 3 ? { ...TEMPLATE, '.runtime-version': '0.1.8\n' } : i === 4 ? noWorkflow : TEMPLATE })),
  )
  const manifest = path.join(work.dir, `${prefix}.json`)
  await writeFile(manifest, JSON.stringify({ forge: forge.url, repos: names, requireFile: WORKFLOW, concurrency: 4 }))
  return { manifest, names, failing: [names[6], names[9]] }
}

async function runShards(args: string[], count: number): Promise<string[]> {
  const files: string[] = []
  for (let index = 1; index <= count; index++) {
    const run = await runCli([...args, '--shard', `${index}/${count}`, '--json'], { env: env() })
    const report = json<Report>(run)
    expect(report.shard).toEqual({ index, count })
    // The header line names the shard (on stderr with --json).
    if (args[0] === 'cascade') expect(run.stderr.split('\n')[0]).toMatch(new RegExp(`^cascade 0\\.1\\.8: shard ${index}/${count}, ${report.results.length} of 10 repos, `))
    const file = path.join(work.dir, `${args[0]}-${index}-of-${count}.json`)
    await writeFile(file, run.stdout)
    files.push(file)
  }
  return files
}

describe('--shard', () => {
  it('cascade --shard 4/3 and verify-pins --shard x exit 2 before any request', async () => {
    const manifest = path.join(work.dir, 'any.json')
    await writeFile(manifest, JSON.stringify({ forge: forge.url, repos: ['acme/x'] }))
    const runs = await runCliMany([
      { args: ['cascade', '--manifest', manifest, '--version', '0.1.8', '--shard', '4/3'], env: env() },
      { args: ['verify-pins', '--manifest', manifest, '--shard', 'x'], env: env() },
    ])
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(2)
      expect(run.stderr).toContain(`--shard expects K/N`)
    }
    expect(forge.requests).toHaveLength(0)
  })
})

describe('report merge', () => {
  it('merges the cascade reports of 2 shards into the report of one run: outcomes, counts, exit code, re-run line', async () => {
    const { manifest, names, failing } = await createFleet('cascade')
    for (const name of failing) forge.inject({ kind: 'status', status: 500, repo: name })
    // A dry run changes nothing, so the single run and the shards see the same fleet.
    const args = ['cascade', '--manifest', manifest, '--version', '0.1.8', '--dry-run']
    const single = await runCli([...args, '--json'], { env: env() })
    expect(single.code, single.stderr).toBe(1)
    const files = await runShards(args, 2)

    const summary = path.join(work.dir, 'merge-summary.md')
    await writeFile(summary, '')
    const merged = await runCli(['report', 'merge', ...files, '--json'], { env: env({ GITHUB_STEP_SUMMARY: summary }) })
    expect(merged.code, merged.stderr).toBe(1)
    const one = json<Report>(single)
    const all = json<Report>(merged)
    expect(all.results.map((r) => r.repo)).toEqual(names)
    expect(all.results.map((r) => [r.repo, r.outcome, r.reason])).toEqual(one.results.map((r) => [r.repo, r.outcome, r.reason]))
    expect(all.counts).toEqual(one.counts)
    expect(all.counts).toEqual({ updated: 6, unchanged: 1, skipped: 1, failed: 2 })
    expect(all.shard).toEqual({ index: 1, count: 1 })
    expect(all.manifest).toEqual(one.manifest)
    expect(rerunLine(merged)).toBe(rerunLine(single))
    expect(rerunLine(merged)).toBe(`pinbot cascade --manifest ${manifest} --version 0.1.8 --dry-run --json --only ${failing[0]} --only ${failing[1]}`)
    const markdown = await readFile(summary, 'utf8')
    expect(markdown).toContain('## pinbot cascade 0.1.8 (dry run)')
    expect(markdown).toContain('10 repos: 6 updated, 1 unchanged, 1 skipped, 2 failed')

    // The table a person reads, from the same reports.
    const table = await runCli(['report', 'merge', ...files], { env: env() })
    expect(table.code).toBe(1)
    expect(table.stdout).toContain('10 repos: 6 updated, 1 unchanged, 1 skipped, 2 failed (dry run: nothing was pushed)')
    for (const name of names) expect(table.stdout).toMatch(new RegExp(`^${name} `, 'm'))

    // A missing shard is refused, naming it.
    const partial = await runCli(['report', 'merge', files[1]], { env: env() })
    expect(partial.code).toBe(2)
    expect(partial.stderr).toContain('shard 1/2 is missing')
  })

  it('merges verify-pins shards, judging every repo against the whole fleet', async () => {
    const { manifest, names, failing } = await createFleet('audit')
    for (const name of failing) forge.inject({ kind: 'status', status: 500, repo: name })
    const args = ['verify-pins', '--manifest', manifest]
    const single = await runCli([...args, '--json'], { env: env() })
    const files = await runShards(args, 2)
    const merged = await runCli(['report', 'merge', ...files, '--json'], { env: env() })
    expect(merged.code).toBe(single.code)
    expect(merged.code).toBe(1)
    const one = json<Report & { expected: string }>(single)
    const all = json<Report & { expected: string }>(merged)
    expect(all.expected).toBe('0.1.8')
    expect(all.results.map((r) => [r.repo, r.status, r.version])).toEqual(one.results.map((r) => [r.repo, r.status, r.version]))
    expect(all.results.map((r) => r.repo)).toEqual(names)
    expect(all.counts).toEqual(one.counts)
    expect(rerunLine(merged)).toBe(rerunLine(single))
    expect(rerunLine(merged)).toBe(`pinbot verify-pins --manifest ${manifest} --json --only ${failing[0]} --only ${failing[1]}`)
  })
})
