/** `pinbot cascade`, run as CI runs it (the built CLI), against the loopback forge. */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_CONCURRENCY } from '../../../src/fleet/cascade.js'
import { DEFAULT_RETRIES } from '../../../src/pin/remote-pin.js'
import { parseOutputs } from '../../support/actions.js'
import { json, runCli, runCliMany } from '../../support/cli.js'
import { useSigningForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { git, gitRun } from '../../support/git.js'
import type { GnupgHome } from '../../support/gpg.js'
import { signingEnv, TEST_PASSPHRASE, type TestKey } from '../../support/keys.js'
import { BAD_MANIFESTS, CORPUS_FORGE } from '../../support/manifest-corpus.js'
import type { TempDir } from '../../support/tmp.js'

const WORKFLOW = '.github/workflows/publish-image.yml'
const TEMPLATE = { '.runtime-version': '0.1.0\n', Dockerfile: 'FROM runtime\n', [WORKFLOW]: 'on: push\n' }
const CO_AUTHOR = 'Release Manager <rm@example.com>'
/**
 * --timeout and --repo-timeout of the run with an injected hang: wide, so that only the hang
 * times out on a busy machine; the repo deadline ends the hung repo before its reads' retries
 * (each another --timeout) are spent.
 */
const TIMEOUT_SECONDS = 6
const REPO_TIMEOUT_SECONDS = 8

let forge: Forge
let key: TestKey
let gnupg: GnupgHome
let work: TempDir
let files = 0
useSigningForge((fixture) => ({ forge, key, gnupg, work } = fixture))

/** Environment of a CI job: the token and the bot key, and not inside Actions unless asked. */
const env = (extra: Record<string, string | undefined> = {}) => ({
  PINBOT_TOKEN: forge.tokens.readWrite,
  ...signingEnv(key, true),
  GITHUB_ACTIONS: undefined,
  GITEA_ACTIONS: undefined,
  GITHUB_STEP_SUMMARY: undefined,
  ...extra,
})

async function writeManifest(content: Record<string, unknown> | string): Promise<string> {
  const file = path.join(work.dir, `cascade-${++files}.json`)
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  return file
}

interface CascadeOutput {
  version: string
  dryRun: boolean
  results: Array<{ repo: string; branch: string | null; outcome: string; reason: string | null; before: string | null; after: string | null; commit: string | null; attempts: number; error?: { code: string; message: string; hint?: string } }>
  counts: Record<'updated' | 'unchanged' | 'skipped' | 'failed', number>
}

/** Every pushed ref update moved its branch forward: no force push reached the forge. */
async function expectNoForcePush(): Promise<void> {
  for (const request of forge.requests.filter((r) => r.method === 'POST' && r.service === 'git-receive-pack')) {
    for (const update of request.updates ?? []) {
      const exists = await gitRun(['cat-file', '-e', update.new], { cwd: forge.repoPath(request.repo) })
      if (exists.code !== 0) continue // refused before its objects were kept
      const forward = await gitRun(['merge-base', '--is-ancestor', update.old, update.new], { cwd: forge.repoPath(request.repo) })
      expect(forward.code, `${request.repo}: ${update.old} -> ${update.new}`).toBe(0)
    }
  }
}

describe('pinbot cascade: a mixed fleet', () => {
  it('gives every repo its own outcome, pushes signed commits with trailers, reports failures and exits 1', async () => {
    const fleet = {
      updated: 'fleet/updated',
      fresh: 'fleet/no-pin-yet',
      unchanged: 'fleet/unchanged',
      downgrade: 'fleet/higher',
      noWorkflow: 'fleet/no-workflow',
      missing: 'fleet/missing',
      readOnly: 'fleet/read-only',
      hook: 'fleet/hook-rejects',
      error500: 'fleet/error-500',
      hang: 'fleet/hangs',
      race: 'fleet/raced',
      trunk: 'fleet/trunk',
      url: 'fleet/by-url',
    }
    const { '.runtime-version': _pin, ...unpinned } = TEMPLATE
    const { [WORKFLOW]: _workflow, ...noWorkflow } = TEMPLATE
    await Promise.all([
      forge.createRepo(fleet.updated, { files: TEMPLATE, commits: 3 }),
      forge.createRepo(fleet.fresh, { files: unpinned }),
      forge.createRepo(fleet.unchanged, { files: { ...TEMPLATE, '.runtime-version': '0.1.8\n' } }),
      forge.createRepo(fleet.downgrade, { files: { ...TEMPLATE, '.runtime-version': '0.2.0\n' } }),
      forge.createRepo(fleet.noWorkflow, { files: noWorkflow }),
      forge.createRepo(fleet.readOnly, { files: TEMPLATE }),
      forge.createRepo(fleet.hook, { files: TEMPLATE }),
      forge.createRepo(fleet.error500, { files: TEMPLATE }),
      forge.createRepo(fleet.hang, { files: TEMPLATE }),
      forge.createRepo(fleet.race, { files: TEMPLATE }),
      forge.createRepo(fleet.trunk, { files: TEMPLATE, defaultBranch: 'trunk' }),
      forge.createRepo(fleet.url, { files: TEMPLATE }),
    ])
    await forge.rejectPushes(fleet.hook, 'branch is protected: pushes need review')
    await forge.raceOnce(fleet.race)
    forge.inject({ kind: 'status', status: 403, repo: fleet.readOnly, service: 'git-receive-pack' })
    forge.inject({ kind: 'status', status: 500, repo: fleet.error500 })
    forge.inject({ kind: 'hang', repo: fleet.hang })

    const order = Object.values(fleet)
    const manifest = await writeManifest({
      forge: forge.url,
      repos: order.map((name) => (name === fleet.url ? forge.repoUrl(name) : name)),
      requireFile: WORKFLOW,
      coAuthors: [CO_AUTHOR],
      concurrency: 4,
    })
    const summary = path.join(work.dir, 'step-summary.md')
    const outputs = path.join(work.dir, 'step-outputs')
    const reportFile = path.join(work.dir, 'report.json')
    await writeFile(summary, '# earlier step\n')
    // The hang is injected and never answers; every other request has this long, which a loaded machine never needs.
    const args = ['cascade', '--manifest', manifest, '--version', '0.1.8', '--timeout', String(TIMEOUT_SECONDS), '--repo-timeout', String(REPO_TIMEOUT_SECONDS), '--json', '--report', reportFile]
    const run = await runCli(args, { env: env({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: outputs }) })

    expect(run.code, run.stderr).toBe(1)
    const report = json<CascadeOutput>(run)
    expect(report.version).toBe('0.1.8')
    expect(report.dryRun).toBe(false)
    expect(report.results.map((r) => r.repo)).toEqual(order)
    const byRepo = Object.fromEntries(report.results.map((r) => [r.repo, r]))
    const outcome = (name: string) => [byRepo[name].outcome, byRepo[name].reason ?? byRepo[name].error?.code]
    expect(outcome(fleet.updated)).toEqual(['updated', undefined])
    expect(outcome(fleet.fresh)).toEqual(['updated', undefined])
    expect(outcome(fleet.unchanged)).toEqual(['unchanged', undefined])
    expect(outcome(fleet.downgrade)).toEqual(['skipped', 'downgrade'])
    expect(outcome(fleet.noWorkflow)).toEqual(['skipped', 'missing-required-file'])
    expect(outcome(fleet.missing)).toEqual(['failed', 'not-found'])
    expect(outcome(fleet.readOnly)).toEqual(['failed', 'forbidden'])
    expect(outcome(fleet.hook)).toEqual(['failed', 'rejected'])
    expect(outcome(fleet.error500)).toEqual(['failed', 'http'])
    expect(outcome(fleet.hang)).toEqual(['failed', 'timeout'])
    expect(outcome(fleet.race)).toEqual(['updated', undefined])
    expect(byRepo[fleet.race].attempts).toBe(2)
    expect(byRepo[fleet.trunk]).toMatchObject({ outcome: 'updated', branch: 'trunk' })
    expect(outcome(fleet.url)).toEqual(['updated', undefined])
    expect(byRepo[fleet.hook].error?.message).toContain('branch is protected')
    expect(report.counts).toEqual({ updated: 5, unchanged: 1, skipped: 2, failed: 5 })

    // Each pushed commit: on the branch, the pin only, signed (GnuPG agrees), with the trailer.
    for (const name of [fleet.updated, fleet.fresh, fleet.race, fleet.trunk, fleet.url]) {
      const { commit, branch } = byRepo[name]
      const cwd = forge.repoPath(name)
      expect(await forge.readFile(name, '.runtime-version', branch!)).toBe('0.1.8\n')
      expect(await forge.history(name, branch!)).toContain(commit)
      const verified = await gitRun(['verify-commit', commit!], { cwd, env: gnupg.env })
      expect(verified.code, `${name}: ${verified.stderr}`).toBe(0)
      expect(verified.stderr).toContain('Good signature from "Pin Bot <pinbot@example.com>"')
      const messageText = await git(['log', '-1', '--format=%B', commit!], { cwd })
      expect(await git(['interpret-trailers', '--parse'], { cwd, input: `${messageText}\n` })).toBe(`Co-Authored-By: ${CO_AUTHOR}`)
      expect(await git(['diff-tree', '--no-commit-id', '--name-only', '-r', `${commit}^`, commit!], { cwd })).toBe('.runtime-version')
    }
    expect(await forge.readFile(fleet.downgrade, '.runtime-version')).toBe('0.2.0\n')
    await expectNoForcePush()

    // stderr: one whole block per repo (a log group in Actions), never interleaved; failures; the re-run command; annotations.
    const blocks = run.stderr.split('\n').filter((line) => /^::group::\[\d+\/13\] /.test(line))
    expect(blocks).toHaveLength(13)
    expect(run.stderr.split('\n').filter((line) => line === '::endgroup::')).toHaveLength(13)
    expect(run.stderr).toMatch(/::group::\[\d+\/13\] fleet\/raced \(main\): updated\n(  \| .*\n)*  \| attempt 2: /)
    expect(run.stderr).toContain('5 repos failed:')
    const rerun = /^  (pinbot cascade .*)$/m.exec(run.stderr.split('Re-run only the failed repos with:\n')[1])?.[1]
    expect(rerun).toBe(
      `pinbot cascade --manifest ${manifest} --version 0.1.8 --timeout ${TIMEOUT_SECONDS} --repo-timeout ${REPO_TIMEOUT_SECONDS} --json --report ${reportFile} ${[fleet.missing, fleet.readOnly, fleet.hook, fleet.error500, fleet.hang].map((name) => `--only ${name}`).join(' ')}`,
    )
    const annotations = run.stderr.split('\n').filter((line) => line.startsWith('::error '))
    expect(annotations).toHaveLength(5)
    expect(annotations).toContain(`::error title=pinbot cascade%3A ${fleet.missing}::${byRepo[fleet.missing].error!.code}: ${byRepo[fleet.missing].error!.message}%0AHint: ${byRepo[fleet.missing].error!.hint}`)

    const markdown = await readFile(summary, 'utf8')
    for (const secret of [forge.tokens.readWrite, TEST_PASSPHRASE]) expect(`${run.stdout}${run.stderr}${markdown}`).not.toContain(secret)
    expect(markdown.startsWith('# earlier step\n## pinbot cascade 0.1.8\n')).toBe(true)
    expect(markdown).toContain('13 repos: 5 updated, 1 unchanged, 2 skipped, 5 failed')
    expect(markdown).toContain(`| fleet/raced | main | 0.1.0 → 0.1.8 | \`${byRepo[fleet.race].commit!.slice(0, 10)}\` | updated |  | 2 | `)
    expect(markdown).toMatch(/^\| fleet\/hangs \| - \| - \| - \| failed \| timeout \| 1 \| \d+\.\ds \|$/m)
    // Step outputs: the counts, the failed repos, the JSON report (the --json document) and its path.
    expect(parseOutputs(await readFile(outputs, 'utf8'))).toEqual({
      updated: '5',
      unchanged: '1',
      skipped: '2',
      failed: '5',
      counts: JSON.stringify(report.counts),
      'failed-repos': [fleet.missing, fleet.readOnly, fleet.hook, fleet.error500, fleet.hang].join('\n'),
      'exit-code': '1',
      report: reportFile,
    })
    expect(JSON.parse(await readFile(reportFile, 'utf8'))).toEqual(report)

    // The re-run command, once the faults are gone, touches only the failed repos.
    forge.clearFaults()
    forge.clearLog()
    await forge.setPreReceive(fleet.hook, 'exit 0')
    const again = await runCli(rerun!.split(' ').slice(1), { env: env() })
    expect(again.code).toBe(1)
    const second = json<CascadeOutput>(again)
    expect(second.results.map((r) => [r.repo, r.outcome])).toEqual([
      [fleet.missing, 'failed'],
      [fleet.readOnly, 'updated'],
      [fleet.hook, 'updated'],
      [fleet.error500, 'updated'],
      [fleet.hang, 'updated'],
    ])
    expect(new Set(forge.requests.map((r) => r.repo))).toEqual(new Set([fleet.missing, fleet.readOnly, fleet.hook, fleet.error500, fleet.hang]))
  })
})

describe('pinbot cascade: convergence and idempotence', () => {
  it('two cascades racing over 12 repos converge on the higher version, forced nothing and lost nothing; a re-run pushes nothing', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `race/template-${String(i).padStart(2, '0')}`)
    await Promise.all(names.map((name) => forge.createRepo(name, { files: TEMPLATE, commits: 2 })))
    // Both runs take every repo at once, so their pushes meet whatever the machine's speed.
    const manifest = await writeManifest({ forge: forge.url, repos: names, concurrency: names.length })

    const [older, newer] = await Promise.all(
      ['0.1.7', '0.1.8'].map((version) => runCli(['cascade', '--manifest', manifest, '--version', version, '--retries', '10', '--json'], { env: env() })),
    )
    for (const run of [older, newer]) expect(run.code, run.stderr).toBe(0)
    const reports = [json<CascadeOutput>(older), json<CascadeOutput>(newer)]
    for (const name of names) expect(await forge.readFile(name, '.runtime-version'), name).toBe('0.1.8\n')
    expect(reports[1].results.every((r) => r.outcome === 'updated' || r.outcome === 'unchanged')).toBe(true)
    expect(reports[0].results.every((r) => r.outcome === 'updated' || (r.outcome === 'skipped' && r.reason === 'downgrade'))).toBe(true)
    // Every commit either run reports as pushed is still in its repo's history.
    for (const report of reports) {
      for (const result of report.results.filter((r) => r.outcome === 'updated')) {
        expect(await forge.history(result.repo), `${result.repo} lost ${result.commit}`).toContain(result.commit)
      }
    }
    await expectNoForcePush()

    forge.clearLog()
    const rerun = await runCli(['cascade', '--manifest', manifest, '--version', '0.1.8', '--json'], { env: env() })
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(json<CascadeOutput>(rerun).counts).toEqual({ updated: 0, unchanged: names.length, skipped: 0, failed: 0 })
    expect(forge.requests.filter((r) => r.method === 'POST' && r.service === 'git-receive-pack')).toEqual([])
  })

  it('dry run: reports what it would do, in a table a person reads, and pushes nothing', async () => {
    await Promise.all(['dry/one', 'dry/two'].map((name) => forge.createRepo(name, { files: TEMPLATE })))
    const manifest = await writeManifest({ forge: forge.url, repos: ['dry/one', { repo: 'dry/two', branch: 'main' }], message: 'build: runtime {version}' })
    const run = await runCli(['cascade', '--manifest', manifest, '--version', '1.0.0', '--dry-run'], { env: env() })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toBe('')
    const lines = run.stdout.split('\n')
    expect(lines[0]).toBe(`cascade 1.0.0: 2 repos, ${DEFAULT_CONCURRENCY} at a time, signed by key ${key.fingerprint}, dry run (nothing is pushed)`)
    expect(lines.some((line) => /^repo +branch +before -> after +outcome +reason +attempts +time$/.test(line))).toBe(true)
    expect(lines.some((line) => /^dry\/one +main +0\.1\.0 -> 1\.0\.0 +updated +1 +\d+\.\ds$/.test(line))).toBe(true)
    expect(lines).toContain('2 repos: 2 updated, 0 unchanged, 0 skipped, 0 failed (dry run: nothing was pushed)')
    expect(forge.requests.filter((r) => r.method === 'POST' && r.service === 'git-receive-pack')).toEqual([])
    expect(await forge.readFile('dry/one', '.runtime-version')).toBe('0.1.0\n')
  })
})

describe('pinbot cascade --help', () => {
  it('describes the command with examples, and states the engine\'s defaults', async () => {
    const run = await runCli(['cascade', '--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('pinbot cascade --manifest cascade.json --version 0.1.8')
    expect(run.stdout).toContain(`(default ${DEFAULT_RETRIES})`)
    expect(run.stdout).toContain(`else ${DEFAULT_CONCURRENCY})`)
  })
})

describe('pinbot cascade: preflight (exit 2, nothing touched)', () => {
  it('rejects manifests of the bad corpus before any request (samples: the unit test checks every one in-process)', async () => {
    const samples = [BAD_MANIFESTS[0], BAD_MANIFESTS.find((bad) => bad.problems.length > 2)!, BAD_MANIFESTS[BAD_MANIFESTS.length - 1]]
    for (const bad of samples) {
      const manifest = await writeManifest(bad.text.split(CORPUS_FORGE).join(forge.url))
      const run = await runCli(['cascade', '--manifest', manifest, '--version', '0.1.8'], { env: env() })
      expect(run.code, bad.name).toBe(2)
      expect(run.stdout, bad.name).toBe('')
      for (const [problemPath] of bad.problems) expect(run.stderr, bad.name).toContain(`  ${problemPath}: `)
    }
    expect(forge.requests).toEqual([])
  })

  it('lists manifest problems in --json too', async () => {
    const manifest = await writeManifest({ forge: forge.url, repos: ['a/b', 'A/B'], concurrency: 0 })
    const run = await runCli(['cascade', '--manifest', manifest, '--version', '0.1.8', '--json'], { env: env() })
    expect(run.code).toBe(2)
    expect(json(run)).toEqual({
      error: {
        code: 'invalid-manifest',
        message: expect.stringContaining(manifest),
        hint: expect.any(String),
        problems: [
          { path: '$.repos[1]', message: expect.stringContaining('duplicate of $.repos[0]') },
          { path: '$.concurrency', message: expect.stringContaining('found 0') },
        ],
      },
    })
  })

  it('stops on bad flags, environment or keys without a request (one process for the table)', async () => {
    const manifest = await writeManifest({ forge: forge.url, repos: ['pre/repo'] })
    const cases: [string, string[], Record<string, string | undefined>, string | undefined][] = [
      ['an invalid version', ['--version', 'v0.1.8'], {}, 'invalid-version'],
      ['no token', [], { PINBOT_TOKEN: undefined }, 'missing-token'],
      ['no signing key', [], { PINBOT_SIGNING_KEY: undefined }, undefined],
      ['a wrong key passphrase', [], { PINBOT_SIGNING_PASSPHRASE: 'not it' }, undefined],
      ['an --only repo the manifest lacks', ['--only', 'pre/nope'], {}, 'unknown-repo'],
      ['a bad --timeout', ['--timeout', 'soon'], {}, 'invalid-timeout'],
      // Beyond Node's timer range, which would print a TimeoutOverflowWarning and fire at once.
      ['a --timeout beyond a day', ['--timeout', '99999999999'], {}, 'invalid-timeout'],
      ['a bad --repo-timeout', ['--repo-timeout', '-1'], {}, 'invalid-repo-timeout'],
    ]
    const runs = await runCliMany(
      cases.map(([, extraArgs, extraEnv]) => {
        const version = extraArgs.includes('--version') ? [] : ['--version', '0.1.8']
        return { args: ['cascade', '--manifest', manifest, ...version, ...extraArgs, '--json'], env: env(extraEnv) }
      }),
    )
    for (const [i, [what, , , code]] of cases.entries()) {
      expect(runs[i].code, `${what}\n${runs[i].stdout}`).toBe(2)
      expect(runs[i].stderr, what).not.toContain('Warning')
      if (code) expect(json<{ error: { code: string } }>(runs[i]).error.code, what).toBe(code)
    }
    expect(forge.requests).toEqual([])
  })

  it('stops on a token the forge rejects, after reads only and with no repo reported, without showing the token', async () => {
    await forge.createRepo('pre/probed', { files: TEMPLATE })
    const manifest = await writeManifest({ forge: forge.url, repos: ['pre/probed'] })
    // A slow forge: the repo's own read goes out while the token check is on its way (wide, for a busy machine).
    forge.latencyMs = 2000
    const run = await runCli(['cascade', '--manifest', manifest, '--version', '0.1.8', '--token-env', 'DISPATCH_TOKEN'], { env: env({ DISPATCH_TOKEN: 'revoked-0123456789' }) }).finally(
      () => (forge.latencyMs = 0),
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/Error: the forge at \S+ rejected the token \(HTTP 401[^\n]*; nothing was pushed/)
    expect(run.stderr).toContain('Hint: check DISPATCH_TOKEN')
    expect(`${run.stdout}${run.stderr}`).not.toContain('revoked-0123456789')
    // The run ends on the token check's answer; the repo's first read (capabilities and ls-refs together) was all else it sent.
    expect(forge.requests.map((r) => [r.method, r.service]).sort()).toEqual([
      ['GET', 'git-receive-pack'],
      ['GET', 'git-upload-pack'],
      ['POST', 'git-upload-pack'],
    ])
    expect(forge.requests[0].status).toBe(401)
    expect(run.stdout).not.toContain('pre/probed')
  })
})
