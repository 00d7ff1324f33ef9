import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { deflateSync } from 'node:zlib'
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

  it('finds where an object of a pack ends, across chunks, and reports a corrupt one', async () => {
    await installIsogitSpeedups()
    const pako = createRequire(createRequire(import.meta.url).resolve('isomorphic-git'))('pako') as {
      Inflate: new () => { push(chunk: Uint8Array, end: boolean): void; result?: Uint8Array; err: number; strm: { avail_in: number } }
    }
    const object = deflateSync(Buffer.from('tree 0\0'.repeat(50)))
    const next = Buffer.from('the next object')
    const whole = new pako.Inflate()
    whole.push(Buffer.concat([object, next]), false)
    expect(Buffer.from(whole.result!).toString()).toBe('tree 0\0'.repeat(50))
    expect(whole.strm.avail_in).toBe(next.length)

    const split = new pako.Inflate()
    split.push(object.subarray(0, 10), false)
    expect(split.result).toBeUndefined()
    split.push(Buffer.concat([object.subarray(10), next]), false)
    expect(split.result?.length).toBe(350)
    expect(split.strm.avail_in).toBe(next.length)

    const corrupt = new pako.Inflate()
    corrupt.push(Buffer.from('not zlib at all'), false)
    expect(corrupt.err).not.toBe(0)
  })
})
