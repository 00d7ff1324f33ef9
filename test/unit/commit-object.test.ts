import { describe, expect, it } from 'vitest'
import { parseCommitObject } from '../../src/commit-object.js'

const SIG = ['-----BEGIN PGP SIGNATURE-----', '', 'iHUEABYKAB0WIQ', '=abcd', '-----END PGP SIGNATURE-----'].join('\n')
const HEADERS = [
  'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  'parent 1111111111111111111111111111111111111111',
  'parent 2222222222222222222222222222222222222222',
  'author Jöse Bot <bot@example.com> 1700000000 +0200',
  'committer pinbot <pinbot@example.com> 1700000060 -0030',
].join('\n')

function signed(message: string, extra = ''): { raw: Buffer; payload: string } {
  const payload = `${HEADERS}\n${extra}\n${message}`
  const raw = `${HEADERS}\ngpgsig ${SIG.split('\n').join('\n ')}\n${extra}\n${message}`
  return { raw: Buffer.from(raw, 'utf8'), payload }
}

describe('parseCommitObject', () => {
  it('cuts the gpgsig header out of the payload and returns the armored signature', () => {
    const { raw, payload } = signed('chore: pin runtime to 1.2.3\n')
    const parsed = parseCommitObject(raw)
    expect(Buffer.from(parsed.payload).toString('utf8')).toBe(payload)
    expect(parsed.signature).toBe(`${SIG}\n`)
    expect(parsed.parents).toEqual(['1111111111111111111111111111111111111111', '2222222222222222222222222222222222222222'])
  })

  it.each([
    ['no trailing newline', 'message'],
    ['two trailing newlines', 'message\n\n'],
    ['CRLF line endings', 'line one\r\nline two\r\n'],
  ])('keeps the payload byte-exact with %s (what git signs, not a normalised copy)', (_label, message) => {
    const { raw, payload } = signed(message)
    expect(Buffer.from(parseCommitObject(raw).payload).equals(Buffer.from(payload, 'utf8'))).toBe(true)
  })

  it('leaves every gpgsig* header out of the payload but only takes the SHA-1 one as the signature', () => {
    const other = `gpgsig-sha256 -----BEGIN PGP SIGNATURE-----\n other\n -----END PGP SIGNATURE-----\n`
    const raw = Buffer.from(`${HEADERS}\n${other}\nmsg\n`)
    const parsed = parseCommitObject(raw)
    expect(Buffer.from(parsed.payload).toString()).toBe(`${HEADERS}\n\nmsg\n`)
    expect(parsed.signature).toBeUndefined()
  })

  it('reads author and committer with UTF-8 names and their time zones', () => {
    const parsed = parseCommitObject(signed('m\n').raw)
    expect(parsed.author).toEqual({ name: 'Jöse Bot', email: 'bot@example.com', timestamp: 1700000000, timezone: '+0200' })
    expect(parsed.committer).toEqual({ name: 'pinbot', email: 'pinbot@example.com', timestamp: 1700000060, timezone: '-0030' })
  })

  it('has no signature for an unsigned commit, and the payload is the whole object', () => {
    const raw = Buffer.from(`${HEADERS}\n\nmsg\n`)
    const parsed = parseCommitObject(raw)
    expect(parsed.signature).toBeUndefined()
    expect(Buffer.from(parsed.payload).equals(raw)).toBe(true)
  })
})
