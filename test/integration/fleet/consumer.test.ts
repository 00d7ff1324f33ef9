/**
 * Templates that really read the pin (manifest `consumer`): the cascade skips a template
 * whose workflow ignores .runtime-version, and verify-pins flags it; both at the cost of
 * one blob already fetched, no extra request. Built CLI, loopback forge.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { json, runCli } from '../../support/cli.js'
import { useSigningForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { signingEnv, type TestKey } from '../../support/keys.js'
import type { TempDir } from '../../support/tmp.js'

const WORKFLOW = '.github/workflows/publish-image.yml'
const READS = 'on: push\njobs:\n  build:\n    steps:\n      - run: echo "RUNTIME=$(head -n1 .runtime-version | tr -d \'[:space:]\')" >> "$GITHUB_ENV"\n'
const IGNORES = 'on: push\njobs:\n  build:\n    steps:\n      - run: docker build --build-arg RUNTIME=0.1.0 .\n'

let forge: Forge
let key: TestKey
let work: TempDir
useSigningForge((fixture) => ({ forge, key, work } = fixture))

interface Result {
  repo: string
  outcome?: string
  reason?: string | null
  status?: string
  consumer?: { file: string; contains: string; reads: boolean } | null
}

describe('manifest consumer', () => {
  it('skips a template whose workflow ignores the pin (not-consumed, no push), pins one that reads it, and verify-pins flags the first', async () => {
    await forge.createRepo('consumer/reads', { files: { '.runtime-version': '0.1.0\n', [WORKFLOW]: READS } })
    await forge.createRepo('consumer/ignores', { files: { '.runtime-version': '0.1.0\n', [WORKFLOW]: IGNORES } })
    const manifest = path.join(work.dir, 'consumer.json')
    await writeFile(manifest, JSON.stringify({ forge: forge.url, repos: ['consumer/reads', 'consumer/ignores'], requireFile: WORKFLOW, consumer: {} }))
    const env = { PINBOT_TOKEN: forge.tokens.readWrite, ...signingEnv(key, true), GITHUB_STEP_SUMMARY: undefined, GITHUB_ACTIONS: undefined }

    const cascade = await runCli(['cascade', '--manifest', manifest, '--version', '0.1.8', '--json'], { env })
    expect(cascade.code, cascade.stderr).toBe(0)
    const pinned = json<{ results: Result[] }>(cascade).results
    expect(pinned.map((r) => [r.repo, r.outcome, r.reason])).toEqual([
      ['consumer/reads', 'updated', null],
      ['consumer/ignores', 'skipped', 'not-consumed'],
    ])
    expect(cascade.stderr).toContain(`${WORKFLOW} does not contain ".runtime-version"`)
    expect(await forge.readFile('consumer/reads', '.runtime-version')).toBe('0.1.8\n')
    expect(await forge.readFile('consumer/ignores', '.runtime-version')).toBe('0.1.0\n')
    // The consumer's blob came with the depth-1 fetch: ls-refs (with the capabilities, if it went first), then the pack; no push.
    expect(forge.requestsFor('consumer/ignores').map((r) => `${r.method} ${r.service}${r.protocol ? ' v2' : ''}`).filter((r) => !r.startsWith('GET'))).toEqual(['POST git-upload-pack v2', 'POST git-upload-pack'])
    expect(forge.requestsFor('consumer/reads', 'git-receive-pack').filter((r) => r.method === 'POST')).toHaveLength(1)

    const audit = await runCli(['verify-pins', '--manifest', manifest, '--expect', '0.1.8', '--json'], { env })
    expect(audit.code).toBe(1)
    const audited = json<{ results: Result[]; counts: Record<string, number> }>(audit)
    expect(audited.results.map((r) => [r.repo, r.status, r.consumer?.reads])).toEqual([
      ['consumer/reads', 'ok', true],
      ['consumer/ignores', 'not-consumed', false],
    ])
    expect(audited.counts['not-consumed']).toBe(1)
    const table = await runCli(['verify-pins', '--manifest', manifest, '--expect', '0.1.8'], { env })
    expect(table.stdout).toContain(`consumer/ignores:\n  ${WORKFLOW} does not contain ".runtime-version": the template's build would not read the pin`)
  })
})
