/**
 * One cascade, three honest repos on the forge and a hostile server's worth of bad ones: a
 * zlib bomb, a delta bomb, a 20,000-long delta chain, a 100 MB ref advertisement, a 600 MB
 * error body, malformed trees, and escape sequences and workflow commands in the server's
 * words. Each bad repo fails with its own code, within bounded memory (the CLI process's
 * peak RSS), and every honest repo is updated.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FLUSH, pktLine } from '../../../src/git/pkt-line.js'
import { runCliMeasured, json } from '../../support/cli.js'
import { deltaBomb, deltaChain, objectId, repoPack, zlibBomb } from '../../support/crafted-pack.js'
import { useForge } from '../../support/fixtures.js'
import type { Forge } from '../../support/forge.js'
import { CAPABILITIES, HostileServer, advertisement, lazyBody, mainAdvertisement, uploadPackAnswer } from '../../support/hostile-server.js'
import type { TempDir } from '../../support/tmp.js'

let forge: Forge
let work: TempDir
let hostile: HostileServer
useForge((fixture) => ({ forge, work } = fixture))
beforeAll(async () => {
  hostile = await HostileServer.start()
})
afterAll(() => hostile?.stop())

const INJECTED = '\x1b[31mred\x1b[0m\x1b]0;title\x07\n::error::injected\n::add-mask::masked\r\n  ::warning::x'

/** A repo whose fetch answers `pack` (its tip being `tip`). */
function packRepo(name: string, pack: Buffer, tip = 'a'.repeat(40)): string {
  return hostile.serve(name, { advertisement: { body: mainAdvertisement(tip) }, uploadPack: { body: uploadPackAnswer(pack, tip) } })
}

function hostileRepos(): Record<string, { url: string; code: string }> {
  const honest = repoPack({ '.runtime-version': '0.1.0\n' })
  const dotGit = repoPack({ '.runtime-version': '0.1.0\n' }, [['40000', '.git', objectId('tree', Buffer.alloc(0))]])
  const emptyName = repoPack({ '.runtime-version': '0.1.0\n' }, [['100644', '', objectId('blob', Buffer.from('0.1.0\n'))]])
  // The same 64 KiB of tag lines over and over: cheap to send, 100 MB in all.
  const refLines = Buffer.concat(Array.from({ length: 1000 }, (_, i) => pktLine(`${'b'.repeat(40)} refs/tags/t${String(i).padStart(8, '0')}\n`)))
  const errorChunk = Buffer.alloc(1 << 16, `${INJECTED} `)
  const pushReport = Buffer.concat([
    pktLine(Buffer.concat([Buffer.from([2]), Buffer.from(`remote: ${INJECTED}\n`)])),
    pktLine(Buffer.concat([Buffer.from([1]), pktLine('unpack ok\n'), pktLine(`ng refs/heads/main hook declined ${INJECTED}\n`), FLUSH])),
    FLUSH,
  ])
  return {
    'evil/zlib-bomb': { url: packRepo('evil/zlib-bomb', zlibBomb(3900)), code: 'object-too-large' },
    'evil/delta-bomb': { url: packRepo('evil/delta-bomb', deltaBomb()), code: 'object-too-large' },
    'evil/delta-chain': { url: packRepo('evil/delta-chain', deltaChain(20_000)), code: 'delta-chain-too-deep' },
    'evil/dot-git': { url: packRepo('evil/dot-git', dotGit.pack, dotGit.tip), code: 'bad-tree' },
    'evil/empty-name': { url: packRepo('evil/empty-name', emptyName.pack, emptyName.tip), code: 'bad-tree' },
    'evil/huge-advertisement': {
      url: hostile.serve('evil/huge-advertisement', {
        advertisement: {
          body: lazyBody(100 << 20, (i) => (i === 0 ? mainAdvertisement('b'.repeat(40)).subarray(0, -4) : refLines)),
        },
      }),
      code: 'advertisement-too-large',
    },
    'evil/huge-error': {
      url: hostile.serve('evil/huge-error', { advertisement: { status: 500, contentType: 'text/plain', body: lazyBody(600 << 20, () => errorChunk) } }),
      code: 'http',
    },
    'evil/err-line': {
      url: hostile.serve('evil/err-line', { advertisement: { body: Buffer.concat([pktLine('# service=git-upload-pack\n'), FLUSH, pktLine(`ERR ${INJECTED}`)]) } }),
      code: 'server-refused',
    },
    'evil/push-refusal': {
      url: hostile.serve('evil/push-refusal', {
        advertisement: { body: mainAdvertisement(honest.tip) },
        uploadPack: { body: uploadPackAnswer(honest.pack, honest.tip) },
        receivePack: { body: pushReport },
      }),
      code: 'rejected',
    },
    'evil/head-escape': {
      url: hostile.serve('evil/head-escape', {
        advertisement: { body: mainAdvertisement(honest.tip, [...CAPABILITIES.filter((c) => !c.startsWith('symref=')), 'symref=HEAD:refs/heads/../../x']) },
      }),
      code: 'invalid-default-branch',
    },
    'evil/sha256': {
      url: hostile.serve('evil/sha256', { advertisement: { body: advertisement([['c'.repeat(64), 'HEAD']], [...CAPABILITIES, 'object-format=sha256']) } }),
      code: 'unsupported-object-format',
    },
    'evil/head-missing': {
      url: hostile.serve('evil/head-missing', { advertisement: { body: advertisement([[honest.tip, 'refs/heads/other']], CAPABILITIES) } }),
      code: 'head-branch-missing',
    },
  }
}

describe('a cascade with hostile repos', () => {
  it('fails each hostile repo with its own code, within bounded memory, and updates every honest repo', async () => {
    const honest = ['acme/honest-1', 'acme/honest-2', 'acme/honest-3', 'acme/odd-branch']
    for (const name of honest) await forge.createRepo(name, { files: { '.runtime-version': '0.1.0\n', 'README.md': 'hi\n' } })
    // A default branch git accepts, whose name is a terminal's CSI, a right-to-left override and a zero-width space.
    const oddBranch = 'main\u009b2J\u202ex\u200b'
    await forge.git('acme/odd-branch', ['branch', '-m', 'main', oddBranch])
    const evil = hostileRepos()
    const manifest = path.join(work.dir, 'hostile.json')
    // The honest repos first: the token check goes to the first repo.
    await writeFile(manifest, JSON.stringify({ forge: forge.url, repos: [...honest, ...Object.values(evil).map((e) => e.url)], concurrency: 16 }))
    const summary = path.join(work.dir, 'summary.md')
    const run = await runCliMeasured(
      ['cascade', '--manifest', manifest, '--version', '0.2.0', '--no-sign', '--author-name', 'Pin Bot', '--author-email', 'pinbot@example.com', '--json'],
      { env: { PINBOT_TOKEN: forge.tokens.readWrite, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } },
    )
    const report = json<{ results: { repo: string; outcome: string; error?: { code: string; message: string } }[] }>(run)
    const outcome = (repo: string) => report.results.find((r) => r.repo === repo)
    for (const name of honest) expect(outcome(name)?.outcome, name).toBe('updated')
    for (const name of honest) expect(await forge.readFile(name, '.runtime-version')).toBe('0.2.0\n')
    expect(Object.fromEntries(Object.keys(evil).map((name) => [name, `${outcome(name)?.error?.code}: ${outcome(name)?.error?.message}`]))).toEqual(Object.fromEntries(Object.entries(evil).map(([name, { code }]) => [name, expect.stringMatching(new RegExp(`^${code}: `))])))
    expect(run.code).toBe(1)
    // The zlib bomb announced 3.9 GB, the delta bomb 1.2 GiB, the bodies 100 MB and 600 MB: none was held.
    expect(run.peakRssMiB).toBeLessThan(400)

    // The server's words are data: no escape sequence, and no output line that starts a workflow command but pinbot's own.
    const stepSummary = await readFile(summary, 'utf8')
    expect(report.results.find((r) => r.repo === 'acme/odd-branch')).toMatchObject({ branch: oddBranch })
    expect(run.stderr).toContain('acme/odd-branch (main\\x9b2J\\u{202e}x\\u{200b})')
    for (const text of [run.stdout, run.stderr, stepSummary]) {
      expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f]/)
      // pinbot's own: an annotation titled by the command, and a log group named by the manifest's repo.
      const own = /^(::error title=pinbot cascade|::group::\[\d+\/\d+\] (evil|acme)\/[\w-]+( \(main[^)]*\))?: [a-z]+( \([a-z-]+\))?$|::endgroup::$)/
      for (const line of text.split(/\r?\n|\r/)) expect(line.trimStart().startsWith('::') && !own.test(line), line).toBe(false)
    }
    expect(outcome('evil/err-line')?.error?.message).toContain('\\x1b[31mred')
    expect(outcome('evil/push-refusal')?.error?.message).toContain('\\n::error::injected')
  })
})
