/**
 * git tree objects as bytes. Entry names are bytes (anything but NUL and `/`: Latin-1,
 * NFD, whatever a repo holds) and modes are the digits as written (`40000`, a legacy
 * `040000` or `100664`): neither is ever decoded and re-encoded. A tree is changed by
 * splicing one entry into its bytes, so every other entry, its name, mode and place, is
 * written back exactly as read (pitfalls.md).
 *
 * `checkTree` refuses what git's fsck counts as an error in a tree (`.`, `..`, `.git` in
 * any case and in the spellings macOS and Windows read as `.git`, an empty name, a name
 * with `/`, duplicates, entries out of order): pinbot never re-publishes such a tree under
 * a bot-signed commit.
 */

export type EntryType = 'blob' | 'tree' | 'commit'

/** One entry of a tree. */
export interface TreeEntry {
  /** The mode, leading zeros dropped, then shown as isomorphic-git does: '040000' for a tree, '100644', '100755', '120000', '160000' (or a legacy mode, e.g. '100664'). */
  mode: string
  /** The entry's name, as bytes. */
  name: Buffer
  oid: string
  type: EntryType
}

/** An entry and where its bytes lie in the tree, for splicing. */
interface PlacedEntry extends TreeEntry {
  start: number
  end: number
}

/** Bytes that do not parse as a tree. */
export class MalformedTreeError extends Error {}

/** A tree git's fsck treats as an error; `check` is fsck's message id (e.g. `hasDotgit`). */
export class BadTreeError extends Error {
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(message)
  }
}

const S_IFMT = 0o170000
const S_IFDIR = 0o040000
const S_IFGITLINK = 0o160000

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

function typeOfMode(mode: number): EntryType {
  const format = mode & S_IFMT
  return format === S_IFDIR ? 'tree' : format === S_IFGITLINK ? 'commit' : 'blob'
}

function parsePlaced(content: Uint8Array): PlacedEntry[] {
  const buf = asBuffer(content)
  const entries: PlacedEntry[] = []
  let at = 0
  while (at < buf.length) {
    const space = buf.indexOf(32, at)
    const nul = space === -1 ? -1 : buf.indexOf(0, space)
    if (nul === -1 || nul + 21 > buf.length) throw new MalformedTreeError(`truncated tree entry at byte ${at}`)
    // The mode: 1 to 7 octal digits (read by hand: this runs for every entry of every tree read).
    let bits = 0
    for (let i = at; i < space; i++) {
      const digit = buf[i] - 0x30
      if (digit < 0 || digit > 7 || space - at > 7) throw new MalformedTreeError(`malformed mode in the tree entry at byte ${at}`)
      bits = bits * 8 + digit
    }
    if (space === at) throw new MalformedTreeError(`malformed mode in the tree entry at byte ${at}`)
    const type = typeOfMode(bits)
    const mode = type === 'tree' ? '040000' : bits.toString(8)
    entries.push({ mode, name: buf.subarray(space + 1, nul), oid: buf.toString('hex', nul + 1, nul + 21), type, start: at, end: nul + 21 })
    at = nul + 21
  }
  return entries
}

/** A tree's content (no header) as its entries, in the tree's own order. */
export function parseTree(content: Uint8Array): TreeEntry[] {
  return parsePlaced(content).map(({ start: _start, end: _end, ...entry }) => entry)
}

/** git's order of tree entries: names as bytes, a tree's name as if it ended in '/'. */
function compareEntries(a: Buffer, aIsTree: boolean, b: Buffer, bIsTree: boolean): number {
  const common = Math.min(a.length, b.length)
  const order = a.compare(b, 0, common, 0, common)
  if (order !== 0) return order
  const next = (name: Buffer, isTree: boolean) => (name.length > common ? name[common] : isTree ? 0x2f : 0)
  return next(a, aIsTree) - next(b, bIsTree)
}

/** Code points HFS+ ignores in a name (git's utf8.c, next_hfs_char): `.g\u200cit` is `.git` on a Mac. */
const HFS_IGNORED = new Set([0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x206a, 0x206b, 0x206c, 0x206d, 0x206e, 0x206f, 0xfeff])

const isContinuation = (byte: number | undefined) => byte !== undefined && (byte & 0xc0) === 0x80

/**
 * The code point at `at` and its length in bytes, read as strictly as git's
 * pick_one_utf8_char (no overlong forms, surrogates, U+FFFE/U+FFFF or beyond U+10FFFF);
 * undefined when the bytes there are not UTF-8.
 */
function utf8At(name: Buffer, at: number): { code: number; length: number } | undefined {
  const [b0, b1, b2, b3] = [name[at], name[at + 1], name[at + 2], name[at + 3]]
  if (b0 < 0x80) return { code: b0, length: 1 }
  if ((b0 & 0xe0) === 0xc0) {
    if (!isContinuation(b1) || (b0 & 0xfe) === 0xc0) return undefined
    return { code: ((b0 & 0x1f) << 6) | (b1 & 0x3f), length: 2 }
  }
  if ((b0 & 0xf0) === 0xe0) {
    if (!isContinuation(b1) || !isContinuation(b2)) return undefined
    if ((b0 === 0xe0 && (b1 & 0xe0) === 0x80) || (b0 === 0xed && (b1 & 0xe0) === 0xa0) || (b0 === 0xef && b1 === 0xbf && (b2 & 0xfe) === 0xbe)) return undefined
    return { code: ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f), length: 3 }
  }
  if ((b0 & 0xf8) === 0xf0) {
    if (!isContinuation(b1) || !isContinuation(b2) || !isContinuation(b3)) return undefined
    if ((b0 === 0xf0 && (b1 & 0xf0) === 0x80) || (b0 === 0xf4 && b1 > 0x8f) || b0 > 0xf4) return undefined
    return { code: ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f), length: 4 }
  }
  return undefined
}

/**
 * Whether HFS+ (macOS) reads `name` as `.WORD` (`word` in lower case), as git's is_hfs_dot*
 * decide: the name is `.WORD` in any case once the code points HFS+ ignores are dropped.
 * Bytes that are not UTF-8 end the name there, as in git (`.git` followed by them counts).
 */
function isHfsDot(name: Buffer, word: string): boolean {
  let at = 0
  const next = (): number => {
    for (;;) {
      const char = at < name.length ? utf8At(name, at) : undefined
      if (!char) return 0
      at += char.length
      if (!HFS_IGNORED.has(char.code)) return char.code
    }
  }
  if (next() !== 0x2e) return false
  for (let i = 0; i < word.length; i++) if ((next() | 0x20) !== word.charCodeAt(i)) return false
  return next() === 0
}

/**
 * Whether NTFS (Windows) reads `name` as `.git`, as git's is_ntfs_dotgit decides: `.git`
 * or its short name `git~1`, in any case, then nothing but dots and spaces (which NTFS
 * drops) up to the end, a `\` or a `:` (an alternate data stream: `.git::$INDEX_ALLOCATION`).
 */
function isNtfsDotgit(name: Buffer): boolean {
  const lower = (i: number) => (name[i] ?? 0) | 0x20
  let at: number
  if (name[0] === 0x2e && lower(1) === 0x67 && lower(2) === 0x69 && lower(3) === 0x74) at = 4
  else if (lower(0) === 0x67 && lower(1) === 0x69 && lower(2) === 0x74 && name[3] === 0x7e && name[4] === 0x31) at = 5
  else return false
  for (; at < name.length; at++) {
    const byte = name[at]
    if (byte === 0x5c || byte === 0x3a) return true
    if (byte !== 0x2e && byte !== 0x20) return false
  }
  return true
}

/**
 * Whether NTFS (Windows) reads `name` as `.WORD`, as git's is_ntfs_dot_generic decides:
 * `.WORD` in any case, its 8.3 short name (the first six letters, `~1` to `~4`) or the
 * fall-back short name (`shortPrefix`, then `~` and digits), then only dots and spaces up
 * to the end or a `:`.
 */
function isNtfsDot(name: Buffer, word: string, shortPrefix: string): boolean {
  const lower = (i: number) => (name[i] ?? 0) | 0x20
  const onlyDotsAndSpaces = (from: number) => {
    for (let at = from; at < name.length; at++) {
      if (name[at] === 0x3a) return true
      if (name[at] !== 0x2e && name[at] !== 0x20) return false
    }
    return true
  }
  const matches = (from: number, text: string) => [...text].every((char, i) => lower(from + i) === char.charCodeAt(0))
  if (name[0] === 0x2e && matches(1, word)) return onlyDotsAndSpaces(word.length + 1)
  if (matches(0, word.slice(0, 6)) && name[6] === 0x7e && name[7] >= 0x31 && name[7] <= 0x34) return onlyDotsAndSpaces(8)
  let sawTilde = false
  for (let i = 0; i < 8; i++) {
    const byte = name[i]
    if (byte === undefined) return false
    if (sawTilde) {
      if (byte < 0x30 || byte > 0x39) return false
    } else if (byte === 0x7e) {
      i++
      if (!(name[i] >= 0x31 && name[i] <= 0x39)) return false
      sawTilde = true
    } else if (i >= 6 || byte & 0x80 || (byte | 0x20) !== shortPrefix.charCodeAt(i)) return false
  }
  return onlyDotsAndSpaces(8)
}

/** Whether `name` reads as `.gitmodules` on some file system: a symlink there is an fsck error (gitmodulesSymlink). */
function isDotGitmodules(name: Buffer): boolean {
  return isHfsDot(name, 'gitmodules') || isNtfsDot(name, 'gitmodules', 'gi7eba')
}

/** How `name` reads as `.git` ("" when it is `.git` in some case), or undefined when it does not. */
function dotgitSpelling(name: Buffer): string | undefined {
  // Every such spelling starts with ".", "g", "G" or a code point HFS+ ignores (U+200C and up: a lead byte of 0xe2 or more).
  const first = name[0]
  if (first !== 0x2e && (first | 0x20) !== 0x67 && first < 0xe2) return undefined
  if (name.toString('latin1').toLowerCase() === '.git') return ''
  if (isHfsDot(name, 'git')) return ', which macOS (HFS+) reads as ".git"'
  if (isNtfsDotgit(name)) return ', which Windows (NTFS) reads as ".git"'
  return undefined
}

function isTree(entry: { type: EntryType }): boolean {
  return entry.type === 'tree'
}

/** Throws BadTreeError when git's fsck would report the tree as an error; names the first problem. Returns the subtrees' ids. */
export function checkTree(content: Uint8Array, describe: (name: Buffer) => string): string[] {
  let entries: PlacedEntry[]
  try {
    entries = parsePlaced(content)
  } catch (error) {
    throw new BadTreeError('badTree', `is malformed: ${(error as Error).message}`)
  }
  const seen = new Set<string>()
  for (const [i, entry] of entries.entries()) {
    const { name } = entry
    const text = name.toString('latin1')
    if (name.length === 0) throw new BadTreeError('emptyName', 'has an entry with an empty name')
    if (name.includes(0x2f)) throw new BadTreeError('fullPathname', `has an entry whose name contains "/": ${describe(name)}`)
    if (text === '.') throw new BadTreeError('hasDot', 'has an entry named "."')
    if (text === '..') throw new BadTreeError('hasDotdot', 'has an entry named ".."')
    const dotgit = dotgitSpelling(name)
    if (dotgit !== undefined) throw new BadTreeError('hasDotgit', `has an entry named ${describe(name)}${dotgit}`)
    if ((Number.parseInt(entry.mode, 8) & S_IFMT) === 0o120000 && isDotGitmodules(name)) throw new BadTreeError('gitmodulesSymlink', `has a symbolic link named ${describe(name)}, which git reads as .gitmodules`)
    if (seen.has(text)) throw new BadTreeError('duplicateEntries', `has two entries named ${describe(name)}`)
    seen.add(text)
    const previous = entries[i - 1]
    if (previous && compareEntries(previous.name, isTree(previous), name, isTree(entry)) > 0) {
      throw new BadTreeError('treeNotSorted', `is not sorted: ${describe(previous.name)} comes before ${describe(name)}`)
    }
  }
  return entries.filter(isTree).map((entry) => entry.oid)
}

/**
 * The tree `content` with the entry `name` set to `entry` (added where git sorts it, or
 * replacing the entry of that name), every other entry's bytes kept as they are. `mode`
 * is written as given ('40000' for a tree, as git writes it).
 */
export function treeWithEntry(content: Uint8Array, name: Buffer, entry: { mode: string; oid: string; type: EntryType }): Buffer {
  if (!/^[0-9a-f]{40}$/.test(entry.oid)) throw new TypeError(`not an object id: ${entry.oid}`)
  const buf = asBuffer(content)
  const entries = parsePlaced(buf)
  const existing = entries.find((e) => e.name.equals(name))
  const at = entries.find((e) => e !== existing && compareEntries(e.name, isTree(e), name, isTree(entry)) > 0)?.start ?? buf.length
  // The bytes of [from, to) without the replaced entry's (which never straddles `at`, an entry's start).
  const kept = (from: number, to: number): Buffer[] =>
    existing && existing.start >= from && existing.end <= to ? [buf.subarray(from, existing.start), buf.subarray(existing.end, to)] : [buf.subarray(from, to)]
  const row = Buffer.concat([Buffer.from(`${entry.mode} `, 'latin1'), name, Buffer.from([0]), Buffer.from(entry.oid, 'hex')])
  return Buffer.concat([...kept(0, at), row, ...kept(at, buf.length)])
}
