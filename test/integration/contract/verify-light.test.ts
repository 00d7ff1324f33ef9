/**
 * Heavy libraries load only in the commands that need them (design brief): `pinbot verify`,
 * which runs in every pre-commit, loads none; `verify-pins` loads openpgp only with --key;
 * the remote commands never load isomorphic-git (their git code is ours: memory-repo.ts).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const dist = path.resolve(import.meta.dirname, '../../../dist')

/** The modules a built module loads: its static imports, and its dynamic ones unless `staticOnly`. */
function importsOf(file: string, options: { staticOnly?: boolean } = {}, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen
  seen.add(file)
  const source = readFileSync(file, 'utf8')
  const specs = [
    ...source.matchAll(/^\s*(?:import|export)\s[^'"=;]*?\bfrom\s*['"]([^'"]+)['"]/gm), // import x from 'y', export * from 'y'
    ...source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm), // import 'y'
    ...source.matchAll(/\bcreateRequire\(import\.meta\.url\)\(\s*['"]([^'"]+)['"]\s*\)/g), // createRequire(import.meta.url)('y')
    ...(options.staticOnly ? [] : source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)), // import('y')
  ].map((match) => match[1])
  for (const spec of specs) {
    if (spec.startsWith('.')) importsOf(path.resolve(path.dirname(file), spec), options, seen)
    else seen.add(spec)
  }
  return seen
}

describe('verify stays light', () => {
  // Follows the imports of the built modules; verify must reach none of these.
  const heavy = ['openpgp', 'isomorphic-git', '@oclif/core', 'http.js', 'memory-repo.js']

  it('the fast path loads no oclif, git library, OpenPGP or network code', () => {
    const loaded = [...importsOf(path.join(dist, 'src/contract/verify-cli.js'))]
    expect(loaded).toContain('semver/functions/parse.js')
    expect(loaded.filter((spec) => heavy.some((name) => spec === name || spec.startsWith(`${name}/`) || spec.endsWith(`/${name}`)))).toEqual([])
  })

  it('the oclif command loads no git library, OpenPGP or network code', () => {
    const loaded = [...importsOf(path.join(dist, 'commands/verify.js'))]
    expect(loaded).toContain('@oclif/core/command')
    const heavyButOclif = heavy.filter((name) => name !== '@oclif/core')
    expect(loaded.filter((spec) => heavyButOclif.some((name) => spec === name || spec.endsWith(`/${name}`)))).toEqual([])
  })
})

describe('verify-pins without --key', () => {
  it('loads no OpenPGP code: only the --key path imports it, on demand', () => {
    const loaded = [...importsOf(path.join(dist, 'commands/verify-pins.js'), { staticOnly: true })]
    expect(loaded).toContain('node:zlib')
    expect(loaded.filter((spec) => spec === 'openpgp' || spec.endsWith('/signing.js') || spec.endsWith('/keys.js'))).toEqual([])
    expect([...importsOf(path.join(dist, 'commands/verify-pins.js'))]).toContain('openpgp')
  })
})

describe('the remote commands', () => {
  it('load no isomorphic-git: fetch, objects and push are memory-repo.ts', () => {
    for (const command of ['cascade', 'verify-pins', 'default-branch']) {
      const loaded = [...importsOf(path.join(dist, `commands/${command}.js`))]
      expect(loaded.some((spec) => spec.endsWith('/smart-http.js')), command).toBe(true)
      expect(loaded, command).not.toContain('isomorphic-git')
    }
  })
})
