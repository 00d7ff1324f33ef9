/**
 * Memory of a pin without partial fetch (issue 14): a server without `uploadpack.allowFilter`
 * sends the template's large file, and the CLI holds it once, not as the HTTP answer, the
 * pack and the object side by side (at most 2x the tip's blobs plus 100 MB; the pack is
 * read as it streams in, pack-file.ts).
 */
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { json, runCliMeasured } from '../../support/cli.js'
import { useForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { git } from '../../support/git.js'
import type { TempDir } from '../../support/tmp.js'

let forge: Forge
let work: TempDir
useForge((fixture) => ({ forge, work } = fixture))

const MiB = 1024 * 1024

describe('pin --remote without partial fetch', () => {
  it('pins a template with one 60 MB incompressible file within 2x the file plus 100 MB', async () => {
    const size = 60 * MiB
    const name = 'acme/large-file'
    await forge.createRepo(name, { files: { '.runtime-version': '0.1.0\n', 'assets/model.bin': randomBytes(size) } })
    const run = await runCliMeasured(
      ['pin', '0.2.0', '--remote', forge.repoUrl(name), '--no-sign', '--author-name', 'Pin Bot', '--author-email', 'pinbot@example.com', '--json'],
      // As users run it: under NODE_ENV=test (vitest's) oclif also looks for TypeScript sources, some 40 MB more.
      { env: { PINBOT_TOKEN: forge.tokens.readWrite, NODE_ENV: undefined } },
    )
    expect(json(run)).toMatchObject({ outcome: 'updated', after: '0.2.0' })
    // Measured: 180 MiB; before the pack was streamed, 300 MiB (answer, pack and object, each whole).
    expect(run.peakRssMiB).toBeLessThan((2 * size + 100 * MiB) / MiB)

    const dir = path.join(work.dir, 'large-file')
    await git(['clone', '--quiet', '--bare', forge.authedUrl(name), dir])
    expect(await git(['diff-tree', '-r', '--no-commit-id', '--name-status', 'main^', 'main'], { cwd: dir })).toBe('M\t.runtime-version')
  })
})
