/**
 * The cascade manifest: which repos to pin and how to commit. Validated by hand rather
 * than by a JSON Schema library so that every problem is reported at once, by JSON path,
 * in words a person can act on, and so that checks the schema cannot express (repos
 * unique ignoring case, no credentials in URLs, line and column of a JSON syntax error,
 * keys repeated in one object) live in the same place. `manifest.schema.json` documents
 * the same rules for editors; a unit test keeps the two in agreement.
 */
import { distance } from 'fastest-levenshtein'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { UsageError } from '../errors.js'
import { tokenScope } from '../git/auth.js'
import { formatJsonPath, JsonSyntaxError, parseJson, type JsonPath } from './json-parse.js'
import { redact } from '../redact.js'
import { PIN_FILE } from '../contract/runtime-version.js'
import type { PinConsumer } from '../pin/pin-consumer.js'

export interface ManifestRepo {
  /** OWNER/NAME (or the URL's path), as shown in reports and matched by `--only`. */
  name: string
  /** Full clone URL. */
  url: string
  /** Branch to pin; undefined: the repo's default branch. */
  branch?: string
}

export interface ManifestAuthor {
  name: string
  email: string
}

export interface Manifest {
  /** Base URL, without a trailing slash. */
  forge: string
  repos: ManifestRepo[]
  pinFile: string
  requireFile?: string
  consumer?: PinConsumer
  author?: ManifestAuthor
  coAuthors: string[]
  message?: string
  concurrency?: number
  /** Pushes a minute at most, spread evenly (`--max-pushes-per-minute` overrides it). */
  pace?: { maxPushesPerMinute: number }
  /** Origins besides the forge's that the token is sent to; repos elsewhere are read anonymously. */
  tokenOrigins?: string[]
  /** The opt-in to send the token over plain http to a host that is not loopback. */
  allowTokenOverHttp?: boolean
  /** How the forge links a commit, e.g. `{forge}/{repo}/commit/{commit}`; reports link commit ids with it. */
  commitUrl?: string
}

export interface ManifestProblem {
  /** JSON path of the offending value, e.g. `$.repos[3].branch`. */
  path: string
  message: string
}

export const MIN_CONCURRENCY = 1
export const MAX_CONCURRENCY = 64
export const MAX_PUSHES_PER_MINUTE = 6000
export const PACE_KEYS = ['maxPushesPerMinute'] as const

export class ManifestError extends UsageError {
  constructor(
    readonly file: string,
    readonly problems: ManifestProblem[],
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
    super('invalid-manifest', [`invalid manifest ${file} (${count}):`, ...problems.map((p) => `  ${p.path}: ${p.message}`)].join('\n'), {
      hint: 'fix every problem listed; manifest.schema.json (shipped with pinbot) documents each key, and editors check the file when it sets "$schema" to that schema',
    })
    this.name = 'ManifestError'
  }

  override toJSON() {
    return { ...super.toJSON(), problems: this.problems }
  }
}

// The same rules as the patterns in manifest.schema.json (the drift test compares them);
// BRANCH is git/branch-name.ts's rule as a pattern (a unit test compares them).
const HTTP_URL = /^https?:\/\//
const REPO_NAME = /^(?!\.\.?\/)[A-Za-z0-9_.-]+\/(?!\.\.?$)[A-Za-z0-9_.-]+$/
const BRANCH = /^(?![-/.])(?!.*(\.\.|@\{|\/\/|\/\.|\.lock\/))(?!.*(\.lock|\/|\.)$)(?!(@|HEAD)$)[^\x00-\x20~^:?*[\\\x7f]+$/
const PIN_FILE_NAME = /^(?!\.\.?$)(?!\.[gG][iI][tT]$)[^/\\\x00-\x1f\x7f]+$/
const RELATIVE_PATH = /^(?!\/)(?!.*\/$)(?!.*\/\/)(?!(.*\/)?\.\.?(\/|$))(?!(.*\/)?\.[gG][iI][tT](\/|$))[^\\\x00-\x1f\x7f]+$/
// Identity and message rules no looser than src/identity/commit-message.ts applies to the same flags.
const PERSON_NAME = /^[^<>\n\r\0]*[^<>\s\0][^<>\n\r\0]*$/
const EMAIL = /^[^\s<>@]+@[^\s<>@]+$/
const CO_AUTHOR = /^[^<>\n\r\0]*[^<>\s\0][^<>\n\r\0]*<[^\s<>@]+@[^\s<>@]+>$/
// An http(s) URL (or one starting at {forge}) naming {commit}; its only placeholders are {forge}, {repo}, {commit}.
const COMMIT_URL = /^(?:https?:\/\/|\{forge\}\/)(?=.*\{commit\})(?!.*\{(?!(?:forge|repo|commit)\})[^{}]*\})[^\s<>"\\]+$/
const ONE_LINE = /^[^\r\n]+$/
const MESSAGE = /^(?=.*\{version\})(?!.*\{(?!version\})[^{}]*\})[^\r\n]+$/

type Report = (path: JsonPath, message: string) => void
type Json = Record<string, unknown>

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  // Quoted and escaped, so control characters are visible; URL credentials masked.
  if (typeof value === 'string') return JSON.stringify(redact(value.length > 60 ? `${value.slice(0, 60)}…` : value))
  return String(value)
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function string(value: unknown, path: JsonPath, report: Report): string | undefined {
  if (typeof value === 'string') return value
  report(path, `expected a string, found ${describe(value)}`)
  return undefined
}

function matching(value: unknown, path: JsonPath, report: Report, rule: RegExp, expected: string): string | undefined {
  const text = string(value, path, report)
  if (text === undefined) return undefined
  if (rule.test(text)) return text
  report(path, `expected ${expected}, found ${describe(text)}`)
  return undefined
}

/** Report keys outside `known` (with a spelling suggestion) and missing `required` keys. */
function checkKeys(object: Json, path: JsonPath, report: Report, known: readonly string[], required: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue
    const close = known.find((k) => distance(k.toLowerCase(), key.toLowerCase()) <= 2)
    report([...path, key], `unknown key${close ? `; did you mean "${close}"?` : ''} (allowed: ${known.join(', ')})`)
  }
  for (const key of required) if (!Object.hasOwn(object, key)) report([...path, key], 'required key is missing')
}

/** An http(s) URL without credentials, query or fragment; the URL, or undefined. */
function httpUrl(text: string, path: JsonPath, report: Report): URL | undefined {
  if (!HTTP_URL.test(text)) {
    report(path, `expected an http:// or https:// URL, found ${describe(text)}`)
    return undefined
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    report(path, `not a valid URL: ${describe(text)}`)
    return undefined
  }
  if (url.username || url.password) report(path, 'must not contain credentials; give the token through the environment instead')
  else if (url.search || url.hash || /[?#]/.test(text)) report(path, 'must not have a query or fragment')
  else if (/\s/.test(text)) report(path, 'must not contain whitespace')
  else return url
  return undefined
}

function parseForge(value: unknown, path: JsonPath, report: Report): string | undefined {
  const text = string(value, path, report)
  const url = text === undefined ? undefined : httpUrl(text, path, report)
  return url && `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

function parseRepoRef(value: unknown, path: JsonPath, report: Report, forge: string): Omit<ManifestRepo, 'branch'> | undefined {
  const given = string(value, path, report)
  if (given === undefined) return undefined
  if (given.includes('://')) {
    // git drops a clone URL's trailing slashes (`x.git/` must not become `x.git//info/refs`).
    const stripped = given.replace(/\/+$/, '')
    const text = /:\/\/./.test(stripped) ? stripped : given
    const url = httpUrl(text, path, report)
    if (!url) return undefined
    if (url.pathname === '/') {
      report(path, `expected a repository URL such as ${forge || 'https://forge'}/OWNER/NAME.git, found ${describe(text)}`)
      return undefined
    }
    const bare = text.replace(/\.git$/, '')
    const name = bare.startsWith(`${forge}/`) ? bare.slice(forge.length + 1) : url.pathname.slice(1).replace(/\.git$/, '')
    return { name, url: text }
  }
  const text = given
  if (!REPO_NAME.test(text)) {
    report(path, `expected OWNER/NAME or an http(s) URL, found ${describe(text)}`)
    return undefined
  }
  if (text.endsWith('.git')) {
    report(path, `expected OWNER/NAME without the ".git" suffix, found ${describe(text)}`)
    return undefined
  }
  return { name: text, url: `${forge}/${text}.git` }
}

export const REPO_OBJECT_KEYS = ['repo', 'branch'] as const
const REPO_OBJECT_REQUIRED = ['repo'] as const

function parseRepoEntry(value: unknown, path: JsonPath, report: Report, forge: string): ManifestRepo | undefined {
  if (typeof value === 'string') return parseRepoRef(value, path, report, forge)
  if (!isObject(value)) {
    report(path, `expected OWNER/NAME, a URL, or { "repo": ..., "branch": ... }, found ${describe(value)}`)
    return undefined
  }
  checkKeys(value, path, report, REPO_OBJECT_KEYS, REPO_OBJECT_REQUIRED)
  const ref = Object.hasOwn(value, 'repo') ? parseRepoRef(value.repo, [...path, 'repo'], report, forge) : undefined
  const branch = Object.hasOwn(value, 'branch') ? matching(value.branch, [...path, 'branch'], report, BRANCH, 'a branch name such as "main"') : undefined
  if (!ref || (Object.hasOwn(value, 'branch') && branch === undefined)) return undefined
  return branch === undefined ? ref : { ...ref, branch }
}

function parseRepos(value: unknown, path: JsonPath, report: Report, forge: string): ManifestRepo[] {
  if (!Array.isArray(value)) {
    report(path, `expected an array of repos, found ${describe(value)}`)
    return []
  }
  if (value.length === 0) report(path, 'expected at least one repo')
  const repos: ManifestRepo[] = []
  const firstIndex = new Map<string, number>()
  value.forEach((entry, index) => {
    const repo = parseRepoEntry(entry, [...path, index], report, forge)
    if (!repo) return
    const key = repo.name.toLowerCase()
    const first = firstIndex.get(key)
    if (first !== undefined) {
      report([...path, index], `duplicate of ${formatJsonPath([...path, first])} ("${repo.name}"; repo names are compared ignoring case)`)
      return
    }
    firstIndex.set(key, index)
    repos.push(repo)
  })
  return repos
}

export const AUTHOR_KEYS = ['name', 'email'] as const
export const CONSUMER_KEYS = ['file', 'contains'] as const

/** `consumer` as written; the defaults (requireFile, the pin file's name) are applied once every key is read. */
function parseConsumer(value: unknown, path: JsonPath, report: Report): Partial<PinConsumer> | undefined {
  if (!isObject(value)) {
    report(path, `expected { "file": ..., "contains": ... } (both optional), found ${describe(value)}`)
    return undefined
  }
  checkKeys(value, path, report, CONSUMER_KEYS, [])
  const file = Object.hasOwn(value, 'file') ? matching(value.file, [...path, 'file'], report, RELATIVE_PATH, 'a path inside the repository, such as ".github/workflows/build.yml"') : undefined
  const contains = Object.hasOwn(value, 'contains') ? matching(value.contains, [...path, 'contains'], report, ONE_LINE, 'one line of text, such as ".runtime-version"') : undefined
  return { ...(file !== undefined && { file }), ...(contains !== undefined && { contains }) }
}

function parseAuthor(value: unknown, path: JsonPath, report: Report): ManifestAuthor | undefined {
  if (!isObject(value)) {
    report(path, `expected { "name": ..., "email": ... }, found ${describe(value)}`)
    return undefined
  }
  checkKeys(value, path, report, AUTHOR_KEYS, AUTHOR_KEYS)
  const name = Object.hasOwn(value, 'name') ? matching(value.name, [...path, 'name'], report, PERSON_NAME, 'a name without "<" or ">"') : undefined
  const email = Object.hasOwn(value, 'email') ? matching(value.email, [...path, 'email'], report, EMAIL, 'an email address such as "bot@example.com"') : undefined
  return name !== undefined && email !== undefined ? { name, email } : undefined
}

function parseCoAuthors(value: unknown, path: JsonPath, report: Report): string[] {
  if (!Array.isArray(value)) {
    report(path, `expected an array of "Name <email>" strings, found ${describe(value)}`)
    return []
  }
  return value.flatMap((entry, index) => matching(entry, [...path, index], report, CO_AUTHOR, '"Name <email@example.com>"') ?? [])
}

function parseConcurrency(value: unknown, path: JsonPath, report: Report): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= MIN_CONCURRENCY && value <= MAX_CONCURRENCY) return value
  report(path, `expected an integer from ${MIN_CONCURRENCY} to ${MAX_CONCURRENCY}, found ${describe(value)}`)
  return undefined
}

function parsePace(value: unknown, path: JsonPath, report: Report): Manifest['pace'] {
  if (!isObject(value)) {
    report(path, `expected { "maxPushesPerMinute": N }, found ${describe(value)}`)
    return undefined
  }
  checkKeys(value, path, report, PACE_KEYS, PACE_KEYS)
  if (!Object.hasOwn(value, 'maxPushesPerMinute')) return undefined
  const rate = value.maxPushesPerMinute
  if (typeof rate === 'number' && Number.isInteger(rate) && rate >= 1 && rate <= MAX_PUSHES_PER_MINUTE) return { maxPushesPerMinute: rate }
  report([...path, 'maxPushesPerMinute'], `expected an integer from 1 to ${MAX_PUSHES_PER_MINUTE}, found ${describe(rate)}`)
  return undefined
}

function parseTokenOrigins(value: unknown, path: JsonPath, report: Report): string[] | undefined {
  if (!Array.isArray(value)) {
    report(path, `expected an array of origins such as ["https://mirror.example"], found ${describe(value)}`)
    return undefined
  }
  return value.flatMap((item, index) => {
    const text = string(item, [...path, index], report)
    const url = text === undefined ? undefined : httpUrl(text, [...path, index], report)
    if (url && url.pathname !== '/') report([...path, index], `expected an origin (scheme, host and port only), found ${describe(text)}`)
    return url && url.pathname === '/' ? [url.origin] : []
  })
}

function parseBoolean(value: unknown, path: JsonPath, report: Report): boolean | undefined {
  if (typeof value === 'boolean') return value
  report(path, `expected true or false, found ${describe(value)}`)
  return undefined
}

type Parser = (value: unknown, path: JsonPath, report: Report, forge: string) => unknown

/**
 * Every top-level key, with the parser of its value; the schema must list exactly these.
 * `forge` comes first because repos given as OWNER/NAME resolve against it.
 */
const TOP_LEVEL = {
  forge: parseForge,
  $schema: string,
  repos: parseRepos,
  pinFile: (value, path, report) => matching(value, path, report, PIN_FILE_NAME, 'a file name at the repository root, such as ".runtime-version"'),
  requireFile: (value, path, report) =>
    matching(value, path, report, RELATIVE_PATH, 'a path inside the repository (relative, no "." ".." or ".git" parts), such as ".github/workflows/build.yml"'),
  consumer: parseConsumer,
  author: parseAuthor,
  coAuthors: parseCoAuthors,
  message: (value, path, report) => {
    const text = string(value, path, report)
    if (text === undefined || MESSAGE.test(text)) return text
    if (!text.includes('{version}')) report(path, 'must contain "{version}", where the version being pinned goes')
    else report(path, `expected one line whose only placeholder is {version}, found ${describe(text)}`)
    return undefined
  },
  concurrency: parseConcurrency,
  pace: parsePace,
  tokenOrigins: parseTokenOrigins,
  allowTokenOverHttp: parseBoolean,
  commitUrl: (value, path, report) =>
    matching(value, path, report, COMMIT_URL, 'a URL template with {commit} (and optionally {forge}, {repo}), such as "{forge}/{repo}/commit/{commit}"'),
} satisfies Record<string, Parser>

export const MANIFEST_KEYS = Object.keys(TOP_LEVEL) as Array<keyof typeof TOP_LEVEL>
export const MANIFEST_REQUIRED = ['forge', 'repos'] as const

type Parsed = { [K in keyof typeof TOP_LEVEL]?: ReturnType<(typeof TOP_LEVEL)[K]> }

/** Validate manifest text; throws ManifestError (exit 2) listing every problem. */
export function parseManifest(text: string, file = 'manifest'): Manifest {
  const problems: ManifestProblem[] = []
  const report: Report = (path, message) => problems.push({ path: formatJsonPath(path), message })
  let data: unknown
  try {
    data = parseJson(text.replace(/^\uFEFF/, ''), (path) => report(path, 'key appears more than once in this object'))
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error
    throw new ManifestError(file, [{ path: '$', message: `invalid JSON at ${error.message}` }])
  }
  if (!isObject(data)) throw new ManifestError(file, [{ path: '$', message: `expected a JSON object, found ${describe(data)}` }])

  checkKeys(data, [], report, MANIFEST_KEYS, MANIFEST_REQUIRED)
  const parsed: Parsed = {}
  for (const key of MANIFEST_KEYS) {
    if (Object.hasOwn(data, key)) Object.assign(parsed, { [key]: TOP_LEVEL[key](data[key], [key], report, parsed.forge ?? '') })
  }
  const consumerFile = parsed.consumer?.file ?? parsed.requireFile
  if (parsed.consumer && consumerFile === undefined && !Object.hasOwn(data, 'requireFile')) {
    report(['consumer', 'file'], 'required when "requireFile" is not set (the file that must read the pin, e.g. the build workflow)')
  }
  if (problems.length) throw new ManifestError(file, problems)

  const { forge = '', repos = [], pinFile = PIN_FILE, coAuthors = [], requireFile, author, message, concurrency, pace, commitUrl, tokenOrigins, allowTokenOverHttp } = parsed
  const consumer = parsed.consumer && { file: consumerFile!, contains: parsed.consumer.contains ?? pinFile }
  return {
    forge,
    repos,
    pinFile,
    ...(requireFile !== undefined && { requireFile }),
    ...(consumer && { consumer }),
    ...(author !== undefined && { author }),
    coAuthors,
    ...(message !== undefined && { message }),
    ...(concurrency !== undefined && { concurrency }),
    ...(pace !== undefined && { pace }),
    ...(commitUrl !== undefined && { commitUrl }),
    ...(tokenOrigins !== undefined && { tokenOrigins }),
    ...(allowTokenOverHttp !== undefined && { allowTokenOverHttp }),
  }
}

/** Read and validate a manifest file (exit 2 when it cannot be read or is invalid). */
/**
 * The origins a fleet command sends the token to: the manifest's forge and the origins it
 * names for it (elsewhere reads are anonymous); plain http to a remote host needs the opt-in
 * of the flag or the manifest, else exit 2 before any request.
 */
export function manifestTokenScope(manifest: Manifest, options: { token?: string; allowHttpFlag: boolean }): Set<string> {
  return tokenScope([manifest.forge, ...(manifest.tokenOrigins ?? [])], {
    token: options.token,
    allowHttp: options.allowHttpFlag || manifest.allowTokenOverHttp === true,
  })
}

export async function loadManifest(file: string): Promise<Manifest> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message
    throw new UsageError('manifest-unreadable', `cannot read manifest ${file}: ${why}`, { hint: 'pass the path of a JSON manifest with --manifest' })
  }
  return parseManifest(text, file)
}

/**
 * The repos `--only` names (matched ignoring case, by name or URL), in manifest order;
 * every repo when `only` is empty. Naming a repo the manifest lacks is bad input.
 */
export function selectRepos(repos: ManifestRepo[], only: readonly string[]): ManifestRepo[] {
  if (only.length === 0) return repos
  const wanted = new Set(only.map((name) => name.toLowerCase()))
  const matches = (repo: ManifestRepo) => wanted.has(repo.name.toLowerCase()) || wanted.has(repo.url.toLowerCase())
  const unknown = only.filter((name) => !repos.some((repo) => [repo.name, repo.url].some((id) => id.toLowerCase() === name.toLowerCase())))
  if (unknown.length) {
    throw new UsageError('unknown-repo', `--only names ${unknown.length === 1 ? 'a repo' : 'repos'} not in the manifest: ${unknown.join(', ')}`, {
      hint: `use the names the manifest lists, e.g. ${repos[0]?.name ?? 'OWNER/NAME'}`,
    })
  }
  return repos.filter(matches)
}

/**
 * A fingerprint of what the manifest says (not of its bytes, so a runner that checks the
 * file out with other line endings agrees): the reports of a matrix's shards carry it, and
 * `report merge` refuses reports of different manifests.
 */
export function manifestDigest(manifest: Manifest): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(manifest)).digest('hex')}`
}
