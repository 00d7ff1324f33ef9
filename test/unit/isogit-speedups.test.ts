import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { deflateSync } from 'node:zlib'
import * as isogit from 'isomorphic-git'
import { describe, expect, it } from 'vitest'
import { installIsogitSpeedups } from '../../src/isogit-speedups.js'
import { createMemoryFs } from '../../src/memfs.js'
import { git, GIT_ENV } from '../support/git.js'
import { tempDir } from '../support/tmp.js'

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

  it('indexes a pack git made into the very bytes git index-pack writes', async () => {
    await installIsogitSpeedups()
    const { dir, cleanup } = await tempDir()
    try {
      await git(['init', '--quiet', dir])
      // Similar files across two commits, so the pack holds deltas as well as whole objects.
      for (const round of [1, 2]) {
        for (let i = 0; i < 40; i++) await writeFile(path.join(dir, `file-${i}.txt`), `${'line\n'.repeat(20 + i)}round ${round}\n`)
        await git(['add', '.'], { cwd: dir })
        await git(['commit', '--quiet', '-m', `round ${round}`], { cwd: dir })
      }
      const pack = spawnSync('git', ['pack-objects', '--stdout', '--revs'], { cwd: dir, input: 'HEAD\n', env: { ...process.env, ...GIT_ENV } }).stdout
      await writeFile(path.join(dir, 'p.pack'), pack)
      await git(['index-pack', '-o', path.join(dir, 'p.idx'), path.join(dir, 'p.pack')])

      const fs = await createMemoryFs()
      await fs.promises.mkdir('/objects')
      await fs.promises.mkdir('/objects/pack')
      await fs.promises.writeFile('/objects/pack/p.pack', pack)
      await isogit.indexPack({ fs, dir: '/', gitdir: '/', filepath: 'objects/pack/p.pack' })
      expect(Buffer.from(await fs.promises.readFile('/objects/pack/p.idx'))).toEqual(await readFile(path.join(dir, 'p.idx')))
    } finally {
      await cleanup()
    }
  })
})
