/**
 * A fetch from git's upload-pack over smart HTTP, protocol v1 (stateless): the ref
 * advertisement (GET info/refs), then one POST that wants a single tip `depth` commits
 * deep and gets back the shallow boundary and a pack on side band 1. Just what an
 * in-memory pin needs: no negotiation; haves only when deepening what is already held.
 */
import { LimitExceededError } from './limits.js'
import { FLUSH, pktLine, readPktLines, streamPktLines } from './pkt-line.js'
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
          // Everything after the first colon is the target, as git reads it (`refs/heads/x:y` is no branch).
          const [from, ...rest] = capability.slice('symref='.length).split(':')
          const to = rest.join(':')
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

// thin-pack: a deepening's pack then leaves out what the commits held already reference (the tip's
// blobs, again in every older commit); without it, upload-pack sends them all again at each step.
const WANTED_CAPABILITIES = ['side-band-64k', 'ofs-delta', 'shallow', 'no-progress', 'thin-pack']

/**
 * The POST body wanting `want` with `depth` commits of history (1: the tip alone). Asks
 * only for capabilities the server advertised, as protocol v1 requires; side band and
 * shallow fetches are required (every git server since 1.6 has them). A deepening names
 * what is already here: the shallow boundary (`shallow` lines, so the server extends it
 * rather than starting over) and the commits held (`have`), so only new objects come.
 */
export function uploadPackRequest(
  want: string,
  depth: number,
  advertised: ReadonlySet<string>,
  held: { shallow?: Iterable<string>; haves?: Iterable<string>; filter?: string } = {},
): Buffer {
  for (const required of ['side-band-64k', 'shallow']) {
    if (!advertised.has(required)) throw new MalformedAnswerError(`the server does not offer ${required}`)
  }
  const capabilities = [...WANTED_CAPABILITIES.filter((c) => advertised.has(c)), ...(held.filter ? ['filter'] : []), 'agent=pinbot'].join(' ')
  const lines = [pktLine(`want ${want} ${capabilities}\n`)]
  for (const oid of held.shallow ?? []) lines.push(pktLine(`shallow ${oid}\n`))
  lines.push(pktLine(`deepen ${depth}\n`))
  if (held.filter) lines.push(pktLine(`filter ${held.filter}\n`))
  lines.push(FLUSH)
  for (const oid of held.haves ?? []) lines.push(pktLine(`have ${oid}\n`))
  return Buffer.concat([...lines, pktLine('done\n')])
}

/** What the server answered a fetch: the commits at its new shallow boundary, those no longer shallow, and what `readPack` made of the pack. */
export interface UploadPackAnswer<T> {
  shallow: string[]
  unshallow: string[]
  pack: T
}

/**
 * Read upload-pack's answer to uploadPackRequest as it streams in: shallow lines, a flush,
 * NAK (or ACK), then side-band frames, whose pack bytes (band 1) go to `readPack` as they
 * arrive: the pack is never held whole. Stops reading (and throws) once the answer is over
 * `maxBytes`: the pack limit.
 */
export async function readUploadPackAnswer<T>(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  readPack: (pack: AsyncIterable<Buffer>) => Promise<T>,
): Promise<UploadPackAnswer<T>> {
  const lines = answerLines(body, maxBytes)
  try {
    const { shallow, unshallow } = await readPreamble(lines.next)
    return { shallow, unshallow, pack: await readPack(sideBandData(lines.next)) }
  } finally {
    await lines.close()
  }
}

/**
 * The pkt-lines of a fetch's answer as they stream in, at most `maxBytes` read (the pack
 * limit): `next()` gives a payload, null for a flush, undefined at the end; bad framing is
 * a MalformedAnswerError. `close()` stops reading: an answer abandoned half-way (malformed,
 * refused) is not read further.
 */
export function answerLines(body: AsyncIterable<Uint8Array>, maxBytes: number): { next: () => Promise<Buffer | null | undefined>; close: () => Promise<void> } {
  const lines = streamPktLines(body, (total) => {
    if (total > maxBytes) throw new LimitExceededError('pack', maxBytes)
  })
  return {
    async next() {
      try {
        const { value, done } = await lines.next()
        return done ? undefined : value
      } catch (error) {
        throw error instanceof SyntaxError ? new MalformedAnswerError(error.message) : error
      }
    },
    async close() {
      await lines.return(undefined)
    },
  }
}

async function readPreamble(next: () => Promise<Buffer | null | undefined>): Promise<{ shallow: string[]; unshallow: string[] }> {
  const shallow: string[] = []
  const unshallow: string[] = []
  for (let line = await next(); line !== null; line = await next()) {
    if (line === undefined) throw new MalformedAnswerError('the answer ended before the pack')
    const text = line.toString().replace(/\n$/, '')
    refusal(text)
    if (text.startsWith('shallow ')) shallow.push(text.slice('shallow '.length))
    else if (text.startsWith('unshallow ')) unshallow.push(text.slice('unshallow '.length))
    else throw new MalformedAnswerError(`unexpected line before the pack: ${serverText(text, 80)}`)
  }
  const acknowledgement = (await next())?.toString().replace(/\n$/, '') ?? ''
  refusal(acknowledgement)
  if (acknowledgement !== 'NAK' && !acknowledgement.startsWith('ACK ')) throw new MalformedAnswerError('no NAK or ACK before the pack')
  return { shallow, unshallow }
}

/** The pack data of side-band frames up to the final flush: band 1 is data, 2 progress (skipped), 3 a fatal error. */
export async function* sideBandData(next: () => Promise<Buffer | null | undefined>): AsyncGenerator<Buffer> {
  for (let frame = await next(); frame !== null; frame = await next()) {
    if (frame === undefined) throw new MalformedAnswerError('the answer ended before its final flush')
    if (frame[0] === 1) yield frame.subarray(1)
    else if (frame[0] === 3) throw new ServerRefusalError(frame.subarray(1))
    else if (frame[0] !== 2) throw new MalformedAnswerError('not a side-band frame')
  }
}

/** A server that gives up says so with `ERR <message>` in place of the next line. */
function refusal(line: string): void {
  if (line.startsWith('ERR ')) throw new ServerRefusalError(line.slice('ERR '.length))
}

/** Every pkt-line of a whole answer; a framing error is the server's malformed answer. */
export function pktLinesOf(body: Uint8Array): (Buffer | null)[] {
  try {
    return [...readPktLines(body)]
  } catch (error) {
    throw new MalformedAnswerError((error as Error).message)
  }
}
