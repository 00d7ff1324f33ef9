/**
 * The `.runtime-version` contract (design.md): exactly one strict SemVer 2.0 version,
 * optionally followed by a single "\n". Anything else is rejected with a problem that
 * names the line and column, shows what was found (escaped, so CR, BOM and NUL are
 * visible) and says how to fix it. Pure: no I/O here.
 */
import semver from 'semver'
import { UsageError } from './errors.js'

export const PIN_FILE = '.runtime-version'
export const MAX_FILE_BYTES = 256

export type ProblemCode =
  | 'empty'
  | 'too-large'
  | 'bom'
  | 'nul-byte'
  | 'non-ascii'
  | 'crlf'
  | 'lone-cr'
  | 'second-line'
  | 'leading-whitespace'
  | 'trailing-whitespace'
  | 'comment'
  | 'leading-v'
  | 'leading-equals'
  | 'partial-version'
  | 'leading-zero'
  | 'invalid-semver'
  | 'not-canonical'
  // Raised by readers of the file, not by the byte check:
  | 'missing'
  | 'symlink'
  | 'directory'
  | 'not-regular-file'

export interface VersionProblem {
  line: number
  column: number
  code: ProblemCode
  message: string
  hint: string
}

export interface VersionCheck {
  valid: boolean
  version?: string
  problems: VersionProblem[]
}

const GENERIC_HINT = 'write a SemVer 2.0 version such as "1.2.3" on a single line'

/** Show text as a double-quoted string in which invisible characters are visible. */
export function escapeFound(text: string, max = 60): string {
  const clipped = text.length > max ? `${text.slice(0, max)}…` : text
  let out = ''
  for (const ch of clipped) {
    const cp = ch.codePointAt(0)!
    if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch === '"' || ch === '\\') out += `\\${ch}`
    else if (cp === 0) out += '\\0'
    else if (cp < 0x20 || cp === 0x7f || cp > 0x7e) out += `\\u{${cp.toString(16).toUpperCase()}}`
    else out += ch
  }
  return `"${out}"`
}

/** The version a sloppy file most likely meant, for the fix hint; undefined if unclear. */
function intended(text: string): string | undefined {
  const first = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)[0] ?? ''
  const candidate = first.split('#')[0].trim().replace(/^[vV=]+/, '').trim()
  const parsed = semver.parse(candidate)
  if (!parsed) return undefined
  return canonical(parsed)
}

function canonical(parsed: semver.SemVer): string {
  return parsed.build.length ? `${parsed.version}+${parsed.build.join('.')}` : parsed.version
}

function fixHint(text: string): string {
  const version = intended(text)
  return version ? `write "${version}"` : GENERIC_HINT
}

function problem(code: ProblemCode, line: number, column: number, message: string, hint: string): VersionProblem {
  return { code, line, column, message, hint }
}

/** Where (1-based line and column) a character offset of `text` sits. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return { line, column: offset - before.lastIndexOf('\n') }
}

function checkVersionToken(token: string, text: string): VersionProblem | undefined {
  const found = escapeFound(token)
  if (/^[vV]/.test(token)) return problem('leading-v', 1, 1, `leading "v" is not allowed (found ${found})`, fixHint(text))
  if (token.startsWith('=')) return problem('leading-equals', 1, 1, `leading "=" is not allowed (found ${found})`, fixHint(text))
  const parsed = semver.parse(token)
  if (parsed) {
    if (canonical(parsed) === token) return undefined
    return problem('not-canonical', 1, 1, `version is not in canonical form (found ${found})`, `write "${canonical(parsed)}"`)
  }
  if (/^\d+(\.\d+)?$/.test(token)) {
    return problem('partial-version', 1, 1, `partial version, SemVer needs MAJOR.MINOR.PATCH (found ${found})`, `write "${token.split('.').concat('0', '0').slice(0, 3).join('.')}" or the full version you mean`)
  }
  const zero = /(^|[.-])0\d/.exec(token)
  if (zero && /^\d+\.\d+\.\d+/.test(token.replace(/(^|\.)0+(\d)/g, '$1$2'))) {
    const column = zero.index + zero[1].length + 1
    const fixed = token.replace(/(^|[.-])0+(\d)/g, '$1$2')
    return problem('leading-zero', 1, column, `numbers must not have leading zeros (found ${found})`, semver.valid(fixed) ? `write "${fixed}"` : GENERIC_HINT)
  }
  return problem('invalid-semver', 1, 1, `not a valid SemVer 2.0 version (found ${found})`, GENERIC_HINT)
}

/**
 * Check the raw bytes of a `.runtime-version`. Structural problems (size, encoding,
 * line endings, extra lines) are all reported; the version itself is checked when the
 * first line is otherwise clean.
 */
export function checkVersionBytes(bytes: Uint8Array): VersionCheck {
  if (bytes.length > MAX_FILE_BYTES) {
    return { valid: false, problems: [problem('too-large', 1, 1, `file is ${bytes.length} bytes, more than ${MAX_FILE_BYTES}`, GENERIC_HINT)] }
  }
  // latin1 keeps one character per byte, so offsets are byte offsets.
  const text = Buffer.from(bytes).toString('latin1')
  const problems: VersionProblem[] = []
  if (text.length === 0 || text === '\n') {
    return { valid: false, problems: [problem('empty', 1, 1, 'file is empty', GENERIC_HINT)] }
  }
  if (text.startsWith('\xEF\xBB\xBF')) {
    problems.push(problem('bom', 1, 1, 'UTF-8 byte order mark (BOM) at the start of the file', `save without a BOM and ${fixHint(Buffer.from(bytes).toString('utf8'))}`))
  }
  const body = text.startsWith('\xEF\xBB\xBF') ? text.slice(3) : text
  const offsetBase = text.length - body.length
  const nul = body.indexOf('\0')
  if (nul >= 0) problems.push(problem('nul-byte', ...lc(text, offsetBase + nul), 'NUL byte in the file', GENERIC_HINT))
  const nonAscii = /[\x80-\xFF]/.exec(body)
  if (nonAscii) problems.push(problem('non-ascii', ...lc(text, offsetBase + nonAscii.index), 'non-ASCII byte in the file', GENERIC_HINT))
  const crlf = body.indexOf('\r\n')
  const loneCr = /\r(?!\n)/.exec(body)
  if (crlf >= 0) problems.push(problem('crlf', ...lc(text, offsetBase + crlf), 'Windows line ending (CRLF)', `save with LF line endings: ${fixHint(text)}`))
  else if (loneCr) problems.push(problem('lone-cr', ...lc(text, offsetBase + loneCr.index), 'carriage return (CR) in the file', `remove it: ${fixHint(text)}`))

  const firstBreak = body.search(/\r\n|\r|\n/)
  const firstLine = firstBreak < 0 ? body : body.slice(0, firstBreak)
  const rest = firstBreak < 0 ? '' : body.slice(firstBreak).replace(/^(\r\n|\r|\n)/, '')
  if (rest.length > 0) {
    problems.push(problem('second-line', ...lc(text, text.length - rest.length), `only one line is allowed (found ${escapeFound(rest)} after the version)`, `remove everything after the first line: ${fixHint(text)}`))
  }
  if (firstLine.length === 0) {
    problems.push(problem('empty', 1, 1, 'the first line is empty', GENERIC_HINT))
    return { valid: false, problems }
  }
  const hash = firstLine.indexOf('#')
  if (hash >= 0) problems.push(problem('comment', 1, offsetBase + hash + 1, `comments are not allowed (found ${escapeFound(firstLine)})`, fixHint(text)))
  const content = hash >= 0 ? firstLine.slice(0, hash) : firstLine
  const leading = /^\s+/.exec(content)
  if (leading) problems.push(problem('leading-whitespace', 1, offsetBase + 1, `leading whitespace (found ${escapeFound(firstLine)})`, fixHint(text)))
  const trailing = /\s+$/.exec(content)
  if (trailing && hash < 0) problems.push(problem('trailing-whitespace', 1, offsetBase + trailing.index + 1, `trailing whitespace (found ${escapeFound(firstLine)})`, fixHint(text)))

  if (problems.length === 0) {
    const tokenProblem = checkVersionToken(content, text)
    if (tokenProblem) problems.push({ ...tokenProblem, column: tokenProblem.column + offsetBase })
  }
  return problems.length ? { valid: false, problems } : { valid: true, version: content, problems: [] }
}

function lc(text: string, offset: number): [number, number] {
  const { line, column } = position(text, offset)
  return [line, column]
}

/** `FILE:LINE:COL: message; hint`, the one-line form every human output uses. */
export function formatProblem(file: string, p: VersionProblem): string {
  return `${file}:${p.line}:${p.column}: ${p.message}; ${p.hint}`
}

/** The canonical bytes of a pin file. Every writer in pinbot uses this. */
export function formatVersion(version: string): string {
  return `${version}\n`
}

/** Validate a version given on the command line (exit 2 when it is not one). */
export function parseVersionArg(text: string): string {
  const check = checkVersionBytes(Buffer.from(text, 'utf8'))
  if (check.valid && check.version === text) return text
  const first = check.problems[0] ?? { message: 'a trailing newline is not part of the version', hint: `write "${check.version}"` }
  throw new UsageError('invalid-version', `invalid version ${escapeFound(text)}: ${first.message}`, { hint: first.hint })
}

/** SemVer precedence (build metadata ignored): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b)
}
