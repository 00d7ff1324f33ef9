/**
 * Text for a terminal or a CI log, whatever its source. Control characters (C0, DEL, C1:
 * ESC and CSI start escape sequences) and the Unicode format characters that reorder or
 * hide text (bidi embeddings, overrides and isolates, zero-width characters, line and
 * paragraph separators, BOM) are shown as visible `\xNN` / `\u{...}` escapes. Server text is
 * escaped where it enters (git/server-text.ts quotes it with these); every output path
 * escapes again, so that a name valid to git but hostile to a terminal (a branch, an author)
 * shows as data.
 */

const UNSAFE_IN_LINE = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g
// The same, but for text that spans lines: newline and tab stay.
const UNSAFE_IN_TEXT = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g

function escapeChar(char: string): string {
  const code = char.codePointAt(0)!
  if (char === '\n') return '\\n'
  if (char === '\r') return '\\r'
  if (char === '\t') return '\\t'
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`
}

/** One line: every unsafe character escaped, newlines and tabs included. */
export function printableLine(text: string): string {
  return text.replace(UNSAFE_IN_LINE, escapeChar)
}

/** Lines of text: unsafe characters escaped, newlines and tabs kept. */
export function printableText(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, escapeChar)
}

// Outside its strings, JSON is ASCII: each such character is in a string, and \uXXXX there means the same.
const UNSAFE_IN_JSON = /[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g

/** `value` as indented JSON that a terminal shows as data: the same value, its unsafe characters written as \uXXXX. */
export function printableJson(value: unknown): string {
  return (JSON.stringify(value, null, 2) ?? 'null').replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
