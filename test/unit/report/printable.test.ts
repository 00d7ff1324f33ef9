import { describe, expect, it } from 'vitest'
import { branchFromSymref } from '../../../src/git/branch-name.js'
import { printableJson, printableLine, printableText } from '../../../src/report/printable.js'
import { actionsGroup, errorAnnotation, markdownCell } from '../../../src/report/actions.js'

// ESC and CSI (C1, U+009B) start escape sequences; U+202E reverses what follows; U+200B hides.
const HOSTILE = 'a\x1b[2J\u009b2J\u202eb\u200bc\u2028d\re'
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u200b-\u200f\u2028\u2029]/

describe('printable text: whatever a name holds, it reaches a terminal or a CI log as data', () => {
  it('escapes control, C1 and format characters visibly; keeps newlines and tabs in text, not in a line', () => {
    expect(printableLine(`${HOSTILE}\n\t`)).toBe('a\\x1b[2J\\x9b2J\\u{202e}b\\u{200b}c\\u{2028}d\\re\\n\\t')
    expect(printableText(`${HOSTILE}\n\t`)).toBe('a\\x1b[2J\\x9b2J\\u{202e}b\\u{200b}c\\u{2028}d\\re\n\t')
    expect(printableText('main, café, 日本')).toBe('main, café, 日本')
  })

  it('writes JSON whose unsafe characters are \\u escapes: the same value when parsed', () => {
    const value = { branch: HOSTILE, n: 1 }
    const text = printableJson(value)
    expect(text).not.toMatch(/[\x7f-\x9f\u202a-\u202e\u200b-\u200f\u2028]/)
    expect(JSON.parse(text)).toEqual(value)
  })

  it('escapes annotations, log groups and step-summary cells, where a branch or an author name may appear', () => {
    for (const text of [errorAnnotation({ title: `pinbot cascade: x (${HOSTILE})`, message: `by ${HOSTILE}\nline two` }), actionsGroup(`x (${HOSTILE})`, `log ${HOSTILE}`), markdownCell(HOSTILE)]) {
      expect(text).not.toMatch(UNSAFE)
      expect(text).toContain('\\x9b2J')
    }
  })
})

describe("a server's HEAD symref", () => {
  it('is refused when its name was not UTF-8 (decoded as U+FFFD): pinbot could not push to it', () => {
    expect(() => branchFromSymref('refs/heads/caf\uFFFD')).toThrow(expect.objectContaining({ code: 'invalid-default-branch', message: expect.stringContaining('not valid UTF-8') }))
    expect(branchFromSymref('refs/heads/café')).toBe('café')
  })
})
