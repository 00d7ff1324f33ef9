/** The push request we send and the report we read, against bytes real git produces. */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { pktLine, readPktLines, streamPktLines } from '../../../src/git/pkt-line.js'
import { MalformedReportError, parsePushReport, receivePackRequest, refusalOf, type RefUpdate } from '../../../src/git/receive-pack.js'
import { isRace, pushRefusedError } from '../../../src/git/remote-errors.js'
import { git } from '../../support/git.js'
import { tempDir } from '../../support/tmp.js'

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
const OLD = 'a'.repeat(40)
const NEW = 'b'.repeat(40)
const band = (n: number, text: string) => pktLine(Buffer.concat([Buffer.from([n]), Buffer.from(text)]))
const flush = Buffer.from('0000')

describe('pkt-line', () => {
  it('frames payloads with their hex length and reads them back, flushes as null', () => {
    const stream = Buffer.concat([pktLine('hello\n'), flush, pktLine('')])
    expect(stream.toString()).toBe('000ahello\n00000004')
    expect([...readPktLines(stream)].map((p) => p?.toString() ?? null)).toEqual(['hello\n', null, ''])
  })

  it('refuses a stream cut inside a line or with a bad length', () => {
    expect(() => [...readPktLines(Buffer.from('000ahel'))]).toThrow(SyntaxError)
    expect(() => [...readPktLines(Buffer.from('zzzz'))]).toThrow(SyntaxError)
    expect(() => [...readPktLines(Buffer.from('0002'))]).toThrow(SyntaxError)
  })
})

describe('receivePackRequest', () => {
  it('sends one command with report-status and side-band-64k, a flush, then the pack', () => {
    const request = receivePackRequest({ ref: 'refs/heads/main', old: OLD, new: NEW }, Buffer.from('PACK...'))
    const [command, end] = readPktLines(request)
    expect(command!.toString()).toBe(`${OLD} ${NEW} refs/heads/main\0report-status side-band-64k quiet agent=pinbot\n`)
    expect(end).toBeNull()
    expect(request.subarray(-7).toString()).toBe('PACK...')
  })

  it('is understood by git receive-pack: an update from the current tip lands, a stale one is refused as a race', async () => {
    const { dir, cleanup } = await tempDir()
    try {
      await git(['init', '--quiet', '--bare', dir])
      const commit = (parents: string[], message: string) => git(['commit-tree', EMPTY_TREE, ...parents.flatMap((p) => ['-p', p]), '-m', message], { cwd: dir })
      await git(['hash-object', '-w', '-t', 'tree', '--stdin'], { cwd: dir, input: '' })
      const base = await commit([], 'base')
      await git(['update-ref', 'refs/heads/main', base], { cwd: dir })
      const [ours, theirs] = [await commit([base], 'ours'), await commit([base], 'theirs')]
      // The objects are there already: an empty pack carries the update alone.
      const header = Buffer.from([...Buffer.from('PACK'), 0, 0, 0, 2, 0, 0, 0, 0])
      const pack = Buffer.concat([header, createHash('sha1').update(header).digest()])
      const send = (update: RefUpdate) => parsePushReport(spawnSync('git', ['receive-pack', '--stateless-rpc', dir], { input: receivePackRequest(update, pack) }).stdout)

      expect(send({ ref: 'refs/heads/main', old: base, new: ours })).toMatchObject({ unpack: 'ok', refs: new Map([['refs/heads/main', undefined]]) })
      const stale = send({ ref: 'refs/heads/main', old: base, new: theirs })
      expect(isRace(pushRefusedError(stale.refs.get('refs/heads/main')!, stale.messages))).toBe(true)
      expect(await git(['rev-parse', 'main'], { cwd: dir })).toBe(ours)
    } finally {
      await cleanup()
    }
  })
})

describe('parsePushReport', () => {
  const report = (...lines: string[]) => band(1, Buffer.concat([...lines.map((l) => pktLine(l)), flush]).toString())

  it('reads an accepted update, and the server\'s side-band messages', () => {
    const parsed = parsePushReport(Buffer.concat([band(2, 'remote: thanks\nsecond line\n'), report('unpack ok\n', 'ok refs/heads/main\n'), flush]))
    expect(parsed).toEqual({ unpack: 'ok', refs: new Map([['refs/heads/main', undefined]]), messages: ['remote: thanks', 'second line'] })
  })

  it('says why a branch was not updated: its refusal, a failed unpack, a fatal error, or no word on it', () => {
    const ref = 'refs/heads/main'
    expect(refusalOf(parsePushReport(Buffer.concat([report('unpack ok\n', 'ok refs/heads/main\n'), flush])), ref)).toBeUndefined()
    expect(refusalOf(parsePushReport(Buffer.concat([report('unpack ok\n', 'ng refs/heads/main pre-receive hook declined\n'), flush])), ref)).toBe(
      'pre-receive hook declined',
    )
    expect(refusalOf(parsePushReport(Buffer.concat([report('unpack index-pack abnormal exit\n', 'ng refs/heads/main unpacker error\n'), flush])), ref)).toBe(
      'unpack failed: index-pack abnormal exit',
    )
    expect(refusalOf(parsePushReport(Buffer.concat([band(3, 'fatal: the remote end hung up\n'), flush])), ref)).toBe('fatal: the remote end hung up')
    expect(refusalOf(parsePushReport(Buffer.concat([report('unpack ok\n', 'ok refs/heads/other\n'), flush])), ref)).toBe('no report for the branch')
  })

  it('refuses an answer that is not a report', () => {
    expect(() => parsePushReport(Buffer.from('<html>nope</html>'))).toThrow(MalformedReportError)
    expect(() => parsePushReport(Buffer.concat([band(2, 'just talk\n'), flush]))).toThrow(MalformedReportError)
    expect(() => parsePushReport(Buffer.concat([band(7, 'x'), flush]))).toThrow(MalformedReportError)
  })
})

describe('streamPktLines', () => {
  it('frames a stream split anywhere (inside lengths and payloads) as readPktLines frames it whole', async () => {
    const stream = Buffer.concat([pktLine('hello\n'), Buffer.from('0000'), pktLine(Buffer.alloc(70000 - 4, 7).subarray(0, 65000)), pktLine(''), pktLine('end\n')])
    const expected = [...readPktLines(stream)].map((p) => p?.toString('hex') ?? null)
    for (const size of [1, 3, 5, 4096, 65536, stream.length]) {
      const chunks = Array.from({ length: Math.ceil(stream.length / size) }, (_, i) => stream.subarray(i * size, (i + 1) * size))
      const lines: (string | null)[] = []
      for await (const line of streamPktLines(chunks)) lines.push(line?.toString('hex') ?? null)
      expect(lines, `chunks of ${size}`).toEqual(expected)
    }
    await expect((async () => { for await (const _ of streamPktLines([Buffer.from('000ahel')])); })()).rejects.toThrow(SyntaxError)
    await expect((async () => { for await (const _ of streamPktLines([Buffer.from('zzzz')])); })()).rejects.toThrow(SyntaxError)
  })
})
