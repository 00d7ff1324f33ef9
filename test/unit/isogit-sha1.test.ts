import * as isogit from 'isomorphic-git'
import { describe, expect, it, vi } from 'vitest'
import { preferSynchronousSha1 } from '../../src/isogit-sha1.js'

describe('preferSynchronousSha1', () => {
  it('makes isomorphic-git hash without WebCrypto, correctly, and leaves WebCrypto working', async () => {
    await preferSynchronousSha1()
    const digest = vi.spyOn(globalThis.crypto.subtle, 'digest')
    try {
      const { oid } = await isogit.hashBlob({ object: '1.2.3\n' })
      expect(oid).toBe('0495c4a88caed0f036ffab0948c17d4b5fdc96c1') // git hash-object
      expect(digest).not.toHaveBeenCalled()
    } finally {
      digest.mockRestore()
    }
    const sha = Buffer.from(await globalThis.crypto.subtle.digest('SHA-1', new Uint8Array())).toString('hex')
    expect(sha).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709')
  })
})
