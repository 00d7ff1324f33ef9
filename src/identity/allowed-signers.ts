/**
 * The SSH keys a verification trusts: plain public key lines (`ssh-ed25519 AAAA... comment`,
 * a `.pub` file) and git's `gpg.ssh.allowedSignersFile` lines (ssh-keygen(1), ALLOWED
 * SIGNERS: `principals [options] keytype base64 [comment]`, options `namespaces=`,
 * `valid-after=`, `valid-before=`, `cert-authority`). Validity is judged as git judges it:
 * at the commit's committer time (git passes it to ssh-keygen as -Overify-time), bounds
 * inclusive, times without `Z` in local time.
 */
import { blobKeyType, sshFingerprint } from './ssh-wire.js'

export interface SshTrustEntry {
  /** Where it was read, `file:line`, for messages. */
  origin: string
  publicBlob: Buffer
  fingerprint: string
  /** The allowed_signers principals field; absent for a plain public key line. */
  principals?: string
  /** Patterns the signature namespace must match; absent: any. */
  namespaces?: string
  /** Unix seconds. */
  validAfter?: number
  validBefore?: number
  /** A CA line: it trusts certificates, which pinbot does not verify. */
  certAuthority: boolean
}

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-[a-z0-9-]+@openssh\.com)$/

/** Whether text looks like SSH public key lines or allowed_signers lines (rather than an OpenPGP key). */
export function looksLikeSshKeyLines(text: string): boolean {
  return meaningfulLines(text).some(({ line }) => line.split(/\s+/).some((word) => KEY_TYPE.test(word)))
}

function meaningfulLines(text: string): Array<{ line: string; number: number }> {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.replace(/\r$/, '').trim(), number: index + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'))
}

/** Split at unquoted whitespace (principals and options may hold quoted values). */
function fields(line: string): string[] {
  const out: string[] = []
  let current = ''
  let quoted = false
  for (const char of line) {
    if (char === '"') quoted = !quoted
    if (!quoted && /\s/.test(char)) {
      if (current) out.push(current)
      current = ''
    } else current += char
  }
  if (quoted) throw new Error('unterminated quote')
  if (current) out.push(current)
  return out
}

const unquote = (value: string) => (value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value)

/** ssh-keygen's timestamps: YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, then `Z` (or `UTC`) for UTC, else local time. */
export function parseSshTime(text: string): number {
  const utc = /(Z|UTC)$/i.exec(text)
  const digits = utc ? text.slice(0, -utc[0].length) : text
  if (!/^\d{8}(\d{4}(\d{2})?)?$/.test(digits)) throw new Error(`"${text}" is not a time (YYYYMMDD[HHMM[SS]][Z])`)
  const part = (from: number, to: number) => (digits.length >= to ? Number(digits.slice(from, to)) : 0)
  const [year, month, day, hour, minute, second] = [part(0, 4), part(4, 6), part(6, 8), part(8, 10), part(10, 12), part(12, 14)]
  const ms = utc ? Date.UTC(year, month - 1, day, hour, minute, second) : new Date(year, month - 1, day, hour, minute, second).getTime()
  const check = new Date(ms)
  const [y, m, d] = utc ? [check.getUTCFullYear(), check.getUTCMonth(), check.getUTCDate()] : [check.getFullYear(), check.getMonth(), check.getDate()]
  if (y !== year || m !== month - 1 || d !== day || hour > 23 || minute > 59 || second > 59) throw new Error(`"${text}" is not a valid date`)
  return Math.floor(ms / 1000)
}

function splitOptions(text: string): string[] {
  const out: string[] = []
  let current = ''
  let quoted = false
  for (const char of text) {
    if (char === '"') quoted = !quoted
    if (char === ',' && !quoted) {
      out.push(current)
      current = ''
    } else current += char
  }
  out.push(current)
  return out
}

function applyOptions(entry: SshTrustEntry, text: string): void {
  for (const option of splitOptions(text)) {
    const eq = option.indexOf('=')
    const name = (eq === -1 ? option : option.slice(0, eq)).toLowerCase()
    const value = eq === -1 ? undefined : unquote(option.slice(eq + 1))
    if (name === 'cert-authority' && value === undefined) entry.certAuthority = true
    else if (name === 'namespaces' && value !== undefined) entry.namespaces = value
    else if (name === 'valid-after' && value !== undefined) entry.validAfter = parseSshTime(value)
    else if (name === 'valid-before' && value !== undefined) entry.validBefore = parseSshTime(value)
    else throw new Error(`unknown option "${option}"`)
  }
}

function keyAt(words: string[], index: number, origin: string): SshTrustEntry {
  const blob = Buffer.from(words[index + 1] ?? '', 'base64')
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(words[index + 1] ?? '') || blobKeyType(blob) !== words[index]) {
    throw new Error(`the ${words[index]} key is not valid base64 of that key type`)
  }
  return { origin, publicBlob: blob, fingerprint: sshFingerprint(blob), certAuthority: false }
}

/** Read every trusted key of one file; throws with `file:line: reason` on a line that is neither form. */
export function parseSshTrust(text: string, file: string): SshTrustEntry[] {
  const entries: SshTrustEntry[] = []
  for (const { line, number } of meaningfulLines(text)) {
    const origin = `${file}:${number}`
    try {
      const words = fields(line)
      if (KEY_TYPE.test(words[0])) {
        entries.push(keyAt(words, 0, origin))
        continue
      }
      // allowed_signers: principals, then options or the key type.
      const keyIndex = KEY_TYPE.test(words[1] ?? '') ? 1 : 2
      if (!KEY_TYPE.test(words[keyIndex] ?? '')) throw new Error('expected "principals [options] keytype base64-key"')
      const entry = { ...keyAt(words, keyIndex, origin), principals: unquote(words[0]) }
      if (keyIndex === 2) applyOptions(entry, words[1])
      entries.push(entry)
    } catch (error) {
      throw new Error(`${origin}: ${(error as Error).message}`)
    }
  }
  return entries
}

/** OpenSSH's match_pattern_list: comma-separated `*`/`?` patterns, `!` negates and wins. */
function matchesPatternList(value: string, list: string): boolean {
  let matched = false
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!')
    const pattern = negated ? raw.slice(1) : raw
    const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`)
    if (regex.test(value)) {
      if (negated) return false
      matched = true
    }
  }
  return matched
}

export type TrustVerdict =
  | { status: 'good'; entry: SshTrustEntry }
  | { status: 'unknown-key'; reason: string }
  | { status: 'expired-key'; entry: SshTrustEntry; reason: string }

const when = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')

/**
 * Whether the key that made a good signature is trusted for namespace at time (the committer
 * time), like ssh-keygen -Y find-principals then -Y verify: the first entry for the key that
 * allows the namespace and is valid then wins.
 */
export function judgeTrust(entries: readonly SshTrustEntry[], publicBlob: Buffer, namespace: string, time: number): TrustVerdict {
  const forKey = entries.filter((entry) => !entry.certAuthority && entry.publicBlob.equals(publicBlob))
  if (forKey.length === 0) return { status: 'unknown-key', reason: 'the commit was signed by a key that is not among the given keys' }
  const forNamespace = forKey.filter((entry) => entry.namespaces === undefined || matchesPatternList(namespace, entry.namespaces))
  if (forNamespace.length === 0) {
    return { status: 'unknown-key', reason: `${forKey[0].origin}: the key is not allowed for the "${namespace}" namespace (namespaces="${forKey[0].namespaces}")` }
  }
  const valid = forNamespace.find((entry) => (entry.validAfter ?? -Infinity) <= time && time <= (entry.validBefore ?? Infinity))
  if (valid) return { status: 'good', entry: valid }
  const entry = forNamespace[0]
  const window = entry.validAfter !== undefined && time < entry.validAfter ? `not valid before ${when(entry.validAfter)}` : `not valid after ${when(entry.validBefore!)}`
  return { status: 'expired-key', entry, reason: `${entry.origin}: the key is ${window}; the commit was made at ${when(time)}` }
}
