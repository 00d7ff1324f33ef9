/** Smoke: an in-memory, depth-1 clone from the forge, and a process that exits promptly. */
import path from 'node:path'
import * as isogit from 'isomorphic-git'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpClient } from '../../src/http.js'
import { createMemoryFs } from '../../src/memfs.js'
import { Forge } from '../support/forge.js'
import { runTimed } from '../support/spawn.js'

let forge: Forge
beforeAll(async () => {
  forge = await Forge.start()
  await forge.createRepo('acme/history', { commits: 40, files: { '.runtime-version': '0.3.1\n', 'Dockerfile': 'FROM x\n' } })
})
afterAll(() => forge.stop())

describe('smoke', () => {
  it('clones depth 1, single branch, no checkout, into memory and reads the pin at the tip', async () => {
    const fs = await createMemoryFs()
    const http = createHttpClient({ token: forge.tokens.readWrite })
    await isogit.clone({ fs, http, dir: '/', url: forge.repoUrl('acme/history'), depth: 1, singleBranch: true, noCheckout: true })
    http.destroy()
    const tip = await isogit.resolveRef({ fs, dir: '/', ref: 'HEAD' })
    const { blob } = await isogit.readBlob({ fs, dir: '/', oid: tip, filepath: '.runtime-version' })
    expect(Buffer.from(blob).toString()).toBe('0.3.1\n')
    const shallow = await fs.promises.readFile('/.git/shallow', 'utf8')
    expect(String(shallow).trim()).toBe(tip)
    await expect(fs.promises.stat('/Dockerfile')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('a built process exits promptly after in-memory git work (no lingering timers)', async () => {
    const root = path.resolve(import.meta.dirname, '../..')
    const script = `
      const isogit = await import('isomorphic-git')
      const { createMemoryFs } = await import('${root}/dist/src/memfs.js')
      const { createHttpClient } = await import('${root}/dist/src/http.js')
      const fs = await createMemoryFs()
      const http = createHttpClient({ token: process.env.TOKEN })
      await isogit.clone({ fs, http, dir: '/', url: process.env.URL, depth: 1, singleBranch: true, noCheckout: true })
      await isogit.commit({ fs, dir: '/', message: 'x', author: { name: 'a', email: 'a@example.com' } })
      console.log('done')`
    const result = await runTimed(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, TOKEN: forge.tokens.readWrite, URL: forge.repoUrl('acme/history') },
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('done\n')
    // Lightning-fs's lock wait would keep the process alive for 10 minutes; allow seconds.
    expect(result.lingerMs).toBeLessThan(3000)
  })
})
