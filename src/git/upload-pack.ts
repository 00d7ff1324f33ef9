/**
 * A fetch from git's upload-pack over smart HTTP, protocol v1 (stateless): the ref
 * advertisement (GET info/refs), then one POST that wants a single tip `depth` commits
 * deep and gets back the shallow boundary and a pack on side band 1. Just what an
 * in-memory pin needs: no haves (nothing is kept between runs), no negotiation.
 */
import { FLUSH, pktLine, readPktLines } from './pkt-line.js'
import { serverText } from './server-text.js'

/** The answer is not what a git smart-HTTP server sends. */
export class MalformedAnswerError extends Error {}

/** The server's own refusal: an `ERR` line, or a fatal message on side band 3 (its words, sanitised). */
export class ServerRefusalError extends Error {
  constructor(words: Uint8Array | string) {
    super(serverText(typeof words === 'string' ? words.trim() : Buffer.from(words).toString('utf8').trim()))
  }
}

/** Not a git smart-HTTP answer at all (no service header): the URL is likely wrong. */
export class NotSmartHttpError extends Error {}

/** A repository in an object format pinbot does not speak (sha256). */
export class UnsupportedObjectFormatError extends Error {
  constructor(readonly format: string) {
    super(`object format ${format}`)
  }
}

export interface RefAdvertisement {
  /** Full ref name (and `HEAD`) to object id. */
  refs: Map<string, string>
  /** Symbolic refs the server named, e.g. `HEAD` -> `refs/heads/main`. */
  symrefs: Map<string, string>
  capabilities: Set<string>
}

const OID = /^[0-9a-f]{40}$/

/** Parse the body of `GET info/refs?service=git-upload-pack`. */
export function parseRefAdvertisement(body: Uint8Array): RefAdvertisement {
  const lines = pktLinesOf(body)
  if (lines[0]?.toString().replace(/\n$/, '') !== '# service=git-upload-pack' || lines[1] !== null) {
    throw new NotSmartHttpError('no "# service=git-upload-pack" header')
  }
  const advertised: RefAdvertisement = { refs: new Map(), symrefs: new Map(), capabilities: new Set() }
  for (const [i, line] of lines.slice(2).entries()) {
    if (line === null) break
    const text = line.toString().replace(/\n$/, '')
    refusal(text)
    const [ref, capabilities] = text.split('\0')
    if (i === 0 && capabilities !== undefined) {
      for (const capability of capabilities.split(' ').filter(Boolean)) {
        advertised.capabilities.add(capability)
        if (capability.startsWith('symref=')) {
          const [from, to] = capability.slice('symref='.length).split(':')
          advertised.symrefs.set(from, to)
        }
        if (capability.startsWith('object-format=') && capability !== 'object-format=sha1') {
          throw new UnsupportedObjectFormatError(serverText(capability.slice('object-format='.length), 40))
        }
      }
    }
    const [oid, name] = [ref.slice(0, 40), ref.slice(41)]
    if (!OID.test(oid) || ref[40] !== ' ' || !name) throw new MalformedAnswerError(`not a ref line: ${serverText(text, 80)}`)
    // An empty repository advertises only its capabilities, on a placeholder.
    if (name !== 'capabilities^{}' && !name.endsWith('^{}')) advertised.refs.set(name, oid)
  }
  return advertised
}

const WANTED_CAPABILITIES = ['side-band-64k', 'ofs-delta', 'shallow', 'no-progress']

/**
 * The POST body wanting `want` with `depth` commits of history (1: the tip alone). Asks
 * only for capabilities the server advertised, as protocol v1 requires; side band and
 * shallow fetches are required (every git server since 1.6 has them).
 */
export function uploadPackRequest(want: string, depth: number, advertised: ReadonlySet<string>): Buffer {
  for (const required of ['side-band-64k', 'shallow']) {
    if (!advertised.has(required)) throw new MalformedAnswerError(`the server does not offer ${required}`)
  }
  const capabilities = [...WANTED_CAPABILITIES.filter((c) => advertised.has(c)), 'agent=pinbot'].join(' ')
  return Buffer.concat([pktLine(`want ${want} ${capabilities}\n`), pktLine(`deepen ${depth}\n`), FLUSH, pktLine('done\n')])
}

/** What the server answered a fetch: the commits at its shallow boundary, and the pack. */
export interface UploadPackAnswer {
  shallow: string[]
  pack: Buffer
}

/** Parse upload-pack's answer to uploadPackRequest: shallow lines, a flush, NAK, then side-band frames. */
export function parseUploadPackAnswer(body: Uint8Array): UploadPackAnswer {
  const lines = pktLinesOf(body)
  const shallow: string[] = []
  let at = 0
  for (; at < lines.length && lines[at] !== null; at++) {
    const text = lines[at]!.toString().replace(/\n$/, '')
    refusal(text)
    if (text.startsWith('shallow ')) shallow.push(text.slice('shallow '.length))
    else if (!text.startsWith('unshallow ')) throw new MalformedAnswerError(`unexpected line before the pack: ${serverText(text, 80)}`)
  }
  const acknowledgement = lines[++at]?.toString().replace(/\n$/, '') ?? ''
  refusal(acknowledgement)
  if (acknowledgement !== 'NAK' && !acknowledgement.startsWith('ACK ')) throw new MalformedAnswerError('no NAK or ACK before the pack')
  const pack: Buffer[] = []
  for (const frame of lines.slice(at + 1)) {
    if (frame === null) break
    if (frame[0] === 1) pack.push(frame.subarray(1))
    else if (frame[0] === 3) throw new ServerRefusalError(frame.subarray(1))
    else if (frame[0] !== 2) throw new MalformedAnswerError('not a side-band frame')
  }
  return { shallow, pack: Buffer.concat(pack) }
}

/** A server that gives up says so with `ERR <message>` in place of the next line. */
function refusal(line: string): void {
  if (line.startsWith('ERR ')) throw new ServerRefusalError(line.slice('ERR '.length))
}

function pktLinesOf(body: Uint8Array): (Buffer | null)[] {
  try {
    return [...readPktLines(body)]
  } catch (error) {
    throw new MalformedAnswerError((error as Error).message)
  }
}
