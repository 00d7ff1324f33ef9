/**
 * A strict JSON reader for files people edit by hand. Unlike `JSON.parse`, whose error
 * messages vary between Node versions and often lack a position, every syntax error
 * here says the line and column and what was expected; and keys that appear twice in one
 * object (which `JSON.parse` silently collapses) are reported with their path.
 */
export type JsonPath = Array<string | number>

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`)
    this.name = 'JsonSyntaxError'
  }
}

/** `$.repos[3].branch`, with `$["odd key"]` for keys that are not identifiers. */
export function formatJsonPath(path: JsonPath): string {
  return path
    .map((segment) =>
      typeof segment === 'number'
        ? `[${segment}]`
        : /^[A-Za-z_$][\w$]*$/.test(segment)
          ? `.${segment}`
          : `[${JSON.stringify(segment)}]`,
    )
    .reduce((out, part) => out + part, '$')
}

/** Far deeper than any manifest; bounds the recursion, so a hostile file is a syntax error, not a stack overflow. */
export const MAX_JSON_DEPTH = 100

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y

/** Parse `text`; `onDuplicateKey` hears the path of every key repeated within an object. */
export function parseJson(text: string, onDuplicateKey: (path: JsonPath) => void = () => {}): unknown {
  let at = 0

  const fail = (message: string, offset = at): never => {
    const before = text.slice(0, offset)
    const line = before.split('\n').length
    throw new JsonSyntaxError(message, line, offset - before.lastIndexOf('\n'))
  }
  const found = () => (at >= text.length ? 'the end of the file' : JSON.stringify(text[at]))
  const skipSpace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++
  }
  const expect = (char: string, what: string) => {
    skipSpace()
    if (text[at] !== char) fail(`expected ${what}, found ${found()}`)
    at++
  }
  /** After a ",": a closing bracket here is the classic hand-edit slip. */
  const rejectTrailingComma = (close: string) => {
    const comma = at - 1
    skipSpace()
    if (text[at] === close) fail(`trailing comma before "${close}"; remove it`, comma)
  }

  const readString = (): string => {
    const start = at
    at++ // opening quote
    while (at < text.length && text[at] !== '"') {
      if (text[at] === '\\') {
        ESCAPE.lastIndex = at
        if (!ESCAPE.test(text)) fail('invalid escape sequence in string')
        at = ESCAPE.lastIndex
      } else if (text.charCodeAt(at) < 0x20) {
        if (text[at] === '\n') fail('string not closed before the end of the line', start)
        fail('control character in string; escape it')
      } else {
        at++
      }
    }
    if (at >= text.length) fail('string not closed', start)
    at++ // closing quote
    return JSON.parse(text.slice(start, at)) as string
  }

  const readValue = (path: JsonPath): unknown => {
    skipSpace()
    const char = text[at]
    if ((char === '{' || char === '[') && path.length >= MAX_JSON_DEPTH) fail(`nested deeper than ${MAX_JSON_DEPTH} levels`)
    if (char === '{') return readObject(path)
    if (char === '[') return readArray(path)
    if (char === '"') return readString()
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, at)) {
        at += word.length
        return value
      }
    }
    NUMBER.lastIndex = at
    const number = NUMBER.exec(text)
    if (number) {
      at = NUMBER.lastIndex
      return Number(number[0])
    }
    return fail(`expected a value, found ${found()}`)
  }

  const readObject = (path: JsonPath): Record<string, unknown> => {
    at++
    const object: Record<string, unknown> = {}
    skipSpace()
    if (text[at] === '}') {
      at++
      return object
    }
    for (;;) {
      skipSpace()
      if (text[at] !== '"') fail(`expected a double-quoted key, found ${found()}`)
      const key = readString()
      if (Object.hasOwn(object, key)) onDuplicateKey([...path, key])
      expect(':', '":" after the key')
      // defineProperty, so a key named "__proto__" is data, not a prototype change.
      Object.defineProperty(object, key, { value: readValue([...path, key]), enumerable: true, writable: true, configurable: true })
      skipSpace()
      if (text[at] === '}') {
        at++
        return object
      }
      expect(',', '"," or "}"')
      rejectTrailingComma('}')
    }
  }

  const readArray = (path: JsonPath): unknown[] => {
    at++
    const array: unknown[] = []
    skipSpace()
    if (text[at] === ']') {
      at++
      return array
    }
    for (;;) {
      array.push(readValue([...path, array.length]))
      skipSpace()
      if (text[at] === ']') {
        at++
        return array
      }
      expect(',', '"," or "]"')
      rejectTrailingComma(']')
    }
  }

  const value = readValue([])
  skipSpace()
  if (at < text.length) fail(`unexpected ${found()} after the end of the JSON value`)
  return value
}
