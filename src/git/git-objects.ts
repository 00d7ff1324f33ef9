/**
 * git commit objects parsed and written in memory, byte for byte as isomorphic-git 1.44
 * does (GitCommit, formatAuthor/parseAuthor, normalizeNewlines, GitCommit.sign), so
 * commits made here get the same oids (trees: tree.ts). Plain
 * synchronous code on Buffers: the in-memory repo's hot path skips isomorphic-git's
 * async object layer for these.
 */

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

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
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
  // `s`: a name may hold any byte but NUL, newline, < and > (git's fsck), \r and U+2028 included.
  const match = /^(.*) <(.*)> (.*) (.*)$/s.exec(text)
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
