/**
 * git's pkt-line framing: a 4-digit hex length (including itself) then the payload;
 * "0000" is a flush. Used for the push request and its report.
 */
export const FLUSH = Buffer.from('0000')

export function pktLine(payload: string | Uint8Array): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload)
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0')), data])
}

/** The 4 hex digits at `at` as a number, NaN when they are not hex digits (or not all there). */
function hexLength(bytes: Uint8Array, at: number): number {
  let length = 0
  for (let i = at; i < at + 4; i++) {
    const byte = bytes[i]
    const letter = byte | 0x20 // lower case, for A-F
    const digit = byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : letter >= 0x61 && letter <= 0x66 && byte >= 0x41 ? letter - 0x57 : -1
    if (digit < 0) return NaN
    length = length * 16 + digit
  }
  return length
}

/** The payloads of a pkt-line stream, `null` for each flush. Throws on a malformed length. */
export function* readPktLines(data: Uint8Array): Generator<Buffer | null> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  let at = 0
  while (at < buf.length) {
    const length = hexLength(buf, at)
    if (Number.isNaN(length) || (length > 0 && length < 4) || at + Math.max(length, 4) > buf.length) {
      throw new SyntaxError(`malformed pkt-line at byte ${at}`)
    }
    if (length === 0) {
      yield null
      at += 4
      continue
    }
    yield buf.subarray(at + 4, at + length)
    at += length
  }
}

/**
 * The payloads of a pkt-line stream as its chunks arrive, `null` for each flush (the same
 * framing as readPktLines, without holding the whole answer in one buffer). A payload that
 * lies within one chunk is a view of it; one split across chunks is copied into a buffer of
 * its own size, so what the payloads keep alive is about the answer's size, never twice it.
 * `onBytes` sees the running total of bytes read, and may throw to stop reading. Throws
 * SyntaxError on a malformed length or a truncated last line.
 */
export async function* streamPktLines(body: AsyncIterable<Uint8Array>, onBytes?: (total: number) => void): AsyncGenerator<Buffer | null> {
  let header = Buffer.alloc(0) // a length split across chunks
  let partial: Buffer | undefined // a payload split across chunks, being filled
  let filled = 0
  let total = 0
  for await (const chunk of body) {
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    const start = total
    total += data.length
    onBytes?.(total)
    let at = 0
    while (at < data.length) {
      if (partial) {
        const n = Math.min(partial.length - filled, data.length - at)
        data.copy(partial, filled, at, at + n)
        filled += n
        at += n
        if (filled === partial.length) {
          const payload = partial
          partial = undefined
          yield payload
        }
        continue
      }
      let length: number
      if (header.length === 0 && data.length - at >= 4) {
        // The usual case, a length wholly in this chunk: read in place (this runs for every line of every answer).
        length = hexLength(data, at)
        at += 4
      } else {
        const need = 4 - header.length
        header = Buffer.concat([header, data.subarray(at, at + need)])
        at += Math.min(need, data.length - at)
        if (header.length < 4) break
        length = hexLength(header, 0)
        header = Buffer.alloc(0)
      }
      if (Number.isNaN(length) || (length > 0 && length < 4)) throw new SyntaxError(`malformed pkt-line at byte ${start + at - 4}`)
      if (length === 0) {
        yield null
      } else if (data.length - at >= length - 4) {
        const payload = data.subarray(at, at + length - 4)
        at += length - 4
        yield payload
      } else {
        partial = Buffer.allocUnsafe(length - 4)
        filled = 0
      }
    }
  }
  if (header.length || partial) throw new SyntaxError(`truncated pkt-line at byte ${total}`)
}
