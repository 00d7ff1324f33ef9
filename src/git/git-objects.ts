/**
 * git tree and commit objects parsed and written in memory, byte for byte as
 * isomorphic-git 1.44 does (GitTree, GitCommit, formatAuthor/parseAuthor,
 * normalizeNewlines, GitCommit.sign), so commits made here get the same oids. Plain
 * synchronous code on Buffers: the in-memory repo's hot path skips isomorphic-git's
 * async object layer for these.
 */

/** One entry of a tree, in isomorphic-git's shape: mode '040000' for a tree, '100644', '100755', '120000' or '160000'. */
export interface TreeEntry {
  mode: string
  path: string
  oid: string
  type: 'blob' | 'tree' | 'commit'
}

/** Author or committer, in isomorphic-git's shape (timezoneOffset as Date#getTimezoneOffset: minutes, positive west of UTC). */
export interface Person {
  name: string
  email: string
  timestamp: number
  timezoneOffset: number
}

export interface Commit {
  tree: string
  parent: string[]
  author: Person
  committer: Person
  gpgsig?: string
  message: string
}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
const OID = /^[0-9a-f]{40}$/i

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/** A tree's content (no header) as its entries, in the tree's own (git's) order. */
export function parseTree(content: Uint8Array): TreeEntry[] {
  const buf = asBuffer(content)
  const entries: TreeEntry[] = []
  let at = 0
  while (at < buf.length) {
    const space = buf.indexOf(32, at)
    const nul = space === -1 ? -1 : buf.indexOf(0, space)
    if (nul === -1 || nul + 21 > buf.length) throw new SyntaxError(`malformed tree entry at byte ${at}`)
    let mode = buf.toString('latin1', at, space)
    if (mode === '40000') mode = '040000' // isomorphic-git pads it
    const type = mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob'
    entries.push({ mode, path: buf.toString('utf8', space + 1, nul), oid: buf.toString('hex', nul + 1, nul + 21), type })
    at = nul + 21
  }
  return entries
}

/** A tree's content (no "tree <size>\0" header), entries sorted as git sorts them (a tree's name compares as if it ended in '/'), modes as git writes them ('40000' for trees). */
export function serializeTree(entries: readonly TreeEntry[]): Buffer {
  // git compares names as UTF-8 bytes, a tree's with a '/' after it: sort on that key,
  // and write the key without the slash.
  const rows = entries.map((entry) => {
    if (!OID.test(entry.oid)) throw new TypeError(`not an object id: ${entry.oid}`)
    const mode = entry.mode.replace(/^0/, '')
    const key = Buffer.from(mode === '40000' ? `${entry.path}/` : entry.path)
    return { mode, key, nameLength: mode === '40000' ? key.length - 1 : key.length, oid: entry.oid }
  })
  rows.sort((a, b) => Buffer.compare(a.key, b.key))
  let size = 0
  for (const row of rows) size += row.mode.length + 1 + row.nameLength + 1 + 20
  const out = Buffer.allocUnsafe(size)
  let at = 0
  for (const row of rows) {
    at += out.write(`${row.mode} `, at, 'latin1')
    at += row.key.copy(out, at, 0, row.nameLength)
    out[at++] = 0
    at += out.write(row.oid, at, 'hex')
  }
  return out
}

// isomorphic-git's normalizeNewlines: no CR, no leading newlines, exactly one trailing newline.
function normalizeNewlines(text: string): string {
  return text.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '') + '\n'
}

// A multi-line header's value: each line after the first starts with a space.
function indent(text: string): string {
  return text.trim().split('\n').map((line) => ' ' + line).join('\n') + '\n'
}

// isomorphic-git keeps -0 as '-0000' both ways; 0 is '+0000'.
function formatTimezoneOffset(offset: number): string {
  const west = offset === 0 ? Object.is(offset, -0) : offset > 0
  const minutes = Math.abs(offset)
  const hours = Math.floor(minutes / 60)
  return (west ? '-' : '+') + String(hours).padStart(2, '0') + String(minutes - hours * 60).padStart(2, '0')
}

function parseTimezoneOffset(text: string): number {
  const match = /(\+|-)(\d\d)(\d\d)/.exec(text)
  if (!match) throw new SyntaxError(`malformed timezone: ${text}`)
  const minutes = (match[1] === '+' ? 1 : -1) * (Number(match[2]) * 60 + Number(match[3]))
  return minutes === 0 ? minutes : -minutes
}

function formatPerson(person: Person): string {
  return `${person.name} <${person.email}> ${person.timestamp} ${formatTimezoneOffset(person.timezoneOffset)}`
}

function parsePerson(text: string): Person {
  const match = /^(.*) <(.*)> (.*) (.*)$/.exec(text)
  if (!match) throw new SyntaxError(`malformed author or committer: ${text}`)
  return { name: match[1]!, email: match[2]!, timestamp: Number(match[3]), timezoneOffset: parseTimezoneOffset(match[4]!) }
}

// The header lines up to the committer's (GitCommit.renderHeaders), each ending in '\n'.
function renderHeaders(commit: Omit<Commit, 'gpgsig' | 'message'>): string {
  let headers = `tree ${commit.tree || EMPTY_TREE}\n`
  for (const parent of commit.parent) headers += `parent ${parent}\n`
  return headers + `author ${formatPerson(commit.author)}\ncommitter ${formatPerson(commit.committer)}\n`
}

/** A commit's content parsed (unknown headers such as encoding or mergetag are skipped; a multi-line header's continuation lines too). */
export function parseCommit(content: Uint8Array): Commit {
  const text = asBuffer(content).toString('utf8')
  const split = text.indexOf('\n\n')
  const headers: string[] = []
  for (const line of text.slice(0, split).split('\n')) {
    if (line[0] === ' ' && headers.length > 0) headers[headers.length - 1] += '\n' + line.slice(1)
    else headers.push(line)
  }
  const key = (h: string) => h.slice(0, h.indexOf(' '))
  const value = (h: string) => h.slice(h.indexOf(' ') + 1)
  // As git (and isomorphic-git): the tree first, then the parents right after it; of any
  // other header, the first occurrence wins.
  if (key(headers[0] ?? '') !== 'tree') throw new SyntaxError('a commit must start with its tree')
  const parent: string[] = []
  let i = 1
  for (; i < headers.length && key(headers[i]!) === 'parent'; i++) parent.push(value(headers[i]!))
  const found = new Map<string, string>()
  for (; i < headers.length; i++) if (!found.has(key(headers[i]!))) found.set(key(headers[i]!), value(headers[i]!))
  const author = found.get('author')
  const committer = found.get('committer')
  if (author === undefined || committer === undefined) throw new SyntaxError('a commit needs an author and a committer')
  const commit: Commit = { tree: value(headers[0]!), parent, author: parsePerson(author), committer: parsePerson(committer), message: normalizeNewlines(text.slice(split + 2)) }
  const gpgsig = found.get('gpgsig')
  if (gpgsig !== undefined) commit.gpgsig = gpgsig
  return commit
}

/** A commit's content as isomorphic-git writes it (message normalized as its normalizeNewlines does). */
export function serializeCommit(commit: Commit): Buffer {
  const gpgsig = commit.gpgsig ? 'gpgsig' + indent(commit.gpgsig) : ''
  return Buffer.from(renderHeaders(commit) + gpgsig + '\n' + normalizeNewlines(commit.message), 'utf8')
}

/**
 * A signed commit, as isomorphic-git's commit({ signingKey, onSign }) makes it: `sign` gets
 * the payload (the commit without gpgsig, as a string) and returns an armored detached
 * signature; the result is the commit content with the `gpgsig` header.
 */
export async function signCommit(commit: Omit<Commit, 'gpgsig'>, sign: (payload: string) => Promise<string>): Promise<Buffer> {
  // GitCommit.sign: the payload is the unsigned commit renormalized; the signature goes
  // between the headers and the blank line before the message.
  const headers = renderHeaders(commit)
  const message = normalizeNewlines(commit.message)
  const signature = normalizeNewlines(await sign(normalizeNewlines(headers + '\n' + message)))
  return Buffer.from(headers + 'gpgsig' + indent(signature) + '\n' + message, 'utf8')
}
