import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ManifestError, loadManifest, parseManifest, selectRepos } from '../../../src/fleet/manifest.js'
import { BAD_MANIFESTS, CORPUS_FORGE, GOOD_MANIFESTS } from '../../support/manifest-corpus.js'

function problemsOf(text: string): ManifestError {
  try {
    parseManifest(text, 'cascade.json')
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError)
    return error as ManifestError
  }
  throw new Error('expected the manifest to be rejected')
}

describe('parseManifest: bad manifests', () => {
  it('has a corpus of at least 12 bad manifests', () => {
    expect(BAD_MANIFESTS.length).toBeGreaterThanOrEqual(12)
  })

  for (const bad of BAD_MANIFESTS) {
    it(`rejects: ${bad.name}`, () => {
      const error = problemsOf(bad.text)
      expect(error.code).toBe('invalid-manifest')
      expect(error.exit).toBe(2)
      expect(error.problems.map((p) => p.path).sort()).toEqual(bad.problems.map(([path]) => path).sort())
      for (const [path, fragment] of bad.problems) {
        expect(error.problems.filter((p) => p.path === path).map((p) => p.message).join(' | ')).toContain(fragment)
      }
      // The message a person sees lists every problem, by path.
      for (const problem of error.problems) expect(error.message).toContain(`  ${problem.path}: ${problem.message}`)
    })
  }

  it('refuses a manifest nested 20,000 deep as invalid JSON (exit 2), not with a stack overflow', () => {
    const error = problemsOf(`{"forge": "${CORPUS_FORGE}", "repos": ${'['.repeat(20_000)}`)
    expect(error.exit).toBe(2)
    expect(error.problems).toEqual([{ path: '$', message: expect.stringMatching(/^invalid JSON at line 1, column \d+: nested deeper than 100 levels$/) }])
  })

  it('names the file and counts the problems, and puts them in --json', () => {
    const error = problemsOf(JSON.stringify({ forge: 1, repos: [] }))
    expect(error.message.split('\n')[0]).toBe('invalid manifest cascade.json (2 problems):')
    expect(error.hint).toContain('manifest.schema.json')
    expect(error.toJSON()).toMatchObject({ code: 'invalid-manifest', problems: error.problems })
  })

  it('shows offending text quoted and escaped, so invisible characters are visible', () => {
    const error = problemsOf(JSON.stringify({ forge: CORPUS_FORGE, repos: ['acme/api\n', { repo: 'acme/web', branch: 'main\t' }] }))
    expect(error.problems).toEqual([
      { path: '$.repos[0]', message: 'expected OWNER/NAME or an http(s) URL, found "acme/api\\n"' },
      { path: '$.repos[1].branch', message: 'expected a branch name such as "main", found "main\\t"' },
    ])
  })

  it('never echoes credentials found in a URL', () => {
    const error = problemsOf(JSON.stringify({ forge: 'https://bot:hunter22@forge.test', repos: ['https://x:hunter22@forge.test/a/b.git'] }))
    expect(error.problems).toHaveLength(2)
    expect(error.message).not.toContain('hunter22')
  })
})

describe('parseManifest: valid manifests', () => {
  for (const good of GOOD_MANIFESTS) {
    it(`accepts: ${good.name}`, () => {
      expect(() => parseManifest(good.text)).not.toThrow()
    })
  }

  it('resolves every repo form to a display name, a clone URL and an optional branch', () => {
    const manifest = parseManifest(GOOD_MANIFESTS[1].text)
    expect(manifest.repos).toEqual([
      { name: 'acme/api', url: `${CORPUS_FORGE}/acme/api.git` },
      { name: 'group/sub/web', url: 'https://elsewhere.test/group/sub/web.git' },
      { name: 'acme/go', url: `${CORPUS_FORGE}/acme/go.git`, branch: 'trunk' },
      { name: 'acme/.github', url: `${CORPUS_FORGE}/acme/.github.git` },
    ])
    expect(manifest).toMatchObject({
      forge: CORPUS_FORGE,
      pinFile: '.runtime-version',
      requireFile: '.github/workflows/publish image.yml',
      author: { name: 'pinbot', email: 'pinbot@example.com' },
      coAuthors: ['Release Manager <release@example.com>'],
      message: 'chore(runtime): {version}',
      concurrency: 64,
    })
  })

  it('fills defaults and leaves unset options unset, so flags and built-in defaults apply', () => {
    const manifest = parseManifest(GOOD_MANIFESTS[0].text)
    expect(manifest).toEqual({ forge: CORPUS_FORGE, repos: [{ name: 'acme/api', url: `${CORPUS_FORGE}/acme/api.git` }], pinFile: '.runtime-version', coAuthors: [] })
  })

  it('keeps a forge path prefix, drops its trailing slash, and names forge URLs by their path below it', () => {
    const manifest = parseManifest(JSON.stringify({ forge: 'http://127.0.0.1:3000/gitea/', repos: ['a/b', 'http://127.0.0.1:3000/gitea/c/d.git'] }))
    expect(manifest.forge).toBe('http://127.0.0.1:3000/gitea')
    expect(manifest.repos).toEqual([
      { name: 'a/b', url: 'http://127.0.0.1:3000/gitea/a/b.git' },
      { name: 'c/d', url: 'http://127.0.0.1:3000/gitea/c/d.git' },
    ])
  })

  it('keeps the case of owner and name (forges such as Gitea are case-sensitive)', () => {
    expect(parseManifest(JSON.stringify({ forge: CORPUS_FORGE, repos: ['Molecule-AI/Template'] })).repos[0].url).toBe(`${CORPUS_FORGE}/Molecule-AI/Template.git`)
  })
})

describe('loadManifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbot-manifest-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reads and validates a file, naming it in problems', async () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, '{"forge": "https://forge.test"}')
    await expect(loadManifest(file)).rejects.toMatchObject({ code: 'invalid-manifest', exit: 2, message: expect.stringContaining(file) })
    writeFileSync(file, GOOD_MANIFESTS[0].text)
    await expect(loadManifest(file)).resolves.toMatchObject({ forge: CORPUS_FORGE })
  })

  it('reports a missing file or a directory as bad input', async () => {
    await expect(loadManifest(join(dir, 'absent.json'))).rejects.toMatchObject({ code: 'manifest-unreadable', exit: 2, message: expect.stringContaining('no such file') })
    await expect(loadManifest(dir)).rejects.toMatchObject({ code: 'manifest-unreadable', exit: 2 })
  })
})

describe('selectRepos', () => {
  const repos = parseManifest(JSON.stringify({ forge: CORPUS_FORGE, repos: ['acme/api', 'acme/web', 'https://elsewhere.test/x/y.git'] })).repos

  it('keeps every repo without --only', () => {
    expect(selectRepos(repos, [])).toBe(repos)
  })

  it('matches names and URLs ignoring case, in manifest order', () => {
    expect(selectRepos(repos, ['https://ELSEWHERE.test/x/y.git', 'ACME/api']).map((r) => r.name)).toEqual(['acme/api', 'x/y'])
  })

  it('rejects names the manifest does not list, as bad input', () => {
    expect(() => selectRepos(repos, ['acme/api', 'acme/nope', 'zed/x'])).toThrow(expect.objectContaining({ code: 'unknown-repo', exit: 2, message: expect.stringContaining('acme/nope, zed/x') }))
  })
})

describe('parseManifest: consumer', () => {
  const parse = (fields: Record<string, unknown>) => parseManifest(JSON.stringify({ forge: CORPUS_FORGE, repos: ['acme/api'], ...fields }))

  it('defaults to requireFile and the pin file name, and is off without the key', () => {
    expect(parse({ requireFile: 'ci.yml', consumer: {} }).consumer).toEqual({ file: 'ci.yml', contains: '.runtime-version' })
    expect(parse({ pinFile: 'VERSION', consumer: { file: 'build.yml' } }).consumer).toEqual({ file: 'build.yml', contains: 'VERSION' })
    expect(parse({ requireFile: 'ci.yml', consumer: { file: 'b.yml', contains: 'cat x' } }).consumer).toEqual({ file: 'b.yml', contains: 'cat x' })
    expect(parse({ requireFile: 'ci.yml' })).not.toHaveProperty('consumer')
  })

  it('lists unknown consumer keys like any other', () => {
    expect(() => parse({ consumer: { file: 'a.yml', reads: 'x' } })).toThrow("$.consumer.reads: unknown key (allowed: file, contains)")
  })
})

