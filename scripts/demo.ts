/**
 * `npm run demo`: the whole story in seconds, on this machine only. A loopback git forge
 * (the one the tests use: real `git http-backend` on 127.0.0.1) with 9 sample templates,
 * an ephemeral bot key, a real `pinbot cascade` through the built CLI, an audit with
 * `pinbot verify-pins`, a re-run that pushes nothing, and GnuPG's own verdict on one of
 * the new commits. Everything it creates is removed at the end.
 *
 * `npm run demo -- --ssh` (or PINBOT_DEMO_SIGNING=ssh) does the same with an SSH signing key,
 * audited against an allowed_signers file and judged by git with gpg.format=ssh.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { shellQuote } from '../src/fleet/cascade.js'
import { Forge } from '../test/support/forge.js'
import { git, gitRun } from '../test/support/git.js'
import { createGnupgHome } from '../test/support/gpg.js'
import { tempDir } from '../test/support/tmp.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const WORKFLOW = '.github/workflows/publish-image.yml'
const VERSION = '0.1.8'
const BOT = { name: 'Pin Bot', email: 'pinbot@example.com' }
const SSH = process.argv.includes('--ssh') || process.env.PINBOT_DEMO_SIGNING === 'ssh'

const template = (name: string, pin: string | undefined, workflow = true): Record<string, string> => ({
  'README.md': `# ${name}\n`,
  Dockerfile: 'ARG RUNTIME_VERSION\nFROM python:3.12-slim\n',
  ...(pin !== undefined && { '.runtime-version': `${pin}\n` }),
  ...(workflow && { [WORKFLOW]: 'on:\n  push:\n    branches: [main, trunk]\n' }),
})

const TEMPLATES: Array<{ name: string; files: Record<string, string>; defaultBranch?: string; note: string }> = [
  { name: 'templates/python', files: template('python', '0.1.7'), note: 'at 0.1.7' },
  { name: 'templates/node', files: template('node', '0.1.7'), note: 'at 0.1.7' },
  { name: 'templates/go', files: template('go', '0.1.6'), defaultBranch: 'trunk', note: 'default branch trunk' },
  { name: 'templates/rust', files: template('rust', '0.1.7'), note: 'at 0.1.7' },
  { name: 'templates/java', files: template('java', '0.1.5'), note: 'at 0.1.5' },
  { name: 'templates/ruby', files: template('ruby', undefined), note: 'no pin file yet' },
  { name: 'templates/php', files: template('php', '0.1.7', false), note: 'no publish workflow: skipped' },
  { name: 'templates/deno', files: template('deno', VERSION), note: 'already pinned' },
  { name: 'templates/elixir', files: template('elixir', '0.1.7'), note: 'at 0.1.7' },
]

function heading(text: string): void {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`)
}

/** Run the built CLI, its output shown as it comes; resolves with the exit code. */
function pinbot(args: string[], env: Record<string, string>): Promise<number> {
  process.stdout.write(`$ pinbot ${args.map(shellQuote).join(' ')}\n`)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/run.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] })
    child.on('error', reject)
    child.on('close', (code) => resolve(code ?? -1))
  })
}

function expectExit(what: string, code: number, expected: number): void {
  if (code !== expected) throw new Error(`${what} exited ${code}, expected ${expected}`)
}

async function main(): Promise<void> {
  // npm ci builds (the prepare script), so the demo does not build again.
  if (!existsSync(path.join(ROOT, 'dist/commands'))) throw new Error('the CLI is not built: run npm ci (or npm run build) first')
  const started = Date.now()
  const [forge, work, gnupg] = await Promise.all([Forge.start(), tempDir('pinbot-demo-'), createGnupgHome()])
  try {
    heading(`A loopback forge at ${forge.url} with ${TEMPLATES.length} templates`)
    await Promise.all(TEMPLATES.map((t) => forge.createRepo(t.name, { files: t.files, commits: 3, defaultBranch: t.defaultBranch })))
    for (const t of TEMPLATES) process.stdout.write(`  ${t.name.padEnd(18)} ${t.note}\n`)

    heading(`An ephemeral bot key (${SSH ? 'SSH' : 'OpenPGP'})`)
    const keyFile = path.join(work.dir, SSH ? 'pinbot_ed25519' : 'pinbot.asc')
    const generate = SSH
      ? ['key', 'generate', '--format', 'ssh', '--email', BOT.email, '--out', keyFile]
      : ['key', 'generate', '--name', BOT.name, '--email', BOT.email, '--expires', '1d', '--out', keyFile]
    expectExit('key generate', await pinbot(generate, {}), 0)
    // An SSH key holds only the email (its comment): the bot's name comes from the manifest's author.
    const allowedSigners = path.join(work.dir, 'allowed_signers')
    if (SSH) await writeFile(allowedSigners, `${BOT.email} ${(await readFile(`${keyFile}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ')}\n`)

    const manifest = path.join(work.dir, 'cascade.json')
    const content = {
      $schema: path.join(ROOT, 'manifest.schema.json'),
      forge: forge.url,
      repos: TEMPLATES.map((t) => t.name),
      requireFile: WORKFLOW,
      ...(SSH && { author: BOT }),
      coAuthors: ['Release Manager <release@example.com>'],
      concurrency: 4,
    }
    await writeFile(manifest, `${JSON.stringify(content, null, 2)}\n`)
    heading('The manifest ("$schema" lets an editor check it as you type)')
    process.stdout.write(await readFile(manifest, 'utf8'))

    const env = { PINBOT_TOKEN: forge.tokens.readWrite }
    heading(`The cascade: pin every template to ${VERSION}, signed, ${content.concurrency} at a time`)
    expectExit('cascade', await pinbot(['cascade', '--manifest', manifest, '--version', VERSION, '--signing-key', keyFile], env), 0)

    heading('The same cascade again: every repo is unchanged, nothing is pushed')
    forge.clearLog()
    expectExit('second cascade', await pinbot(['cascade', '--manifest', manifest, '--version', VERSION, '--signing-key', keyFile], env), 0)
    const pushes = forge.requests.filter((r) => r.method === 'POST' && r.service === 'git-receive-pack').length
    process.stdout.write(`the forge received ${pushes} pushes\n`)
    if (pushes !== 0) throw new Error('the re-run pushed')

    heading('The audit: which version each template is on, and who signed its pin')
    await pinbot(['verify-pins', '--manifest', manifest, '--expect', VERSION, '--key', SSH ? allowedSigners : `${keyFile}.pub`], env)

    const repo = forge.repoPath('templates/go')
    let verdict
    if (SSH) {
      heading("git's verdict (gpg.format=ssh) on templates/go's new commit (branch trunk)")
      process.stdout.write(`${await git(['log', '-1', '--format=commit %H%nAuthor: %an <%ae>%n%n%B', 'trunk'], { cwd: repo })}\n`)
      const args = ['-c', 'gpg.format=ssh', '-c', `gpg.ssh.allowedSignersFile=${allowedSigners}`, 'verify-commit', 'trunk']
      verdict = await gitRun(args, { cwd: repo })
      process.stdout.write(`$ git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile=allowed_signers verify-commit trunk\n${verdict.stderr}`)
    } else {
      heading("GnuPG's verdict on templates/go's new commit (branch trunk)")
      await gnupg.importKey(await readFile(`${keyFile}.pub`, 'utf8'))
      process.stdout.write(`${await git(['log', '-1', '--format=commit %H%nAuthor: %an <%ae>%n%n%B', 'trunk'], { cwd: repo })}\n`)
      verdict = await gitRun(['verify-commit', 'trunk'], { cwd: repo, env: gnupg.env })
      process.stdout.write(`$ git verify-commit trunk\n${verdict.stderr}`)
    }
    expectExit('git verify-commit', verdict.code, 0)

    heading(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s; the forge${SSH ? ' and the key' : ', the key and the GnuPG home'} are removed`)
  } finally {
    await Promise.all([forge.stop(), gnupg.cleanup(), work.cleanup()])
  }
}

main().catch((error: Error) => {
  process.stderr.write(`demo failed: ${error.message}\n`)
  process.exitCode = 1
})
