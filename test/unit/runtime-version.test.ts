import { describe, expect, it } from 'vitest'
import { checkVersionBytes, compareVersions, formatProblem, formatVersion, parseVersionArg } from '../../src/runtime-version.js'

const check = (text: string | Buffer) => checkVersionBytes(typeof text === 'string' ? Buffer.from(text, 'latin1') : text)
const codes = (text: string | Buffer) => check(text).problems.map((p) => p.code)

describe('.runtime-version contract', () => {
  it.each(['0.1.7', '0.1.7\n', '1.2.0-rc.1\n', '0.0.0-test-cascade\n', '1.2.3+build.5\n', '10.20.30-alpha.1+sha.5114f85'])('accepts %j', (text) => {
    const result = check(text)
    expect(result.problems).toEqual([])
    expect(result.version).toBe(text.replace(/\n$/, ''))
  })

  it.each([
    ['', 'empty'],
    ['\n', 'empty'],
    ['v1.2.3\n', 'leading-v'],
    ['=1.2.3\n', 'leading-equals'],
    [' 1.2.3\n', 'leading-whitespace'],
    ['1.2.3 \n', 'trailing-whitespace'],
    ['1.2.3\r\n', 'crlf'],
    ['1.2.3\r', 'lone-cr'],
    ['\xEF\xBB\xBF1.2.3\n', 'bom'],
    ['1.2.3\n\n', 'second-line'],
    ['1.2.3\n1.2.4\n', 'second-line'],
    ['1.2.3 # pinned\n', 'comment'],
    ['1.2\n', 'partial-version'],
    ['1\n', 'partial-version'],
    ['01.2.3\n', 'leading-zero'],
    ['1.2.3-01\n', 'leading-zero'],
    ['1.2.3\x00\n', 'nul-byte'],
    ['1.2.3-\xC3\xA9\n', 'non-ascii'],
    ['latest\n', 'invalid-semver'],
    [`1.2.3-${'a'.repeat(300)}\n`, 'too-large'],
  ])('rejects %j as %s', (text, code) => {
    expect(codes(text)).toContain(code)
    expect(check(text).valid).toBe(false)
  })

  it('names line, column, what was found and the fix', () => {
    const [p] = check('v1.2.3\n').problems
    expect(formatProblem('.runtime-version', p)).toBe('.runtime-version:1:1: leading "v" is not allowed (found "v1.2.3"); write "1.2.3"')
  })

  it('makes CR and BOM visible and points at them', () => {
    const crlf = check('1.2.3\r\n').problems[0]
    expect([crlf.line, crlf.column]).toEqual([1, 6])
    expect(crlf.hint).toContain('"1.2.3"')
    const second = check('1.2.3\n# note\n').problems[0]
    expect(second).toMatchObject({ code: 'second-line', line: 2, column: 1 })
    expect(second.message).toContain('"# note\\n"')
  })

  it('formats canonical bytes', () => {
    expect(formatVersion('1.2.3')).toBe('1.2.3\n')
  })

  it('validates command-line versions with exit 2', () => {
    expect(parseVersionArg('0.1.8')).toBe('0.1.8')
    expect(() => parseVersionArg('v0.1.8')).toThrow(expect.objectContaining({ code: 'invalid-version', exit: 2 }))
    expect(() => parseVersionArg('0.1.8\n')).toThrow(expect.objectContaining({ code: 'invalid-version' }))
  })

  it('orders versions by SemVer precedence', () => {
    expect(compareVersions('0.1.8', '0.1.10')).toBeLessThan(0)
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBeLessThan(0)
    expect(compareVersions('1.0.0+a', '1.0.0+b')).toBe(0)
  })
})
