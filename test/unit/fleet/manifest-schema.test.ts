/**
 * manifest.schema.json (for editors) and src/fleet/manifest.ts (what pinbot enforces) must
 * describe the same manifest. The schema is evaluated here by a deliberately small
 * interpreter of the keywords it uses, which refuses any other keyword, so a schema edit
 * that this test cannot check fails loudly instead of passing silently.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { checkIdentity, checkTemplate, DEFAULT_MESSAGE_TEMPLATE, parseCoAuthor } from '../../../src/identity/commit-message.js'
import { AUTHOR_KEYS, MANIFEST_KEYS, MANIFEST_REQUIRED, REPO_OBJECT_KEYS, parseManifest } from '../../../src/fleet/manifest.js'
import { PIN_FILE } from '../../../src/contract/runtime-version.js'
import { BAD_MANIFESTS, CORPUS_FORGE, GOOD_MANIFESTS } from '../../support/manifest-corpus.js'

type Schema = Record<string, any>
const schema: Schema = JSON.parse(readFileSync(new URL('../../../manifest.schema.json', import.meta.url), 'utf8'))

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'examples', 'default'])

function resolve(ref: string): Schema {
  const match = /^#\/\$defs\/(\w+)$/.exec(ref)
  if (!match || !schema.$defs[match[1]]) throw new Error(`unsupported $ref ${ref}`)
  return schema.$defs[match[1]]
}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

/** Does `value` satisfy `node`? Only the keywords the manifest schema uses are known. */
function satisfies(node: Schema, value: unknown): boolean {
  return Object.entries(node).every(([keyword, arg]) => {
    if (ANNOTATIONS.has(keyword)) return true
    const object = value as Record<string, unknown>
    switch (keyword) {
      case '$ref':
        return satisfies(resolve(arg), value)
      case 'anyOf':
        return (arg as Schema[]).some((option) => satisfies(option, value))
      case 'type':
        return typeOf(value) === arg || (arg === 'number' && typeOf(value) === 'integer')
      case 'pattern':
        return typeof value !== 'string' || new RegExp(arg, 'u').test(value)
      case 'minLength':
        return typeof value !== 'string' || [...value].length >= arg
      case 'minimum':
        return typeof value !== 'number' || value >= arg
      case 'maximum':
        return typeof value !== 'number' || value <= arg
      case 'minItems':
        return !Array.isArray(value) || value.length >= arg
      case 'uniqueItems':
        return !Array.isArray(value) || !arg || new Set(value.map((item) => JSON.stringify(item))).size === value.length
      case 'items':
        return !Array.isArray(value) || value.every((item) => satisfies(arg, item))
      case 'required':
        return typeOf(value) !== 'object' || (arg as string[]).every((key) => key in object)
      case 'properties':
        return typeOf(value) !== 'object' || Object.entries(arg as Record<string, Schema>).every(([key, sub]) => !(key in object) || satisfies(sub, object[key]))
      case 'additionalProperties':
        if (arg !== false) throw new Error('only additionalProperties: false is supported')
        return typeOf(value) !== 'object' || Object.keys(object).every((key) => key in node.properties)
      case '$defs':
        return true
      default:
        throw new Error(`the schema uses "${keyword}", which this test does not interpret: teach it, or drop the keyword`)
    }
  })
}

function validatorAccepts(value: unknown): boolean {
  try {
    parseManifest(JSON.stringify(value))
    return true
  } catch {
    return false
  }
}

const repoObject = schema.$defs.repoEntry.anyOf.find((option: Schema) => option.type === 'object')

/** Every property schema, with the path of its value inside a manifest. */
function documentedProperties(): Array<{ where: string; node: Schema; place: (value: unknown) => Record<string, unknown> }> {
  const base = { forge: CORPUS_FORGE, repos: ['acme/api'] }
  return [
    ...Object.entries(schema.properties as Record<string, Schema>).map(([key, node]) => ({ where: key, node, place: (value: unknown) => ({ ...base, [key]: value }) })),
    ...Object.entries(repoObject.properties as Record<string, Schema>).map(([key, node]) => ({
      where: `repos[].${key}`,
      node,
      place: (value: unknown) => ({ ...base, repos: [{ repo: 'acme/api', [key]: value }] }),
    })),
    ...Object.entries(schema.$defs.author.properties as Record<string, Schema>).map(([key, node]) => ({
      where: `author.${key}`,
      node,
      place: (value: unknown) => ({ ...base, author: { name: 'pinbot', email: 'pinbot@example.com', [key]: value } }),
    })),
  ]
}

const TRICKY: Record<string, unknown[]> = {
  forge: ['https://forge.test', 'http://127.0.0.1:8080/git/', 'HTTPS://forge.test', 'https://forge.test/a b', 'https://u@forge.test', 'https://forge.test#x', 'https://', 'forge.test', 3],
  repos: [[], ['a/b', 'a/c'], [['a/b']], ['a/b', 'a/b']],
  pinFile: ['.runtime-version', 'VERSION', '.git', '.GIT', '.gitignore', 'a/b', '..', '.', 'a\\b', 'tab\tname', '', 5],
  requireFile: ['.github/workflows/x.yml', '.gitea/x.yml', '.git/config', 'a/.Git/x', 'a/.git', 'a', '/a', 'a/', 'a//b', './a', 'a/../b', 'a/..', '..', 'a\\b', 'new\nline', ''],
  consumer: [
    { file: 'a.yml' },
    { file: '.github/workflows/x.yml', contains: 'cat .runtime-version' },
    { file: '/a' },
    { file: 'a/../b' },
    { file: 'a.yml', contains: '' },
    { file: 'a.yml', contains: 'two\nlines' },
    { file: 'a.yml', contains: 3 },
    { file: 'a.yml', x: 1 },
    'a.yml',
    true,
    null,
  ],
  coAuthors: [[], ['A <a@b.co>'], ['A B <a.b@c.d.e>'], ['<a@b.co>'], [' <a@b.co>'], ['A <a@b>'], ['A<a@b.co>'], ['A <a b@c.co>'], ['A <a@b.co> '], ['A\0 <a@b.co>'], 'A <a@b.co>'],
  message: ['{version}', 'x {version} y', '{version} {version}', '{Version}', '{ version }', '{version} {foo}', '{version} {}', '{version} }{', 'a\n{version}', '{version}\r', '', 7],
  concurrency: [1, 8, 64, 0, 65, -1, 1.5, '8', null],
  pace: [{ maxPushesPerMinute: 60 }, { maxPushesPerMinute: 1 }, { maxPushesPerMinute: 6000 }, { maxPushesPerMinute: 0 }, { maxPushesPerMinute: 6001 }, { maxPushesPerMinute: 1.5 }, { maxPushesPerMinute: '60' }, {}, { maxPushesPerMinute: 60, burst: 2 }, 60, null],
  tokenOrigins: [[], ['https://mirror.test'], ['http://127.0.0.1:8080'], ['https://mirror.test/'], ['https://mirror.test/x'], ['mirror.test'], ['https://u@m.test'], ['https://m.test?x'], 'https://mirror.test', [3]],
  allowTokenOverHttp: [true, false, 'true', 1, null],
  $schema: ['./manifest.schema.json', 1],
  commitUrl: [
    '{forge}/{repo}/commit/{commit}',
    'https://github.com/{repo}/commit/{commit}',
    '{forge}/{repo}/-/commit/{commit}',
    'http://x.test/{commit}',
    'https://x.test/{repo}',
    'ftp://x.test/{commit}',
    '{forge}{commit}',
    'x/{commit}',
    '{forge}/{sha}/{commit}',
    '{forge}/{commit}/{}',
    'https://x.test/{commit} x',
    'https://x.test/"{commit}',
    '',
    5,
  ],
  author: [{ name: 'a', email: 'a@b.co' }, { name: 'a' }, { email: 'a@b.co' }, { name: 'a', email: 'a@b.co', x: 1 }, 'a <a@b.co>', null],
  'repos[].repo': ['a/b', 'a.b/c-d_e', '.github/.github', 'a/b.git', 'a/.git', 'a/b.gitx', './b', 'a/.', 'a/b/c', 'a', '', 'https://x.test/a', 'https://x.test/a/', 'https://x.test/', 'https://x.test', 'http://x.test/a/b.git?x', 'git@x.test:a/b.git'],
  'repos[].branch': ['main', 'trunk', 'feature/x', 'v1.2', '', '-x', '/x', 'x/', '.x', 'x.', 'a..b', 'a//b', 'a/.b', 'x.lock', 'a.lock/b', '@', 'a@{b', 'a b', 'a~b', 'a^b', 'a:b', 'a?b', 'a*b', 'a[b', 'a\\b', 'a\u007fb', 'héllo', 3],
  'author.name': ['pinbot', 'Pin Bot', '', ' ', 'a<b', 'a>b', 'two\nlines', 'cr\r', 'nul\0', 1],
  'author.email': ['bot@example.com', 'bot@x', 'bot@', '@x', 'bot', 'a b@c.de', '<a@b.co>', 'a@b@c.de', ''],
}

describe('manifest.schema.json', () => {
  it('is a draft 2020-12 schema closed to unknown keys at every level', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    for (const node of [schema, repoObject, schema.$defs.author]) expect(node.additionalProperties).toBe(false)
  })

  it('documents exactly the keys the validator knows, with the same required ones', () => {
    expect(Object.keys(schema.properties).sort()).toEqual([...MANIFEST_KEYS].sort())
    expect([...schema.required].sort()).toEqual([...MANIFEST_REQUIRED].sort())
    expect(Object.keys(repoObject.properties).sort()).toEqual([...REPO_OBJECT_KEYS].sort())
    expect(repoObject.required).toEqual(['repo'])
    expect(Object.keys(schema.$defs.author.properties).sort()).toEqual([...AUTHOR_KEYS].sort())
    expect([...schema.$defs.author.required].sort()).toEqual([...AUTHOR_KEYS].sort())
  })

  it('describes every property and gives an example the validator and the schema accept', () => {
    for (const { where, node, place } of documentedProperties()) {
      expect(node.description, where).toBeTruthy()
      expect(node.examples?.length, where).toBeGreaterThan(0)
      for (const example of node.examples) {
        expect(validatorAccepts(place(example)), `${where} example ${JSON.stringify(example)}`).toBe(true)
        expect(satisfies(schema, place(example)), `${where} example ${JSON.stringify(example)} (schema)`).toBe(true)
      }
    }
  })

  it('states the defaults pinbot applies', () => {
    expect(schema.properties.message.default).toBe(DEFAULT_MESSAGE_TEMPLATE)
    expect(schema.properties.pinFile.default).toBe(PIN_FILE)
    expect(parseManifest(JSON.stringify({ forge: CORPUS_FORGE, repos: ['a/b'] })).pinFile).toBe(PIN_FILE)
  })

  it('agrees with the validator on every manifest of the corpus', () => {
    for (const good of GOOD_MANIFESTS) expect(satisfies(schema, JSON.parse(good.text.replace(/^\uFEFF/, ''))), good.name).toBe(true)
    for (const bad of BAD_MANIFESTS.filter((b) => !b.schemaCannotTell)) expect(satisfies(schema, JSON.parse(bad.text)), bad.name).toBe(false)
  })

  it('agrees with the validator, value by value, on tricky values for each property', () => {
    const properties = documentedProperties()
    expect(Object.keys(TRICKY).sort()).toEqual(properties.map((p) => p.where).sort())
    for (const { where, place } of properties) {
      for (const value of TRICKY[where]) {
        const manifest = place(value)
        expect(satisfies(schema, manifest), `${where} = ${JSON.stringify(value)}: schema and validator disagree`).toBe(validatorAccepts(manifest))
      }
    }
  })
})

describe('manifest identity and message rules', () => {
  const accepts = (check: () => unknown) => {
    try {
      check()
      return true
    } catch {
      return false
    }
  }

  it('accept nothing that the commit step would refuse from the same flags', () => {
    const base = { forge: CORPUS_FORGE, repos: ['acme/api'] }
    const coAuthors = (TRICKY.coAuthors.filter(Array.isArray) as unknown[][]).flat().filter((v): v is string => typeof v === 'string')
    for (const value of coAuthors) {
      if (validatorAccepts({ ...base, coAuthors: [value] })) expect(accepts(() => parseCoAuthor(value)), JSON.stringify(value)).toBe(true)
    }
    for (const name of TRICKY['author.name'].filter((v): v is string => typeof v === 'string')) {
      const author = { name, email: 'bot@example.com' }
      if (validatorAccepts({ ...base, author })) expect(accepts(() => checkIdentity(author, 'author')), JSON.stringify(name)).toBe(true)
    }
    for (const email of TRICKY['author.email'].filter((v): v is string => typeof v === 'string')) {
      const author = { name: 'bot', email }
      if (validatorAccepts({ ...base, author })) expect(accepts(() => checkIdentity(author, 'author')), JSON.stringify(email)).toBe(true)
    }
    for (const message of TRICKY.message.filter((v): v is string => typeof v === 'string')) {
      if (validatorAccepts({ ...base, message })) expect(accepts(() => checkTemplate(message)), JSON.stringify(message)).toBe(true)
    }
  })
})
