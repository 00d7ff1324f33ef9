import { describe, expect, it } from 'vitest'
import { formatJsonPath, JsonSyntaxError, MAX_JSON_DEPTH, parseJson, type JsonPath } from '../../../src/fleet/json-parse.js'

function syntaxError(text: string): JsonSyntaxError {
  try {
    parseJson(text)
  } catch (error) {
    expect(error).toBeInstanceOf(JsonSyntaxError)
    return error as JsonSyntaxError
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`)
}

describe('parseJson', () => {
  it('reads what JSON.parse reads, to the same value', () => {
    const samples = [
      '{"a": [1, -2.5e3, 0, true, false, null, "x\\u00e9\\n\\"\\\\\\/"], "b": {}, "c": []}',
      ' \t\r\n"just a string"\n',
      '[[], [[]], {"": {"nested": [{"deep": 1E-2}]}}]',
      '-0',
      '"emoji \ud83d\ude00 and \\ud83d\\ude00"',
    ]
    for (const text of samples) expect(parseJson(text)).toEqual(JSON.parse(text))
  })

  it('keeps a "__proto__" key as data', () => {
    const value = parseJson('{"__proto__": {"polluted": true}}') as Record<string, unknown>
    expect(Object.keys(value)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it.each([
    ['', 1, 1, 'expected a value, found the end of the file'],
    ['{"a": 1,}', 1, 8, 'trailing comma before "}"'],
    ['[1,\n 2,\n ]', 2, 3, 'trailing comma before "]"'],
    ['{"a" 1}', 1, 6, 'expected ":" after the key, found "1"'],
    ['{"a": 1 "b": 2}', 1, 9, 'expected "," or "}", found "\\""'],
    ['{a: 1}', 1, 2, 'expected a double-quoted key, found "a"'],
    ["{'a': 1}", 1, 2, 'expected a double-quoted key'],
    ['{"a": tru}', 1, 7, 'expected a value, found "t"'],
    ['{"a": 01}', 1, 8, 'expected "," or "}", found "1"'],
    ['{"a": .5}', 1, 7, 'expected a value, found "."'],
    ['{\n  "a": "x\\q"\n}', 2, 10, 'invalid escape sequence'],
    ['{\n  "a": "tab\there"\n}', 2, 12, 'control character in string'],
    ['{\n  "a": "open\n}', 2, 8, 'string not closed before the end of the line'],
    ['"open', 1, 1, 'string not closed'],
    ['{"a": 1} {"b": 2}', 1, 10, 'unexpected "{" after the end of the JSON value'],
    ['[1, 2', 1, 6, 'expected "," or "]", found the end of the file'],
  ])('rejects %j at line %i, column %i', (text, line, column, message) => {
    const error = syntaxError(text)
    expect({ line: error.line, column: error.column }).toEqual({ line, column })
    expect(error.message.startsWith(`line ${line}, column ${column}: `)).toBe(true)
    expect(error.message).toContain(message)
  })

  it('reports every key repeated within one object, by path', () => {
    const duplicates: JsonPath[] = []
    const value = parseJson('{"a": 1, "b": [{"c": 1, "c": 2}], "a": 3, "d": {"a": 1}}', (path) => duplicates.push(path))
    expect(duplicates).toEqual([['b', 0, 'c'], ['a']])
    expect(value).toEqual({ a: 3, b: [{ c: 2 }], d: { a: 1 } })
  })
})

describe('parseJson: nesting', () => {
  it(`reads ${MAX_JSON_DEPTH} levels, and refuses deeper nesting as a syntax error (not a stack overflow)`, () => {
    expect(parseJson(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBeInstanceOf(Array)
    for (const open of ['[', '{"a":']) {
      const text = open.repeat(20_000)
      const error = (() => {
        try {
          parseJson(text)
        } catch (thrown) {
          return thrown
        }
      })()
      expect(error).toBeInstanceOf(JsonSyntaxError)
      expect((error as Error).message).toBe(`line 1, column ${open.length * MAX_JSON_DEPTH + 1}: nested deeper than ${MAX_JSON_DEPTH} levels`)
    }
  })
})

describe('formatJsonPath', () => {
  it('writes identifiers with dots, indexes in brackets, and other keys quoted', () => {
    expect(formatJsonPath([])).toBe('$')
    expect(formatJsonPath(['repos', 3, 'branch'])).toBe('$.repos[3].branch')
    expect(formatJsonPath(['$schema', 'a b', 'x"y', 0])).toBe('$.$schema["a b"]["x\\"y"][0]')
  })
})
