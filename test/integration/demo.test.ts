/** `npm run demo` is the README's quick start: it must keep working, quickly and cleanly. */
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { expect, it } from 'vitest'
import { ROOT } from '../support/cli.js'
import { run as runProcess } from '../support/spawn.js'
import { tempDir } from '../support/tmp.js'

it('runs the demo end to end: cascade, idempotent re-run, audit, GnuPG verdict; exits 0 and leaves nothing behind', async () => {
  // A private TMPDIR, so what the demo leaves behind is told apart from other tests' files.
  const tmp = await tempDir('pd-')
  const run = await runProcess(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/demo.ts')], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp.dir } })
  // tsx keeps its compile cache there too; that one is not the demo's.
  const leftovers = (await readdir(tmp.dir)).filter((entry) => !entry.startsWith('tsx-'))
  await tmp.cleanup()
  expect(run.code, run.stderr).toBe(0)
  expect(run.stdout).toContain('9 repos: 7 updated, 1 unchanged, 1 skipped, 0 failed')
  expect(run.stdout).toContain('9 repos: 0 updated, 8 unchanged, 1 skipped, 0 failed')
  expect(run.stdout).toContain('the forge received 0 pushes')
  expect(run.stdout).toMatch(/templates\/go +trunk +0\.1\.6 -> 0\.1\.8 +updated/)
  expect(run.stdout).toContain('Good signature from "Pin Bot <pinbot@example.com>"')
  expect(leftovers).toEqual([])
})

it('runs in SSH mode (--ssh): an SSH bot key, audited against allowed_signers, judged by git with gpg.format=ssh', async () => {
  const run = await runProcess(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/demo.ts'), '--ssh'], { cwd: ROOT, env: process.env })
  expect(run.code, run.stderr).toBe(0)
  expect(run.stdout).toContain('9 repos: 7 updated, 1 unchanged, 1 skipped, 0 failed')
  expect(run.stdout).toContain('signatures: 7 signed-by-bot, 1 unsigned')
  expect(run.stdout).toMatch(/Good "git" signature for pinbot@example\.com with ED25519 key SHA256:/)
})
