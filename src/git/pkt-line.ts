/**
 * git's pkt-line framing: a 4-digit hex length (including itself) then the payload;
 * "0000" is a flush. Used for the push request and its report.
 */
export const FLUSH = Buffer.from('0000')

export function pktLine(payload: string | Uint8Array): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload)
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0')), data])
}

/** The payloads of a pkt-line stream, `null` for each flush. Throws on a malformed length. */
export function* readPktLines(data: Uint8Array): Generator<Buffer | null> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  let at = 0
  while (at < buf.length) {
    const header = buf.toString('latin1', at, at + 4)
    const length = /^[0-9a-f]{4}$/i.test(header) ? parseInt(header, 16) : NaN
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
 * framing as readPktLines, without holding the whole answer in one buffer: payloads are
 * views of the chunks). `onBytes` sees the running total of bytes read, and may throw to
 * stop reading. Throws SyntaxError on a malformed length or a truncated last line.
 */
export async function* streamPktLines(body: AsyncIterable<Uint8Array>, onBytes?: (total: number) => void): AsyncGenerator<Buffer | null> {
  let rest: Buffer = Buffer.alloc(0)
  let total = 0
  for await (const chunk of body) {
    total += chunk.byteLength
    onBytes?.(total)
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    // What is left over is one partial line (at most 64 KB), so this copy stays small.
    const buf = rest.length ? Buffer.concat([rest, data]) : data
    let at = 0
    while (buf.length - at >= 4) {
      const header = buf.toString('latin1', at, at + 4)
      const length = /^[0-9a-f]{4}$/i.test(header) ? parseInt(header, 16) : NaN
      if (Number.isNaN(length) || (length > 0 && length < 4)) throw new SyntaxError(`malformed pkt-line at byte ${total - buf.length + at}`)
      if (length === 0) {
        at += 4
        yield null
        continue
      }
      if (buf.length - at < length) break
      const payload = buf.subarray(at + 4, at + length)
      at += length
      yield payload
    }
    rest = buf.subarray(at)
  }
  if (rest.length) throw new SyntaxError(`truncated pkt-line at byte ${total - rest.length}`)
}
