import { describe, expect, it } from 'vitest'
import { branchNameProblem } from '../../../src/git/branch-name.js'
import { quotedName, serverText } from '../../../src/git/server-text.js'
import { gitRun } from '../../support/git.js'

describe('serverText', () => {
  it('escapes control characters, escape sequences, bidi controls and newlines, so the text stays one inert line', () => {
    const text = serverText('\x1b[31mred\x1b[0m\x07\r\n::add-mask::x\u202eevil\u0085')
    expect(text).toBe('\\x1b[31mred\\x1b[0m\\x07\\r\\n::add-mask::x\\u{202e}evil\\x85')
    expect(text).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/)
  })

  it('escapes a leading "::", so the text cannot start a workflow command on its own', () => {
    expect(serverText('::error::boom')).toBe('\\x3a:error::boom')
    expect(serverText('  ::warning::x')).toBe('  \\x3a:warning::x')
    expect(serverText('a ::error::b')).toBe('a ::error::b')
  })

  it('caps the length, and decodes bytes as UTF-8', () => {
    expect(serverText('x'.repeat(1000))).toBe(`${'x'.repeat(300)}…`)
    expect(serverText(Buffer.from('caf\xc3\xa9', 'latin1'))).toBe('café')
    expect(quotedName(Buffer.from('caf\xe9', 'latin1'))).toBe('"caf\\xe9"')
    expect(quotedName('a"b')).toBe('"a\\"b"')
  })
})

describe('branchNameProblem', () => {
  const names = ['main', 'release/1.x', 'feature/ünï', 'a.b', 'x@y', '-x', '../../x', 'a/../b', 'a..b', '.hidden', 'a/.b', 'a.lock', 'a.lock/b', 'a/', '/a', 'a//b', 'a.', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b', 'a@{1}', 'HEAD', 'a\x7f', '']
  it('agrees with git check-ref-format --branch', async () => {
    for (const name of names) {
      const git = await gitRun(['check-ref-format', '--branch', name])
      expect({ name, valid: branchNameProblem(name) === undefined }).toEqual({ name, valid: git.code === 0 })
    }
    // check-ref-format reads "@" as HEAD's shorthand; git branch refuses it as a name, and so does pinbot.
    expect(branchNameProblem('@')).toBeDefined()
  })
})
