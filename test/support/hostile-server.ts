/**
 * A hostile smart-HTTP server for tests: each repo answers exactly what the test scripted
 * (crafted ref advertisements, packs, push reports, HTTP errors), including answers far
 * larger than any honest one, generated lazily as the client reads them so that the test
 * process never holds them. Listens on 127.0.0.1, port 0; stopped by the test.
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Readable } from 'node:stream'
import { FLUSH, pktLine } from '../../src/git/pkt-line.js'

export interface Answer {
  status?: number
  contentType?: string
  /** The body, or a generator of it (streamed with backpressure, stopped when the client goes). */
  body: Buffer | (() => AsyncIterable<Buffer>)
}

export interface HostileRepo {
  advertisement?: Answer
  uploadPack?: Answer
  receivePack?: Answer
  /** A protocol v2 server: its answers, to requests asking for v2, to `GET info/refs` (capabilities) and to the `ls-refs` POST. */
  v2?: { capabilities: Answer; lsRefs?: Answer }
}

export class HostileServer {
  url = ''
  readonly requests: { repo: string; path: string }[] = []
  private readonly repos = new Map<string, HostileRepo>()
  private readonly sockets = new Set<Socket>()
  private server!: http.Server

  static async start(): Promise<HostileServer> {
    const hostile = new HostileServer()
    hostile.server = http.createServer((req, res) => hostile.handle(req, res))
    hostile.server.on('connection', (socket) => {
      hostile.sockets.add(socket)
      socket.on('close', () => hostile.sockets.delete(socket))
    })
    await new Promise<void>((resolve) => hostile.server.listen(0, '127.0.0.1', resolve))
    hostile.url = `http://127.0.0.1:${(hostile.server.address() as AddressInfo).port}`
    return hostile
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  /** Script the answers of "owner/name"; returns its clone URL. */
  serve(name: string, repo: HostileRepo): string {
    this.repos.set(name, repo)
    return `${this.url}/${name}.git`
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url)
    const match = /^\/([^/]+\/[^/]+?)\.git\/(.*)$/.exec(url.pathname)
    this.requests.push({ repo: match?.[1] ?? '', path: url.pathname + url.search })
    const repo = match ? this.repos.get(match[1]) : undefined
    const v2 = req.headers['git-protocol'] === 'version=2' ? repo?.v2 : undefined
    const answer =
      match?.[2] === 'info/refs' && url.searchParams.get('service') === 'git-upload-pack'
        ? (v2?.capabilities ?? repo?.advertisement)
        : match?.[2] === 'git-upload-pack'
          ? (v2?.lsRefs ?? repo?.uploadPack)
          : match?.[2] === 'git-receive-pack'
            ? repo?.receivePack
            : undefined
    req.resume()
    req.on('end', () => {
      if (!answer) {
        res.writeHead(404, { 'content-type': 'text/plain' })
        return void res.end('not scripted\n')
      }
      const service = match![2] === 'info/refs' ? 'git-upload-pack-advertisement' : `${match![2]}-result`
      res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? `application/x-${service}` })
      if (Buffer.isBuffer(answer.body)) return void res.end(answer.body)
      const stream = Readable.from(answer.body())
      res.on('close', () => stream.destroy())
      stream.pipe(res)
    })
  }
}

/** A v1 ref advertisement: `refs` as [oid, name] (the first line carries the capabilities). */
export function advertisement(refs: [string, string][], capabilities: string[]): Buffer {
  const lines = refs.map(([oid, name], i) => pktLine(`${oid} ${name}${i === 0 ? `\0${capabilities.join(' ')}` : ''}\n`))
  return Buffer.concat([pktLine('# service=git-upload-pack\n'), FLUSH, ...lines, FLUSH])
}

export const CAPABILITIES = ['multi_ack', 'side-band-64k', 'ofs-delta', 'shallow', 'no-progress', 'symref=HEAD:refs/heads/main', 'agent=hostile']

/** The advertisement of one branch `main` at `tip`, HEAD pointing at it. */
export function mainAdvertisement(tip: string, capabilities = CAPABILITIES): Buffer {
  return advertisement(
    [
      [tip, 'HEAD'],
      [tip, 'refs/heads/main'],
    ],
    capabilities,
  )
}

/** upload-pack's answer to a depth-1 fetch: the shallow line, NAK, the pack on side band 1. */
export function uploadPackAnswer(pack: Buffer, tip: string): Buffer {
  const frames: Buffer[] = []
  for (let at = 0; at < pack.length; at += 65515) frames.push(pktLine(Buffer.concat([Buffer.from([1]), pack.subarray(at, at + 65515)])))
  return Buffer.concat([pktLine(`shallow ${tip}\n`), FLUSH, pktLine('NAK\n'), ...frames, FLUSH])
}

/** A body of `bytes` bytes made of `line` repeated, generated as it is read. */
export function lazyBody(bytes: number, chunk: (i: number) => Buffer, tail = Buffer.alloc(0)): () => AsyncIterable<Buffer> {
  return async function* () {
    let sent = 0
    for (let i = 0; sent < bytes; i++) {
      const part = chunk(i)
      sent += part.length
      yield part
    }
    if (tail.length) yield tail
  }
}

/** A v2 server's capability advertisement (as git http-backend sends it: no "# service" header). */
export function v2Capabilities(capabilities = ['agent=hostile', 'ls-refs=unborn', 'fetch=shallow', 'object-format=sha1']): Buffer {
  return Buffer.concat([pktLine('version 2\n'), ...capabilities.map((c) => pktLine(`${c}\n`)), FLUSH])
}

/** An ls-refs answer: `refs` as [oid, name, ...attributes]. */
export function lsRefsAnswer(refs: string[][]): Buffer {
  return Buffer.concat([...refs.map((ref) => pktLine(`${ref.join(' ')}\n`)), FLUSH])
}
