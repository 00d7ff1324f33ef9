import { describe, expect, it } from 'vitest'
import { createMemoryFs } from '../../src/memfs.js'

describe('in-memory filesystem', () => {
  it('stores files and directories like a filesystem', async () => {
    const { promises: fs } = await createMemoryFs()
    await fs.mkdir('/repo')
    await fs.writeFile('/repo/a.txt', 'hello')
    await fs.writeFile('/repo/b.bin', new Uint8Array([0, 1, 2]))
    expect(await fs.readFile('/repo/a.txt', 'utf8')).toBe('hello')
    expect(Array.from((await fs.readFile('/repo/b.bin')) as Uint8Array)).toEqual([0, 1, 2])
    expect((await fs.readdir('/repo')).sort()).toEqual(['a.txt', 'b.bin'])
    expect(((await fs.stat('/repo')) as { isDirectory(): boolean }).isDirectory()).toBe(true)
  })

  it('raises ENOENT for missing paths, as isomorphic-git expects', async () => {
    const { promises: fs } = await createMemoryFs()
    await expect(fs.readFile('/nope')).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(fs.stat('/nope')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('gives every repository a fresh filesystem', async () => {
    const one = await createMemoryFs('same')
    const two = await createMemoryFs('same')
    await one.promises.writeFile('/x', '1')
    await expect(two.promises.readFile('/x')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('answers isomorphic-git\'s promise probe (readFile with no path) with a rejection, at once', async () => {
    const fs = await createMemoryFs()
    const probe = (fs.promises.readFile as (path?: string) => Promise<unknown>)()
    expect(probe).toBeInstanceOf(Promise)
    await expect(probe).rejects.toMatchObject({ code: 'EINVAL' })
  })
})
