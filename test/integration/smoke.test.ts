/** Smoke: an in-memory, depth-1 fetch from the forge, and a process that exits promptly. */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpClient } from '../../src/git/http.js'
import { MemoryRepo, isMissingObject } from '../../src/git/memory-repo.js'
import { Forge } from '../support/forge.js'
import { runTimed } from '../support/spawn.js'

let forge: Forge
beforeAll(async () => {
  forge = await Forge.start()
  await forge.createRepo('acme/history', { commits: 40, files: { '.runtime-version': '0.3.1\n', 'Dockerfile': 'FROM x\n' } })
})
afterAll(() => forge.stop())

describe('smoke', () => {
  it('fetches the tip alone into memory, in two requests, and reads the pin there', async () => {
    const http = createHttpClient({ token: forge.tokens.readWrite })
    const repo = new MemoryRepo(forge.repoUrl('acme/history'), http)
    const { tip, branch } = await repo.fetch()
    http.destroy()
    expect(branch).toBe('main')
    const entry = await repo.lookup(tip, '.runtime-version')
    expect(Buffer.from(await repo.readBlob(entry!.oid)).toString()).toBe('0.3.1\n')
    const [parent] = (await repo.readCommit(tip)).parent
    expect(parent).toMatch(/^[0-9a-f]{40}$/)
    await expect(repo.readCommit(parent)).rejects.toSatisfy(isMissingObject)
    // The capabilities and ls-refs (sent together), then the pack.
    expect(forge.requestsFor('acme/history').map((r) => `${r.method} ${r.service}`).sort()).toEqual(['GET git-upload-pack', 'POST git-upload-pack', 'POST git-upload-pack'])
  })

  it('a built process exits promptly after in-memory git work (no lingering timers)', async () => {
    const root = path.resolve(import.meta.dirname, '../..')
    const script = `
      const { MemoryRepo } = await import('${root}/dist/src/git/memory-repo.js')
      const { createHttpClient } = await import('${root}/dist/src/git/http.js')
      const http = createHttpClient({ token: process.env.TOKEN })
      const repo = new MemoryRepo(process.env.URL, http)
      const { tip } = await repo.fetch()
      const tree = await repo.treeWithFile(tip, '.runtime-version', Buffer.from('1.0.0\\n'))
      await repo.commit({ tree, parent: tip, identity: { name: 'a', email: 'a@example.com' }, message: 'x' })
      console.log('done')`
    const result = await runTimed(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, TOKEN: forge.tokens.readWrite, URL: forge.repoUrl('acme/history') },
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('done\n')
    // An open keep-alive socket or timer would keep the process alive; allow seconds.
    expect(result.lingerMs).toBeLessThan(3000)
  })
})
