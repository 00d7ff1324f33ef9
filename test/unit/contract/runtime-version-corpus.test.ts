/** Every file of the corpus (test/support/corpus.ts) gets its expected verdict. */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PROBLEM_CODES, checkVersionBytes } from '../../../src/contract/runtime-version.js'
import { listCorpus } from '../../support/corpus.js'

const corpus = listCorpus()

/** The consumer in the templates' publish workflow. */
function consumerReads(file: string): string {
  return spawnSync('sh', ['-c', `head -n1 "$1" | tr -d '[:space:]'`, 'sh', file], { encoding: 'latin1' }).stdout
}

describe('.runtime-version corpus', () => {
  it('has at least 30 files, valid and invalid, covering every code of the byte check', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30)
    const expected = new Set(corpus.map((entry) => entry.expected))
    const readerCodes = ['missing', 'symlink', 'directory', 'not-regular-file', 'unmerged']
    expect([...expected].sort()).toEqual(['valid', ...PROBLEM_CODES.filter((code) => !readerCodes.includes(code))].sort())
  })

  it.each(corpus)('$expected/$name', ({ expected, file }) => {
    const bytes = readFileSync(file)
    const result = checkVersionBytes(bytes, 'pin')
    if (expected === 'valid') {
      const version = bytes.toString('latin1').replace(/\n$/, '')
      expect(result).toEqual({ file: 'pin', valid: true, version, problems: [] })
      expect(consumerReads(file)).toBe(version)
      return
    }
    expect(result.valid).toBe(false)
    expect(result.version).toBeUndefined()
    expect(result.problems[0].code).toBe(expected)
    for (const p of result.problems) {
      expect(p.line).toBeGreaterThanOrEqual(1)
      expect(p.column).toBeGreaterThanOrEqual(1)
      // What was found is shown escaped: only printable ASCII (and the clip mark) in messages.
      expect(p.message).toMatch(/^[\x20-\x7E…]+$/)
      expect(p.hint).toMatch(/^(save|remove|write) /)
    }
    expect(new Set(result.problems.map((p) => p.code)).size).toBe(result.problems.length)
  })
})
