import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { appendStepSummary, errorAnnotation, inActions, markdownCell, markdownTable } from '../../../src/report/actions.js'
import { clearSecrets, registerSecret } from '../../../src/redact.js'
import { tempDir } from '../../support/tmp.js'

describe('Actions output', () => {
  afterEach(() => clearSecrets())

  it('knows when it runs in Actions', () => {
    expect(inActions({ GITHUB_ACTIONS: 'true' })).toBe(true)
    expect(inActions({ GITEA_ACTIONS: 'true' })).toBe(true)
    expect(inActions({ CI: 'true' })).toBe(false)
  })

  it('escapes an annotation as workflow commands require: the title also for its delimiters', () => {
    expect(errorAnnotation('a: b, c%\n', '50%\r\nok: a, b')).toBe('::error title=a%3A b%2C c%25%0A::50%25%0D%0Aok: a, b')
  })

  it('escapes Markdown and HTML in table cells, and keeps a cell on one line', () => {
    expect(markdownCell('needs `x` | <y> & *z* [w] a_b #1 \\')).toBe('needs \\`x\\` \\| \\<y\\> &amp; \\*z\\* \\[w\\] a\\_b \\#1 \\\\')
    expect(markdownCell('one\r\ntwo\nthree\rfour')).toBe('one<br>two<br>three<br>four')
  })

  it('builds a table from trusted headers and escaped cells', () => {
    expect(markdownTable(['A', 'B → C'], [['x|y', '1']])).toEqual(['| A | B → C |', '| --- | --- |', '| x\\|y | 1 |'])
  })

  it('appends the summary, redacted, only when the runner names a file', async () => {
    const { dir, cleanup } = await tempDir()
    try {
      const file = path.join(dir, 'summary.md')
      registerSecret('s3cr3t-token')
      await appendStepSummary('first s3cr3t-token\n', { GITHUB_STEP_SUMMARY: file })
      await appendStepSummary('second\n', { GITHUB_STEP_SUMMARY: file })
      await appendStepSummary('nowhere\n', {})
      expect(await readFile(file, 'utf8')).toBe('first ***\nsecond\n')
    } finally {
      await cleanup()
    }
  })
})
