/**
 * The `.runtime-version` contract (design.md): exactly one strict SemVer 2.0 version,
 * optionally followed by a single "\n". Anything else is rejected with a problem that
 * names the line and column (1-based, in bytes), shows what was found (escaped, so CR,
 * BOM and NUL are visible) and says how to fix it. Pure: no I/O here.
 */
// The subpath imports keep `pinbot verify` start-up light (the semver index loads ranges too).
import compare from 'semver/functions/compare.js'
import parse from 'semver/functions/parse.js'
import { UsageError } from '../errors.js'

export const PIN_FILE = '.runtime-version'
const MAX_FILE_BYTES = 256

/** Every problem code, stable (scripts and --json consumers match on them). */
export const PROBLEM_CODES = [
  'empty',
  'too-large',
  'bom',
  'nul-byte',
  'non-ascii',
  'control-character',
  'crlf',
  'lone-cr',
  'second-line',
  'leading-whitespace',
  'trailing-whitespace',
  'comment',
  'leading-v',
  'leading-equals',
  'partial-version',
  'leading-zero',
  'invalid-semver',
  // Raised by the readers of the file (src/contract/pin-file.ts), not by the byte check:
  'missing',
  'symlink',
  'directory',
  'not-regular-file',
  'unmerged',
] as const

export type ProblemCode = (typeof PROBLEM_CODES)[number]

export interface VersionProblem {
  line: number
  column: number
  code: ProblemCode
  message: string
  hint: string
}

export interface VersionCheck {
  /** The file as the caller named it, when one was given. */
  file?: string
  valid: boolean
  version?: string
  problems: VersionProblem[]
}

const GENERIC_HINT = 'write a SemVer 2.0 version such as "1.2.3" on a single line'
const BOM = '\xEF\xBB\xBF'

/**
 * Show bytes (one latin1 character per byte) as a double-quoted string in which every
 * invisible or non-ASCII byte is escaped: `"\xEF\xBB\xBF1.2.3\r"`.
 */
export function escapeFound(text: string, max = 60): string {
  let out = ''
  for (const ch of text.slice(0, max)) {
    const byte = ch.charCodeAt(0)
    if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\0') out += '\\0'
    else if (ch === '"' || ch === '\\') out += `\\${ch}`
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}`
    else out += ch
  }
  return `"${out}${text.length > max ? '…' : ''}"`
}

export function problem(code: ProblemCode, line: number, column: number, message: string, hint: string): VersionProblem {
  return { line, column, code, message, hint }
}

/** A failed check with problems that are not about the bytes (missing file, symlink...). */
export function invalid(problems: VersionProblem[], file?: string): VersionCheck {
  return { ...(file === undefined ? {} : { file }), valid: false, problems }
}

// The words every reader of the file (working tree, index, a commit's tree) uses for the same finding.
export const MISSING_FILE_HINT = 'create it with the version on one line, e.g. "1.2.3"'
const REGULAR_FILE_HINT = 'make it a regular file that contains only the version, e.g. "1.2.3"'

/** A problem with the file itself rather than its bytes (missing, a symlink, a directory...), at 1:1. */
export function fileProblem(code: ProblemCode, message: string, hint = REGULAR_FILE_HINT): VersionProblem {
  return problem(code, 1, 1, message, hint)
}

/** `what` is a link to `target` (its bytes, one latin1 character per byte). */
export function symlinkMessage(target: string, what = 'is'): string {
  return `${what} a symbolic link (to ${escapeFound(target)}); pinbot never follows links`
}

/**
 * Check the raw bytes of a `.runtime-version`. Every problem is reported once, at its
 * first occurrence, in file order; the file is valid exactly when there is none.
 */
export function checkVersionBytes(bytes: Uint8Array, file?: string): VersionCheck {
  if (bytes.length > MAX_FILE_BYTES) {
    return invalid([problem('too-large', 1, 1, `file is ${bytes.length} bytes, the limit is ${MAX_FILE_BYTES}`, GENERIC_HINT)], file)
  }
  if (bytes.length === 0) return invalid([problem('empty', 1, 1, 'file is empty', GENERIC_HINT)], file)

  // latin1 keeps one character per byte, so offsets are byte offsets.
  const text = Buffer.from(bytes).toString('latin1')
  const newline = text.indexOf('\n')
  const firstLine = newline < 0 ? text : text.slice(0, newline)
  const start = text.startsWith(BOM) ? BOM.length : 0
  const wanted = intendedVersion(text)
  const fix = wanted ? `write "${wanted}"` : GENERIC_HINT
  const problems: VersionProblem[] = []
  const seen = new Set<ProblemCode>()
  const lineStart = (offset: number) => (offset === 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1)
  const report = (code: ProblemCode, offset: number, message: string, hint = fix) => {
    if (seen.has(code)) return
    seen.add(code)
    const line = text.slice(0, lineStart(offset)).split('\n').length
    problems.push(problem(code, line, offset - lineStart(offset) + 1, message, hint))
  }
  const lineAt = (offset: number) => {
    const end = text.indexOf('\n', offset)
    return escapeFound(text.slice(lineStart(offset), end < 0 ? undefined : end))
  }

  if (start) report('bom', 0, `UTF-8 byte order mark (BOM) at the start of the file (found ${lineAt(0)})`, `save without the BOM; ${fix}`)
  for (let i = start; i < text.length; i++) {
    const byte = text.charCodeAt(i)
    const hex = `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`
    if (byte === 0) report('nul-byte', i, `NUL byte (found ${lineAt(i)})`)
    else if (byte >= 0x80) report('non-ascii', i, `non-ASCII byte ${hex} (found ${lineAt(i)})`)
    else if (byte === 0x0d && text[i + 1] === '\n') report('crlf', i, `Windows line ending CRLF (found ${lineAt(i)})`, `save with LF line endings; ${fix}`)
    else if (byte === 0x0d) report('lone-cr', i, `carriage return CR (found ${lineAt(i)})`, `remove the carriage return; ${fix}`)
    else if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a) || byte === 0x7f) report('control-character', i, `control character ${hex} (found ${lineAt(i)})`)
  }
  if (newline >= 0 && newline < text.length - 1) {
    report('second-line', newline + 1, `only one line is allowed (found ${escapeFound(text.slice(newline + 1))} after the first line)`, `remove everything after the first line; ${fix}`)
  }

  const found = escapeFound(firstLine)
  let content = firstLine.slice(start).replace(/\r$/, '')
  const hash = content.indexOf('#')
  if (hash >= 0) {
    report('comment', start + hash, `comments are not allowed (found ${found})`)
    content = content.slice(0, hash)
  }
  const version = content.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '')
  if (version === '') {
    report('empty', start, firstLine === '' ? 'the first line is empty' : `no version on the first line (found ${found})`, GENERIC_HINT)
    return invalid(sorted(problems), file)
  }
  const leading = /^[ \t]*/.exec(content)![0].length
  if (leading) report('leading-whitespace', start, `leading whitespace (found ${found})`)
  if (hash < 0 && /[ \t]$/.test(content)) report('trailing-whitespace', start + leading + version.length, `trailing whitespace (found ${found})`)
  // A byte already reported above would only be repeated as "not SemVer".
  if (!/[^\x20-\x7E\t]/.test(version)) {
    const bad = versionProblem(version, found, fix)
    if (bad) report(bad.code, start + leading + bad.index, bad.message, bad.hint)
  }
  if (problems.length) return invalid(sorted(problems), file)
  return { ...(file === undefined ? {} : { file }), valid: true, version, problems: [] }
}

function sorted(problems: VersionProblem[]): VersionProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column)
}

/** Strict SemVer 2.0, written exactly as semver would write it back. */
function isCanonical(version: string): boolean {
  const parsed = parse(version)
  return parsed !== null && `${parsed.version}${parsed.build.length ? `+${parsed.build.join('.')}` : ''}` === version
}

/** The numeric identifiers of the version core and pre-release (build metadata may keep zeros). */
function numericIdentifiers(version: string): { text: string; index: number }[] {
  const core = version.split('+')[0]
  const dash = core.indexOf('-')
  const ids: { text: string; index: number }[] = []
  let index = 0
  for (const text of (dash < 0 ? core : core.slice(0, dash)).split('.')) {
    ids.push({ text, index })
    index += text.length + 1
  }
  if (dash < 0) return ids
  index = dash + 1
  for (const text of core.slice(dash + 1).split('.')) {
    if (/^\d+$/.test(text)) ids.push({ text, index })
    index += text.length + 1
  }
  return ids
}

function versionProblem(version: string, found: string, fix: string) {
  if (isCanonical(version)) return undefined
  if (/^[vV]/.test(version)) return { code: 'leading-v' as const, index: 0, message: `leading "v" is not allowed (found ${found})`, hint: fix }
  if (version.startsWith('=')) return { code: 'leading-equals' as const, index: 0, message: `leading "=" is not allowed (found ${found})`, hint: fix }
  if (/^\d+(\.\d+)?$/.test(version)) {
    const padded = [...version.split('.'), '0', '0'].slice(0, 3).join('.')
    return { code: 'partial-version' as const, index: 0, message: `partial version, SemVer needs MAJOR.MINOR.PATCH (found ${found})`, hint: `write "${padded}" or the full version you mean` }
  }
  const zero = numericIdentifiers(version).find((id) => /^0\d/.test(id.text))
  if (zero) return { code: 'leading-zero' as const, index: zero.index, message: `numbers must not have leading zeros (found ${found})`, hint: fix }
  return { code: 'invalid-semver' as const, index: 0, message: `not a valid SemVer 2.0 version (found ${found})`, hint: fix }
}

/** The version a sloppy file most likely meant (for the fix hint); undefined if unclear. */
function intendedVersion(text: string): string | undefined {
  const firstLine = text.split('\n')[0].replace(/^\xEF\xBB\xBF/, '')
  let version = firstLine.replace(/\r/g, '').split('#')[0].trim().replace(/^[vV=]+/, '')
  for (const id of numericIdentifiers(version).reverse()) {
    version = version.slice(0, id.index) + id.text.replace(/^0+(?=\d)/, '') + version.slice(id.index + id.text.length)
  }
  return isCanonical(version) ? version : undefined
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
  throw new UsageError('invalid-version', `invalid version ${escapeFound(Buffer.from(text, 'utf8').toString('latin1'))}: ${first.message}`, { hint: first.hint })
}

/** SemVer precedence (build metadata ignored): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  return compare(a, b)
}
