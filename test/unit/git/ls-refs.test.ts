/** Protocol v2's capability advertisement and ls-refs, against real git upload-pack. */
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lsRefsRequest, parseInfoRefs, parseLsRefs } from '../../../src/git/ls-refs.js'
import { FLUSH, pktLine } from '../../../src/git/pkt-line.js'
import { MalformedAnswerError, ServerRefusalError, UnsupportedObjectFormatError } from '../../../src/git/upload-pack.js'
import { git } from '../../support/git.js'
import { tempDir } from '../../support/tmp.js'

let dir: string
let cleanup: () => Promise<void>
let tip: string

/** What upload-pack answers `GET info/refs` with, asked (GIT_PROTOCOL) for a protocol version or not. */
function infoRefs(repo: string, protocol?: string): Buffer {
  const env = { ...process.env, ...(protocol && { GIT_PROTOCOL: protocol }) }
  return spawnSync('git', ['upload-pack', '--stateless-rpc', '--http-backend-info-refs', repo], { env }).stdout
}

/** upload-pack's answer to a v2 request (a POST of git-upload-pack with Git-Protocol: version=2). */
const v2 = (repo: string, request: Buffer) => spawnSync('git', ['upload-pack', '--stateless-rpc', repo], { input: request, env: { ...process.env, GIT_PROTOCOL: 'version=2' } }).stdout

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  await git(['init', '--quiet', '--bare', '--initial-branch', 'trunk', dir])
  const blob = await git(['hash-object', '-w', '--stdin'], { cwd: dir, input: '0.1.0\n' })
  const tree = await git(['mktree'], { cwd: dir, input: `100644 blob ${blob}\t.runtime-version\n` })
  tip = await git(['commit-tree', tree, '-m', 'one'], { cwd: dir })
  const refs = ['refs/heads/trunk', 'refs/heads/trunk-old', 'refs/heads/trunks/x', 'refs/heads/other', ...Array.from({ length: 50 }, (_, i) => `refs/tags/v${i}`)]
  await git(['update-ref', '--stdin'], { cwd: dir, input: refs.map((ref) => `create ${ref} ${tip}\n`).join('') })
})

afterAll(() => cleanup())

describe('parseInfoRefs', () => {
  it("reads a v2 server's capabilities: ls-refs, and what its fetch offers", async () => {
    const plain = parseInfoRefs(infoRefs(dir, 'version=2'))
    expect(plain).toMatchObject({ version: 2, lsRefs: new Set(['unborn']) })
    expect(plain.version === 2 && [...plain.capabilities].sort()).toEqual(['no-progress', 'ofs-delta', 'shallow', 'side-band-64k', 'thin-pack'])
    await git(['config', 'uploadpack.allowFilter', 'true'], { cwd: dir })
    try {
      const filtered = parseInfoRefs(infoRefs(dir, 'version=2'))
      expect(filtered.version === 2 && filtered.capabilities.has('filter')).toBe(true)
    } finally {
      await git(['config', '--unset', 'uploadpack.allowFilter'], { cwd: dir })
    }
  })

  it('reads the v2 capabilities behind a "# service" header too, as some servers send them', () => {
    const body = Buffer.concat([pktLine('# service=git-upload-pack\n'), FLUSH, infoRefs(dir, 'version=2')])
    expect(parseInfoRefs(body).version).toBe(2)
  })

  it("falls back to a v1 server's advertisement: every ref, with HEAD's symref", () => {
    const body = Buffer.concat([pktLine('# service=git-upload-pack\n'), FLUSH, infoRefs(dir)])
    const info = parseInfoRefs(body)
    expect(info.version).toBe(1)
    expect(info.version === 1 && info.advertised.refs.size).toBe(55)
    expect(info.version === 1 && info.advertised.symrefs.get('HEAD')).toBe('refs/heads/trunk')
  })

  it('refuses a sha256 repository, an ERR line, a v2 server without ls-refs, and what is not git at all', async () => {
    const sha256 = await tempDir()
    try {
      await git(['init', '--quiet', '--bare', '--object-format=sha256', sha256.dir])
      expect(() => parseInfoRefs(infoRefs(sha256.dir, 'version=2'))).toThrow(UnsupportedObjectFormatError)
    } finally {
      await sha256.cleanup()
    }
    expect(() => parseInfoRefs(Buffer.concat([pktLine('version 2\n'), pktLine('ERR no access\n'), FLUSH]))).toThrow(new ServerRefusalError('no access'))
    expect(() => parseInfoRefs(Buffer.concat([pktLine('version 2\n'), pktLine('fetch=shallow\n'), FLUSH]))).toThrow(MalformedAnswerError)
    expect(() => parseInfoRefs(Buffer.from('<html>hello</html>'))).toThrow(MalformedAnswerError)
  })
})

describe('lsRefsRequest and parseLsRefs', () => {
  it('lists only the refs under the prefixes asked for, with HEAD and its symref', () => {
    const list = parseLsRefs(v2(dir, lsRefsRequest(['HEAD', 'refs/heads/trunk'])))
    // A prefix is a prefix: trunk-old and trunks/x come too, and the caller keeps exact names.
    expect([...list.refs.keys()]).toEqual(['HEAD', 'refs/heads/trunk', 'refs/heads/trunk-old', 'refs/heads/trunks/x'])
    expect(list.refs.get('HEAD')).toBe(tip)
    expect(list.symrefs).toEqual(new Map([['HEAD', 'refs/heads/trunk']]))
  })

  it("shows an unborn HEAD's branch when asked (an empty repository)", async () => {
    const empty = await tempDir()
    try {
      await git(['init', '--quiet', '--bare', '--initial-branch', 'develop', empty.dir])
      expect(parseLsRefs(v2(empty.dir, lsRefsRequest(['HEAD'])))).toEqual({ refs: new Map(), symrefs: new Map() })
      expect(parseLsRefs(v2(empty.dir, lsRefsRequest(['HEAD'], { unborn: true })))).toEqual({ refs: new Map(), symrefs: new Map([['HEAD', 'refs/heads/develop']]) })
    } finally {
      await empty.cleanup()
    }
  })

  it('refuses a line that is not a ref, an answer cut before its flush, and keeps the words of an ERR line', () => {
    expect(() => parseLsRefs(Buffer.concat([pktLine('not a ref\n'), FLUSH]))).toThrow(MalformedAnswerError)
    expect(() => parseLsRefs(Buffer.concat([pktLine(`${tip} refs/heads/main\n`)]))).toThrow(MalformedAnswerError)
    expect(() => parseLsRefs(Buffer.from(''))).toThrow(MalformedAnswerError)
    expect(() => parseLsRefs(Buffer.concat([pktLine('ERR \x1b[31mdenied\n')]))).toThrow(new ServerRefusalError('\x1b[31mdenied'))
  })
})

describe('parseLsRefs: lines that are not git', () => {
  const oid = 'a'.repeat(40)
  const answer = (...lines: string[]) => Buffer.concat([...lines.map((line) => pktLine(`${line}\n`)), FLUSH])
  it('refuses a ref name with a NUL or a control character, and a line with two symref targets, as malformed', () => {
    expect(() => parseLsRefs(answer(`${oid} HEAD\0junk symref-target:refs/heads/main`))).toThrow(MalformedAnswerError)
    expect(() => parseLsRefs(answer(`${oid} HEAD\x1b[2J symref-target:refs/heads/main`))).toThrow(MalformedAnswerError)
    expect(() => parseLsRefs(answer(`${oid} HEAD symref-target:refs/heads/main symref-target:refs/heads/../x`))).toThrow(MalformedAnswerError)
    expect(parseLsRefs(answer(`${oid} HEAD symref-target:refs/heads/main`)).symrefs.get('HEAD')).toBe('refs/heads/main')
  })
})
