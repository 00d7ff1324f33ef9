/**
 * `npm run check:tmux-view`: the live view in a real terminal. A private tmux server runs
 * `pinbot cascade`, then `pinbot verify-pins` (the built CLI) against the loopback forge with latency
 * added to every request, at 160 columns; while repos are in flight the pane must show
 * their phases; the window is then narrowed to 50 columns mid-run; at the end, the whole
 * pane history must hold no stale progress line, and each repo exactly once.
 *
 *   npm run check:tmux-view                       # 12 repos, 2 s latency
 *   npm run check:tmux-view -- --repos 4 --latency 400
 *
 * Exit 0 when every check holds, 1 otherwise (what failed is printed, with the pane).
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { Forge } from '../test/support/forge.js'
import { tempDir } from '../test/support/tmp.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const run = promisify(execFile)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface TmuxViewResult {
  ok: boolean
  problems: string[]
  /** The pane while repos were in flight, and the whole history at the end. */
  during: string
  final: string
}

export async function checkTmuxView(options: { repos: number; latencyMs: number; command?: 'cascade' | 'verify-pins' }): Promise<TmuxViewResult> {
  const verb = options.command ?? 'cascade'
  const [forge, work] = await Promise.all([Forge.start({ latencyMs: 0 }), tempDir('pinbot-tmux-')])
  const socket = path.join(work.dir, 'tmux.sock')
  const tmux = (...args: string[]) => run('tmux', ['-S', socket, '-f', '/dev/null', ...args]).then((r) => r.stdout)
  try {
    const names = Array.from({ length: options.repos }, (_, i) => `view/template-${String(i + 1).padStart(2, '0')}`)
    await Promise.all(names.map((name) => forge.createRepo(name)))
    forge.latencyMs = options.latencyMs
    const manifest = path.join(work.dir, 'cascade.json')
    await writeFile(manifest, JSON.stringify({ forge: forge.url, repos: names, concurrency: 4, author: { name: 'Pin Bot', email: 'pinbot@example.com' } }))
    const args = verb === 'cascade' ? ['cascade', '--manifest', manifest, '--version', '0.1.8', '--no-sign'] : ['verify-pins', '--manifest', manifest, '--concurrency', '4']
    const command = [process.execPath, path.join(ROOT, 'bin/run.js'), ...args].map((arg) => `'${arg}'`).join(' ')
    await tmux('new-session', '-d', '-s', 'view', '-x', '160', '-y', '40', '-e', `PINBOT_TOKEN=${forge.tokens.readWrite}`, `${command}; echo __PINBOT_DONE__; sleep 600`)
    const pane = () => tmux('capture-pane', '-p', '-J', '-t', 'view', '-S', '-', '-E', '-')

    // While repos are in flight: their phases show (each request waits latencyMs).
    let during = ''
    for (let waited = 0; waited < options.latencyMs * 4 + 5000 && !/ {2}… view\/\S+ {2}(reading|signing|pushing)/.test(during); waited += 100) {
      await sleep(100)
      during = await pane()
    }
    await tmux('resize-window', '-t', 'view', '-x', '50', '-y', '40')
    let final = ''
    for (let waited = 0; waited < options.latencyMs * options.repos * 3 + 30_000 && !final.includes('__PINBOT_DONE__'); waited += 200) {
      await sleep(200)
      final = await pane()
    }

    const problems: string[] = []
    if (!/ {2}… view\/\S+ {2}(reading|signing|pushing)/.test(during)) problems.push('no repo in flight showed its phase (reading, signing, pushing)')
    if (!final.includes('__PINBOT_DONE__')) problems.push('the cascade did not finish')
    const lines = final.split('\n')
    const stale = lines.filter((line) => /^\d+\/\d+ done, \d+ in flight/.test(line) || line.startsWith('  … '))
    if (stale.length) problems.push(`${stale.length} stale live-view lines left in the pane:\n${stale.join('\n')}`)
    for (const name of names) {
      const seen = lines.filter((line) => line.includes(`${name} `)).length
      if (seen !== 1) problems.push(`${name} appears ${seen} times (expected once)`)
    }
    const counts = verb === 'cascade' ? `${options.repos} repos: ${options.repos} updated` : `${options.repos} repos, expected 0.1.0`
    if (!lines.some((line) => line.startsWith(counts))) problems.push(`no final counts line (${counts} ...)`)
    return { ok: problems.length === 0, problems, during, final }
  } finally {
    await tmux('kill-server').catch(() => {})
    await Promise.all([forge.stop(), work.cleanup()])
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { repos: { type: 'string', default: '12' }, latency: { type: 'string', default: '2000' } } })
  for (const command of ['cascade', 'verify-pins'] as const) {
    const result = await checkTmuxView({ repos: Number(values.repos), latencyMs: Number(values.latency), command })
    process.stdout.write(`=== ${command} ===\n--- pane while repos were in flight (160 columns) ---\n${result.during.trimEnd()}\n--- whole pane at the end (narrowed to 50 columns mid-run) ---\n${result.final.trimEnd()}\n---\n`)
    process.stdout.write(result.ok ? `tmux view, ${command}: ok (phases shown, no stale line after the resize, each repo once)\n` : `tmux view, ${command}: FAILED\n- ${result.problems.join('\n- ')}\n`)
    if (!result.ok) process.exitCode = 1
  }
}
