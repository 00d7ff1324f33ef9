/**
 * Memory of a pin without partial fetch (issue 14): a server without `uploadpack.allowFilter`
 * sends the template's large file, and the CLI holds it once, not as the HTTP answer, the
 * pack and the object side by side (at most 2x the tip's blobs plus 100 MB; the pack is
 * read as it streams in, pack-file.ts).
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { json, runCliMeasured } from '../../support/cli.js'
import { useForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'

let forge: Forge
useForge((fixture) => ({ forge } = fixture))

const MiB = 1024 * 1024

describe('pin --remote without partial fetch', () => {
  it('pins a template with one 80 MB incompressible file within 2x the file plus 100 MB', async () => {
    const size = 80 * MiB
    const name = 'acme/large-file'
    // Random bytes do not compress: stored as they are (zlib level 0), the repo is written in a third of the time.
    await forge.createRepo(name, { files: { '.runtime-version': '0.1.0\n', 'assets/model.bin': randomBytes(size) }, compression: 0 })
    const run = await runCliMeasured(
      ['pin', '0.2.0', '--remote', forge.repoUrl(name), '--no-sign', '--author-name', 'Pin Bot', '--author-email', 'pinbot@example.com', '--json'],
      { env: { PINBOT_TOKEN: forge.tokens.readWrite } },
    )
    expect(json(run)).toMatchObject({ outcome: 'updated', after: '0.2.0' })
    // Measured: 195-202 MiB; before the pack was streamed, 410 MiB (answer, pack and object, each whole).
    expect(run.peakRssMiB).toBeLessThan((2 * size + 100 * MiB) / MiB)

    expect((await forge.git(name, ['diff-tree', '-r', '--no-commit-id', '--name-status', 'main^', 'main'])).trim()).toBe('M\t.runtime-version')
  })
})
