/**
 * The Action as a workflow runs it: action.yml's own steps (their `run:` scripts and
 * `env:`), in a simulated Actions environment (GITHUB_ACTIONS, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, RUNNER_TEMP), against the loopback forge. What the workflow sees:
 * the action's outputs, the step summary and the annotations, for a success, a partial
 * failure and a run stopped by a rejected token.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseAnnotations } from '../../support/actions.js'
import { ROOT } from '../../support/cli.js'
import { runCompositeAction, type ActionRun } from '../../support/composite-action.js'
import { useForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { makeTestKey, TEST_PASSPHRASE, type TestKey } from '../../support/keys.js'
import type { TempDir } from '../../support/tmp.js'

let forge: Forge
let work: TempDir
let key: TestKey
useForge((fixture) => ({ forge, work } = fixture))
beforeAll(async () => {
  key = await makeTestKey('ed25519')
})

let runs = 0
/** A job that checked out the runtime's repo (with cascade.json) and runs the action. */
async function runAction(inputs: Record<string, string>, repos: string[], files: Record<string, string> = {}): Promise<ActionRun & { workspace: string }> {
  const job = path.join(work.dir, `job-${++runs}`)
  const workspace = path.join(job, 'workspace')
  const runnerTemp = path.join(job, 'runner-temp')
  await Promise.all([mkdir(workspace, { recursive: true }), mkdir(runnerTemp, { recursive: true })])
  await writeFile(path.join(workspace, 'cascade.json'), JSON.stringify({ forge: forge.url, repos, commitUrl: '{forge}/{repo}/commit/{commit}' }))
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(workspace, name), text)
  const env = { PATH: process.env.PATH, HOME: process.env.HOME }
  const result = await runCompositeAction({ actionPath: ROOT, inputs: { manifest: 'cascade.json', ...inputs }, env, workspace, runnerTemp })
  return { ...result, workspace }
}

const secrets = () => ({ token: forge.tokens.readWrite, 'signing-key': key.lockedArmored, 'signing-passphrase': TEST_PASSPHRASE })

function expectNoSecrets(run: ActionRun): void {
  for (const secret of [forge.tokens.readWrite, TEST_PASSPHRASE, 'revoked-0123456789']) {
    expect(`${run.log}${run.summary}${JSON.stringify(run.outputs)}`).not.toContain(secret)
  }
}

describe('the pinbot Action (action.yml steps, simulated runner)', () => {
  it('cascade, success: counts and report as outputs, linked commits in the summary, no annotation', async () => {
    await Promise.all(['act/one', 'act/two'].map((name) => forge.createRepo(name)))
    const run = await runAction({ command: 'cascade', version: '0.1.8', ...secrets() }, ['act/one', 'act/two'])
    expect(run.code, run.log).toBe(0)
    expect(run.outputs).toMatchObject({ 'exit-code': '0', updated: '2', unchanged: '0', skipped: '0', failed: '0', 'failed-repos': '', error: '' })
    expect(JSON.parse(run.outputs.counts)).toEqual({ updated: 2, unchanged: 0, skipped: 0, failed: 0 })
    const report = JSON.parse(await readFile(run.outputs.report, 'utf8'))
    expect(run.outputs.report.startsWith(path.dirname(run.workspace))).toBe(true)
    expect(report.results.map((r: { repo: string; outcome: string }) => [r.repo, r.outcome])).toEqual([
      ['act/one', 'updated'],
      ['act/two', 'updated'],
    ])
    for (const result of report.results) {
      expect(await forge.history(result.repo)).toContain(result.commit)
      expect(run.summary).toContain(`[\`${result.commit.slice(0, 10)}\`](${forge.url}/${result.repo}/commit/${result.commit})`)
    }
    expect(run.summary).toContain('## pinbot cascade 0.1.8')
    expect(parseAnnotations(run.log)).toEqual([])
    // Each repo's block is a collapsible group in the log.
    expect(run.log.match(/^::group::\[\d\/2\] act\/(one|two) \(main\): updated$/gm)).toHaveLength(2)
    expectNoSecrets(run)
  })

  it('cascade, partial failure: exit 1, the failed repo as output and as one annotation, the summary says what failed', async () => {
    await forge.createRepo('act/fine')
    const run = await runAction({ command: 'cascade', version: '0.2.0', ...secrets() }, ['act/fine', 'act/absent'])
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ 'exit-code': '1', updated: '1', failed: '1', 'failed-repos': 'act/absent' })
    expect(parseAnnotations(run.log)).toEqual([{ properties: { title: 'pinbot cascade: act/absent' }, message: expect.stringMatching(/^not-found: [^]*\nHint: /) }])
    expect(run.summary).toContain('### Failed')
    expect(run.summary).toContain('- **act/absent**: not-found: ')
    expect(run.summary).toContain('--only act/absent')
    expect(JSON.parse(await readFile(run.outputs.report, 'utf8')).counts).toEqual({ updated: 1, unchanged: 0, skipped: 0, failed: 1 })
    expectNoSecrets(run)
  })

  it('cascade, preflight failure (token rejected): exit 2, the error as output, annotation, summary and report', async () => {
    await forge.createRepo('act/guarded')
    const run = await runAction({ command: 'cascade', version: '0.3.0', ...secrets(), token: 'revoked-0123456789' }, ['act/guarded'])
    expect(run.code).toBe(2)
    expect(run.outputs).toMatchObject({ 'exit-code': '2', error: 'auth', updated: '', 'failed-repos': '' })
    expect(JSON.parse(await readFile(run.outputs.report, 'utf8'))).toEqual({ error: expect.objectContaining({ code: 'auth', message: expect.stringContaining('rejected the token') }) })
    const annotations = parseAnnotations(run.log)
    expect(annotations).toHaveLength(1)
    expect(annotations[0].properties).toEqual({ title: 'pinbot cascade: auth' })
    expect(annotations[0].message).toContain('rejected the token')
    expect(run.summary).toContain('## pinbot cascade: stopped (exit 2)')
    expect(await forge.readFile('act/guarded', '.runtime-version')).toBe('0.1.0\n')
    expectNoSecrets(run)
  })

  it('verify-pins: drift fails the step with one annotation per repo behind, and the verdict as outputs', async () => {
    await Promise.all([forge.createRepo('audit/behind'), forge.createRepo('audit/current', { files: { '.runtime-version': '0.4.0\n' } })])
    const run = await runAction({ command: 'verify-pins', version: '0.4.0', token: forge.tokens.readOnly }, ['audit/behind', 'audit/current'])
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ 'exit-code': '1', passed: 'false', expected: '0.4.0', ok: '1', behind: '1', 'failed-repos': 'audit/behind' })
    expect(parseAnnotations(run.log)).toEqual([{ properties: { title: 'pinbot verify-pins: audit/behind' }, message: 'pinned 0.1.0, expected 0.4.0' }])
    expect(run.summary).toContain('## pinbot verify-pins: pins need attention')
  })

  it("verify (a template's job): a bad pin fails the step with an annotation on its file, line and column", async () => {
    const bad = await runAction({ command: 'verify' }, [], { '.runtime-version': 'v1.2.3\n' })
    expect(bad.code).toBe(1)
    expect(bad.outputs).toMatchObject({ valid: 'false', 'pinned-version': '', 'exit-code': '1' })
    expect(parseAnnotations(bad.log)).toEqual([
      { properties: { file: '.runtime-version', line: '1', col: '1', title: 'pinbot verify: .runtime-version' }, message: expect.stringContaining('leading "v" is not allowed') },
    ])
    const good = await runAction({ command: 'verify' }, [], { '.runtime-version': '1.2.3\n' })
    expect(good.code, good.log).toBe(0)
    expect(good.outputs).toMatchObject({ valid: 'true', 'pinned-version': '1.2.3', 'exit-code': '0' })
  })
})
