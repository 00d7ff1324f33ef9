import { describe, expect, it } from 'vitest'
import { splitCommitSignature } from '../../../src/identity/commit-signature.js'

const HEADERS = 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.com> 1 +0000\ncommitter A <a@example.com> 1 +0000\n'
const SIGNATURE = '-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n'
const indented = (text: string) => text.replace(/\n(?!$)/g, '\n ')

describe('splitCommitSignature', () => {
  it("removes the gpgsig header and keeps every other byte, like git's payload", () => {
    const message = '\nsubject\r\n\n body with gpgsig in it\n\n\n'
    const raw = `${HEADERS}gpgsig ${indented(SIGNATURE)}x-extra after signature\n${message}`
    const { payload, signature } = splitCommitSignature(new TextEncoder().encode(raw))
    expect(new TextDecoder().decode(payload)).toBe(`${HEADERS}x-extra after signature\n${message}`)
    expect(signature).toBe(SIGNATURE)
  })

  it('keeps non-ASCII bytes intact and reports no signature for an unsigned commit', () => {
    const raw = Buffer.concat([Buffer.from(HEADERS + '\n'), Buffer.from([0xe9, 0x0a]), Buffer.from('ü\n')])
    const { payload, signature } = splitCommitSignature(new Uint8Array(raw))
    expect(Buffer.from(payload).equals(raw)).toBe(true)
    expect(signature).toBeUndefined()
  })

  it('drops a gpgsig-sha256 header from the payload without taking it as the signature', () => {
    const raw = `${HEADERS}gpgsig-sha256 ${indented(SIGNATURE)}\nmsg\n`
    const { payload, signature } = splitCommitSignature(new TextEncoder().encode(raw))
    expect(new TextDecoder().decode(payload)).toBe(`${HEADERS}\nmsg\n`)
    expect(signature).toBeUndefined()
  })
})
