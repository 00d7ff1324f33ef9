import { describe, expect, it } from 'vitest'
import { checkVersionBytes, compareVersions, escapeFound, formatProblem, formatVersion, parseVersionArg } from '../../../src/contract/runtime-version.js'

const check = (text: string | Buffer) => checkVersionBytes(typeof text === 'string' ? Buffer.from(text, 'latin1') : text)
const codes = (text: string | Buffer) => check(text).problems.map((p) => p.code)
const lines = (text: string) => check(text).problems.map((p) => formatProblem('.runtime-version', p))

describe('.runtime-version contract', () => {
  it.each(['0.1.7', '0.1.7\n', '1.2.0-rc.1\n', '0.0.0-test-cascade\n', '1.2.3+build.5\n', '10.20.30-alpha.1+sha.5114f85'])('accepts %j', (text) => {
    const result = check(text)
    expect(result.problems).toEqual([])
    expect(result.version).toBe(text.replace(/\n$/, ''))
  })

  it('names line, column, what was found and the fix (the issue example)', () => {
    expect(lines('v1.2.3\n')).toEqual(['.runtime-version:1:1: leading "v" is not allowed (found "v1.2.3"); write "1.2.3"'])
  })

  it('makes CR, BOM and NUL visible and points at them', () => {
    expect(lines('1.2.3\r\n')).toEqual(['.runtime-version:1:6: Windows line ending CRLF (found "1.2.3\\r"); save with LF line endings; write "1.2.3"'])
    expect(lines('\xEF\xBB\xBF1.2.3\n')).toEqual([
      '.runtime-version:1:1: UTF-8 byte order mark (BOM) at the start of the file (found "\\xEF\\xBB\\xBF1.2.3"); save without the BOM; write "1.2.3"',
    ])
    expect(lines('1.2.3\x00\n')[0]).toBe('.runtime-version:1:6: NUL byte (found "1.2.3\\0"); write a SemVer 2.0 version such as "1.2.3" on a single line')
    const second = check('1.2.3\n# note\n').problems[0]
    expect(second).toMatchObject({ code: 'second-line', line: 2, column: 1 })
    expect(second.message).toContain('(found "# note\\n" after the first line)')
  })

  it('reports every problem once, in file order, with byte columns after a BOM', () => {
    const problems = check('\xEF\xBB\xBFv01.002.3-rc.01 \r\n\n').problems
    expect(problems.map((p) => [p.code, p.line, p.column])).toEqual([
      ['bom', 1, 1],
      ['leading-v', 1, 4],
      ['trailing-whitespace', 1, 19],
      ['crlf', 1, 20],
      ['second-line', 2, 1],
    ])
    // The hint is the version the file most likely meant, in canonical form.
    expect(new Set(problems.map((p) => p.hint.replace(/^.*; /, '')))).toEqual(new Set(['write "1.2.3-rc.1"']))
  })

  it('points at the number with a leading zero and suggests the fix', () => {
    expect(check('1.2.3-rc.01\n').problems[0]).toMatchObject({ code: 'leading-zero', column: 10, hint: 'write "1.2.3-rc.1"' })
    expect(check('1.2.3-0a\n').valid).toBe(true) // alphanumeric identifiers may start with 0
  })

  it('suggests the full version for a partial one', () => {
    expect(check('1.2\n').problems[0].hint).toBe('write "1.2.0" or the full version you mean')
  })

  it('allows 256 bytes and refuses 257', () => {
    const version = `1.2.3-${'a'.repeat(249)}`
    expect(check(`${version}\n`).valid).toBe(true)
    expect(codes(`${version}a\n`)).toEqual(['too-large'])
  })

  it('escapes and clips what was found', () => {
    expect(escapeFound('a"b\\c\t\x7F\xFF')).toBe('"a\\"b\\\\c\\t\\x7F\\xFF"')
    expect(escapeFound('x'.repeat(70))).toBe(`"${'x'.repeat(60)}…"`)
  })

  it('formats canonical bytes', () => {
    expect(formatVersion('1.2.3')).toBe('1.2.3\n')
    expect(check(formatVersion('1.2.3')).valid).toBe(true)
  })

  it('validates command-line versions with exit 2', () => {
    expect(parseVersionArg('0.1.8')).toBe('0.1.8')
    expect(() => parseVersionArg('v0.1.8')).toThrow(expect.objectContaining({ code: 'invalid-version', exit: 2, hint: 'write "0.1.8"' }))
    expect(() => parseVersionArg('0.1.8\n')).toThrow(expect.objectContaining({ code: 'invalid-version', message: 'invalid version "0.1.8\\n": a trailing newline is not part of the version' }))
    expect(() => parseVersionArg('1.2.3-é')).toThrow(expect.objectContaining({ message: expect.stringContaining('"1.2.3-\\xC3\\xA9"') }))
    expect(() => parseVersionArg('')).toThrow(expect.objectContaining({ code: 'invalid-version' }))
  })

  it('orders versions by SemVer precedence', () => {
    expect(compareVersions('0.1.8', '0.1.10')).toBeLessThan(0)
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBeLessThan(0)
    expect(compareVersions('1.0.0+a', '1.0.0+b')).toBe(0)
  })
})
