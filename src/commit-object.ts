/**
 * A raw git commit object split the way git itself splits it for `git verify-commit`:
 * the signed payload is the object with every `gpgsig*` header (and its continuation
 * lines) removed, byte for byte. isomorphic-git's `readCommit().payload` normalises
 * line endings and trailing newlines, so a commit whose message does not end in exactly
 * one "\n" would verify as tampered; this module does not normalise anything.
 */

export interface CommitIdentity {
  name: string
  email: string
  /** Seconds since the epoch. */
  timestamp: number
  /** As written in the commit, e.g. "+0200". */
  timezone: string
}

export interface ParsedCommit {
  parents: string[]
  author?: CommitIdentity
  committer?: CommitIdentity
  /** The exact bytes a signature covers. */
  payload: Uint8Array
  /** The armored `gpgsig` signature, when the commit has one. */
  signature?: string
}

const IDENTITY = /^(.*?) ?<([^<>]*)> (-?\d+) ([+-]\d{4})$/

export function parseIdentity(value: string): CommitIdentity | undefined {
  const match = IDENTITY.exec(value)
  if (!match) return undefined
  return { name: match[1], email: match[2], timestamp: Number(match[3]), timezone: match[4] }
}

/** Latin-1 keeps one character per byte, so the payload is cut byte-exactly. */
const utf8 = (latin1: string) => Buffer.from(latin1, 'latin1').toString('utf8')

export function parseCommitObject(raw: Uint8Array): ParsedCommit {
  const text = Buffer.from(raw).toString('latin1')
  const headerEnd = text.indexOf('\n\n')
  const headerText = headerEnd < 0 ? text : text.slice(0, headerEnd + 1)
  const body = headerEnd < 0 ? '' : text.slice(headerEnd + 1)
  const lines = headerText.split(/(?<=\n)/)

  const parents: string[] = []
  let author: CommitIdentity | undefined
  let committer: CommitIdentity | undefined
  const signatureLines: string[] = []
  let payload = ''
  let current = ''
  for (const line of lines) {
    const continuation = line.startsWith(' ')
    if (!continuation) current = line.slice(0, line.indexOf(' '))
    if (current.startsWith('gpgsig')) {
      // Only the SHA-1 signature header verifies a SHA-1 commit; every gpgsig* header is
      // left out of the payload, as git does.
      if (current === 'gpgsig') signatureLines.push(continuation ? line.slice(1) : line.slice('gpgsig '.length))
      continue
    }
    payload += line
    if (continuation) continue
    const value = line.slice(current.length + 1).replace(/\n$/, '')
    if (current === 'parent') parents.push(value)
    else if (current === 'author') author = parseIdentity(utf8(value))
    else if (current === 'committer') committer = parseIdentity(utf8(value))
  }
  payload += body
  const signature = signatureLines.length ? signatureLines.join('') : undefined
  return { parents, author, committer, payload: Buffer.from(payload, 'latin1'), ...(signature ? { signature } : {}) }
}
