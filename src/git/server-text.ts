/**
 * Text a server sent (ERR lines, side-band messages, push refusal reasons, HTTP error
 * bodies, names in its answers) is data, never markup for our terminal or CI log. Every
 * such string passes through `serverText` where it enters pinbot, before it can reach a
 * message: control characters and escape sequences (C0, DEL, C1, bidi overrides) become
 * visible `\xNN` / `\u{...}` escapes, newlines too, so no output line can begin with a
 * server's `::error::` or `::add-mask::` (GitHub Actions workflow commands), and the
 * length is capped.
 */

import { printableLine } from '../report/printable.js'

/** Longest server text quoted in a message, in characters (before escaping). */
export const MAX_SERVER_TEXT = 300

/**
 * A server's bytes or string as one printable line: decoded as UTF-8 (invalid bytes show
 * as U+FFFD), cut to `max` characters (marked with "…"), unsafe characters escaped, and a
 * leading `::` escaped so that the text cannot start a workflow command on its own.
 */
export function serverText(raw: string | Uint8Array, max = MAX_SERVER_TEXT): string {
  const text = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')
  const chars = [...text.slice(0, max * 2)]
  const cut = chars.length > max || text.length > max * 2 ? `${chars.slice(0, max).join('')}…` : text
  return printableLine(cut).replace(/^(\s*):/, (_match, space: string) => `${space}\\x3a`)
}

/** A name from a server (a tree entry's, a ref's) quoted for a message: bytes kept visible, never decoded lossily. */
export function quotedName(name: Uint8Array | string): string {
  const buf = typeof name === 'string' ? Buffer.from(name) : Buffer.from(name.buffer, name.byteOffset, name.byteLength)
  const text = buf.toString('utf8')
  // Bytes that are not UTF-8 are shown as \xNN rather than replaced by U+FFFD.
  const shown = Buffer.from(text).equals(buf) ? serverText(text, 120) : [...buf].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('').slice(0, 480)
  return `"${shown.replace(/"/g, '\\"')}"`
}
