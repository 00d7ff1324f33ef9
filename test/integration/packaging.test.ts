/**
 * What `npm pack` ships, and what the docs tell people to install. The install paths
 * themselves (tarball and git URL, global and dev dependency) run in `npm run test:install`.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { HOOK_SCRIPT } from '../../src/hooks/pre-commit-hook.js'
import { ROOT } from '../support/cli.js'
import { run } from '../support/spawn.js'

describe('the package', () => {
  it('ships the built CLI, its manifest, schema, hook definition and LICENSE; no dev-only files', async () => {
    const packed = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT })
    expect(packed.code, packed.stderr).toBe(0)
    const files = (JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((file) => file.path)
    for (const shipped of ['LICENSE', 'README.md', 'package.json', 'bin/run.js', 'oclif.manifest.json', 'manifest.schema.json', '.pre-commit-hooks.yaml', 'dist/commands/cascade.js', 'dist/src/contract/verify-cli.js']) {
      expect(files).toContain(shipped)
    }
    // bin/dev.js needs tsx, a dev dependency; sources, tests and scripts are not for users.
    expect(files.filter((file) => !/^(dist\/|bin\/run\.js$|[^/]+$)/.test(file))).toEqual([])
    expect(files).not.toContain('bin/dev.js')
    expect(await readFile(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/)
    expect(JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).license).toBe('MIT')
  })

  it('is never to be installed by its name from the npm registry (the name there is not ours)', async () => {
    const registryInstall = /\bnpm\s+(?:install|i|add)\b[^\n"`']*?\s(?:--?[\w-]+\s+)*pinbot(?![\w./@#-])/
    const texts = {
      'README.md': await readFile(path.join(ROOT, 'README.md'), 'utf8'),
      '.pre-commit-hooks.yaml': await readFile(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8'),
      'the installed hook': HOOK_SCRIPT,
    }
    expect(registryInstall.test('npm install --save-dev pinbot')).toBe(true)
    for (const [name, text] of Object.entries(texts)) expect(text, name).not.toMatch(registryInstall)
    // The README's pre-commit snippet: a rev that pre-commit autoupdate replaces, since no tag exists yet.
    expect(texts['README.md']).toMatch(/rev: main +# then run `pre-commit autoupdate`/)
    // Its "$schema" path is where a dev-dependency install puts the shipped schema.
    expect(texts['README.md']).toContain('"$schema": "./node_modules/pinbot/manifest.schema.json"')
  })
})
