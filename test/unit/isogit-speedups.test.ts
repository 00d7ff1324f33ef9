import { createHash } from 'node:crypto'
import * as isogit from 'isomorphic-git'
import { describe, expect, it } from 'vitest'
import { installIsogitSpeedups } from '../../src/isogit-speedups.js'
import { createMemoryFs } from '../../src/memfs.js'

describe('installIsogitSpeedups', () => {
  it('answers SHA-1 digests with the same bytes, leaves other algorithms and the CompressionStream global alone', async () => {
    await installIsogitSpeedups()
    const data = Buffer.from('blob 6\0hello\n')
    expect(Buffer.from(await crypto.subtle.digest('SHA-1', data)).toString('hex')).toBe(createHash('sha1').update(data).digest('hex'))
    expect(Buffer.from(await crypto.subtle.digest({ name: 'sha-1' }, data.subarray(7))).toString('hex')).toBe(createHash('sha1').update('hello\n').digest('hex'))
    expect(Buffer.from(await crypto.subtle.digest('SHA-256', data)).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'))
    expect(typeof globalThis.CompressionStream).toBe('function')
  })

  it('leaves isomorphic-git writing objects git can read back', async () => {
    await installIsogitSpeedups()
    const fs = await createMemoryFs()
    const oid = await isogit.writeBlob({ fs, gitdir: '/g', blob: Buffer.from('hello\n') })
    expect(oid).toBe('ce013625030ba8dba906f756967f9e9ca394464a')
    expect(Buffer.from((await isogit.readBlob({ fs, gitdir: '/g', oid })).blob).toString()).toBe('hello\n')
  })
})
